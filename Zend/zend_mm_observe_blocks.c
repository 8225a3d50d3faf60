/*
   +----------------------------------------------------------------------+
   | mm_observe: which site owns each live block                          |
   +----------------------------------------------------------------------+

   Design
   ======
   Why a shadow and not one hash for everything.  Every observed allocation
   writes the map and every free reads it, so its cost is the observer's
   cost.  ZendMM puts all small and large blocks inside 2 MiB-aligned chunks
   and never hands out a block smaller than 16 bytes on 64-bit
   (ZEND_MM_MIN_USEABLE_BIN_SIZE: the free list keeps two pointers), so two
   live blocks never share a 16-byte granule.  A per-chunk array of uint32
   site indexes, one per granule, maps a block with a mask, a shift and a
   load:

     chunk  = ptr & ~(2 MiB - 1)             -> shadow array (a 16-entry
                                                direct-mapped cache, inlined)
     slot   = (ptr & (2 MiB - 1)) >> 4        -> entry, 0 = none

   An entry is the site index in its low 18 bits (the site table holds
   2^18), the request generation in the next 6 (invariant 2), the block's
   small bin + 1 (0 for large blocks) in the next 7, so a free learns the
   block's size without asking ZendMM, and in its top bit the owner's
   ZEND_MM_OBSERVE_BLOCK_SAMPLED flag (the block's call path was sampled).

   That is 4 bytes of shadow per 16 bytes of chunk (512 KiB of address space
   per chunk), reserved with MAP_NORESERVE: only the pages under granules
   that were used become resident, and blocks of one bin are allocated next
   to each other, so the shadow is touched densely.  A hash with 16-byte
   entries at load 0.5 would cost 32 bytes per live block, plus probing.

   Huge blocks (> 2 MiB less a page) are chunk-aligned mappings of their own,
   rare and few; under USE_ZEND_ALLOC=0 blocks come from malloc.  Both go to
   an open-addressing hash (linear probing, backward-shift deletion) that
   also records the size, which ZendMM would otherwise find by walking its
   huge-block list.

   Invariants
   ----------
   1. A slot is written when its block is allocated and cleared when it is
      freed, so a slot read for a live block is that block's owner or 0
      (allocated before observation started).
   2. Nothing survives from one request to the next.  Each entry carries
      the generation (1..63) of the request that wrote it; a reset moves
      to the next generation, so every older entry reads as empty, and
      clears the shadows only when the generation wraps (once every 63
      requests of a worker; blocks live at a request's end are discarded
      by ZendMM without a free, so their entries stay behind until then).
      The clear gives the shadows' pages back (MADV_DONTNEED: they read as
      zero, and only the pages used again come back); the dense `used` list
      spares it a walk over the whole chunk table.  The hash is emptied
      every time.
   3. Chunk base 0 is never a real chunk, so key 0 marks an empty slot.
*/

#include "zend.h"
#include "zend_alloc.h"
#include "zend_alloc_sizes.h"
#include "zend_mm_observe_blocks.h"

#ifdef ZEND_MM_OBSERVE

#include <sys/mman.h>

#ifndef MAP_NORESERVE
# define MAP_NORESERVE 0
#endif

/* One slot per granule (ZEND_MM_OBSERVE_GRAIN_SHIFT, the header): the
 * smallest block ZendMM returns. */
#define ZEND_MM_OBSERVE_SHADOW_SLOTS  (ZEND_MM_CHUNK_SIZE >> ZEND_MM_OBSERVE_GRAIN_SHIFT)
#define ZEND_MM_OBSERVE_SHADOW_BYTES  (ZEND_MM_OBSERVE_SHADOW_SLOTS * sizeof(uint32_t))
/* Chunks we can shadow (2 MiB each: 128 GiB of heap). */
#define ZEND_MM_OBSERVE_CHUNKS_MAX    (1u << 16)
/* The shadow entry's layout (site index, generation, bin + 1) is in the header. */
/* Initial capacity of a ptrmap. */
#define ZEND_MM_OBSERVE_PTRMAP_MIN    256

typedef struct _zend_mm_observe_chunk {
	uintptr_t base;      /* 0 = empty */
	uint32_t *shadow;
} zend_mm_observe_chunk;

/* ZendMM's bin sizes, and two maps over multiples of 8 up to the largest. */
#define ZEND_MM_OBSERVE_BIN_SIZE(num, size, elements, pages, x, y) size,
const uint16_t zend_mm_observe_bin_size[] = { ZEND_MM_BINS_INFO(ZEND_MM_OBSERVE_BIN_SIZE, x, y) };
#undef ZEND_MM_OBSERVE_BIN_SIZE
#define ZEND_MM_OBSERVE_BINS (sizeof(zend_mm_observe_bin_size) / sizeof(zend_mm_observe_bin_size[0]))
/* ceil(size / 8) -> the bin ZendMM uses: the smallest that fits, and never
 * smaller than two pointers (its heap protection keeps a shadow pointer in
 * every free slot). */
uint8_t zend_mm_observe_fit_bin[ZEND_MM_MAX_SMALL_SIZE / 8 + 1];
/* usable / 8 -> bin + 1, 0 when not a bin size */
uint8_t zend_mm_observe_bin_code[ZEND_MM_MAX_SMALL_SIZE / 8 + 1];
static bool zend_mm_observe_bins_ready;

void zend_mm_observe_bins_init(void)
{
	uint32_t b = 0;

	if (zend_mm_observe_bins_ready) {
		return;
	}
	for (uint32_t i = 0; i <= ZEND_MM_MAX_SMALL_SIZE / 8; i++) {
		while (b < ZEND_MM_OBSERVE_BINS && (zend_mm_observe_bin_size[b] < i * 8 || zend_mm_observe_bin_size[b] < 2 * sizeof(void *))) {
			b++;
		}
		zend_mm_observe_fit_bin[i] = (uint8_t) b;
	}
	for (uint32_t b2 = 0; b2 < ZEND_MM_OBSERVE_BINS; b2++) {
		zend_mm_observe_bin_code[zend_mm_observe_bin_size[b2] / 8] = (uint8_t) (b2 + 1);
	}
	zend_mm_observe_bins_ready = true;
}

static struct {
	zend_mm_observe_chunk *chunks;   /* open addressing, ZEND_MM_OBSERVE_CHUNKS_MAX */
	uint32_t chunk_count;
	uint32_t *used;                  /* malloc'd: indexes into chunks[] of the entries in use */
	uint32_t used_cap;
	zend_mm_observe_ptrmap other;    /* huge blocks, and all blocks without ZendMM */
	uint32_t gen;                    /* this request's generation, 1..63 (invariant 2) */
} zmb;

/* What the inlined fast paths read (the header): the chunk cache, the
 * generation's bits, whether ZendMM is the heap. */
zend_mm_observe_blocks_hot zend_mm_observe_blocks_state;
#define zmbh zend_mm_observe_blocks_state

/* ---- ptrmap -------------------------------------------------------------- */

static zend_always_inline uint32_t zend_mm_observe_ptrmap_hash(uintptr_t key, uint32_t cap)
{
	return (uint32_t) (((key >> 4) * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
}

static bool zend_mm_observe_ptrmap_grow(zend_mm_observe_ptrmap *map)
{
	uint32_t cap = map->cap ? map->cap * 2 : ZEND_MM_OBSERVE_PTRMAP_MIN;
	zend_mm_observe_ptrmap_entry *slots = calloc(cap, sizeof(*slots));

	if (!slots || cap == 0) {
		free(slots);
		return false;
	}
	for (uint32_t i = 0; i < map->cap; i++) {
		if (map->slots[i].key) {
			uint32_t j = zend_mm_observe_ptrmap_hash(map->slots[i].key, cap);
			while (slots[j].key) {
				j = (j + 1) & (cap - 1);
			}
			slots[j] = map->slots[i];
		}
	}
	free(map->slots);
	map->slots = slots;
	map->cap = cap;
	return true;
}

zend_mm_observe_ptrmap_entry *zend_mm_observe_ptrmap_find(const zend_mm_observe_ptrmap *map, uintptr_t key)
{
	if (!map->cap) {
		return NULL;
	}
	for (uint32_t i = zend_mm_observe_ptrmap_hash(key, map->cap); map->slots[i].key; i = (i + 1) & (map->cap - 1)) {
		if (map->slots[i].key == key) {
			return &map->slots[i];
		}
	}
	return NULL;
}

bool zend_mm_observe_ptrmap_put(zend_mm_observe_ptrmap *map, uintptr_t key, uint32_t site, uint64_t size)
{
	ZEND_ASSERT(key != 0);
	if ((map->used + 1) * 2 > map->cap && !zend_mm_observe_ptrmap_grow(map)) {
		return false;
	}
	uint32_t i = zend_mm_observe_ptrmap_hash(key, map->cap);
	while (map->slots[i].key && map->slots[i].key != key) {
		i = (i + 1) & (map->cap - 1);
	}
	if (!map->slots[i].key) {
		map->used++;
	}
	map->slots[i].key = key;
	map->slots[i].site = site;
	map->slots[i].size = size;
	return true;
}

bool zend_mm_observe_ptrmap_take(zend_mm_observe_ptrmap *map, uintptr_t key, zend_mm_observe_ptrmap_entry *entry)
{
	zend_mm_observe_ptrmap_entry *e = zend_mm_observe_ptrmap_find(map, key);
	if (!e) {
		return false;
	}
	*entry = *e;
	/* Backward-shift deletion: pull later members of the probe run into the
	 * hole unless their home slot lies cyclically in (hole, them]. */
	uint32_t hole = (uint32_t) (e - map->slots), mask = map->cap - 1;
	for (uint32_t j = (hole + 1) & mask; map->slots[j].key; j = (j + 1) & mask) {
		uint32_t home = zend_mm_observe_ptrmap_hash(map->slots[j].key, map->cap);
		bool stays = (hole <= j) ? (hole < home && home <= j) : (hole < home || home <= j);
		if (!stays) {
			map->slots[hole] = map->slots[j];
			hole = j;
		}
	}
	map->slots[hole].key = 0;
	map->used--;
	return true;
}

void zend_mm_observe_ptrmap_clear(zend_mm_observe_ptrmap *map)
{
	if (map->cap && map->used) {
		memset(map->slots, 0, sizeof(*map->slots) * map->cap);
	}
	map->used = 0;
}

size_t zend_mm_observe_ptrmap_bytes(const zend_mm_observe_ptrmap *map)
{
	return sizeof(*map->slots) * map->cap;
}

/* ---- shadow -------------------------------------------------------------- */

/* Enters a chunk's shadow in the fast paths' cache (it replaces whatever
 * chunk shared its entry). */
static uint32_t *zend_mm_observe_shadow_cache(uintptr_t base, uint32_t *shadow)
{
	uint32_t i = (uint32_t) (base / ZEND_MM_CHUNK_SIZE) & (ZEND_MM_OBSERVE_CHUNK_CACHE - 1);

	zmbh.cache[i].base = base;
	zmbh.cache[i].shadow = shadow;
	return shadow;
}

static zend_never_inline uint32_t *zend_mm_observe_shadow_of(uintptr_t base, bool create)
{
	if (!zmb.chunks) {
		if (!create) {
			return NULL;
		}
		void *t = mmap(NULL, sizeof(zend_mm_observe_chunk) * ZEND_MM_OBSERVE_CHUNKS_MAX,
			PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (t == MAP_FAILED) {
			return NULL;
		}
		zmb.chunks = t;
	}
	uint32_t mask = ZEND_MM_OBSERVE_CHUNKS_MAX - 1;
	uint32_t i = zend_mm_observe_ptrmap_hash(base, ZEND_MM_OBSERVE_CHUNKS_MAX);
	for (; zmb.chunks[i].base; i = (i + 1) & mask) {
		if (zmb.chunks[i].base == base) {
			return zend_mm_observe_shadow_cache(base, zmb.chunks[i].shadow);
		}
	}
	if (!create || (zmb.chunk_count + 1) * 2 > ZEND_MM_OBSERVE_CHUNKS_MAX) {
		return NULL;
	}
	if (zmb.chunk_count == zmb.used_cap) {
		uint32_t cap = zmb.used_cap ? zmb.used_cap * 2 : 64;
		uint32_t *n = realloc(zmb.used, sizeof(uint32_t) * cap);
		if (!n) {
			return NULL;
		}
		zmb.used = n;
		zmb.used_cap = cap;
	}
	void *s = mmap(NULL, ZEND_MM_OBSERVE_SHADOW_BYTES, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (s == MAP_FAILED) {
		return NULL;
	}
	zmb.chunks[i].base = base;
	zmb.chunks[i].shadow = s;
	zmb.used[zmb.chunk_count++] = i;
	return zend_mm_observe_shadow_cache(base, s);
}

static zend_always_inline uint32_t *zend_mm_observe_shadow_slot(void *ptr, bool create)
{
	uintptr_t base = (uintptr_t) ptr & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1);
	uint32_t *shadow = zend_mm_observe_shadow_of(base, create);

	if (UNEXPECTED(!shadow)) {
		return NULL;
	}
	return shadow + (((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) >> ZEND_MM_OBSERVE_GRAIN_SHIFT);
}

/* Small and large blocks sit inside a chunk, never at its start (the first
 * page holds the chunk header); huge blocks are chunk-aligned. */
static zend_always_inline bool zend_mm_observe_in_chunk(const void *ptr)
{
	return zmbh.zend_mm && ((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) != 0;
}

/* ---- block map ----------------------------------------------------------- */

void zend_mm_observe_blocks_reset(bool zend_mm)
{
	zend_mm_observe_bins_init();
	zmb.gen = (zmb.gen + 1) & ZEND_MM_OBSERVE_GEN_MASK;
	zmbh.gen_bits = (zmb.gen ? zmb.gen : 1) << ZEND_MM_OBSERVE_GEN_SHIFT;
	zmbh.zend_mm = zend_mm;
	if (!zend_mm) {
		/* Without ZendMM every block is in the hash: no shadow is used. */
		memset(zmbh.cache, 0, sizeof(zmbh.cache));
	}
	if (zmb.gen) {
		/* Entries of earlier generations read as empty: nothing to clear. */
		zend_mm_observe_ptrmap_clear(&zmb.other);
		return;
	}
	zmb.gen = 1;
	for (uint32_t k = 0; k < zmb.chunk_count; k++) {
		madvise(zmb.chunks[zmb.used[k]].shadow, ZEND_MM_OBSERVE_SHADOW_BYTES, MADV_DONTNEED);
	}
	zend_mm_observe_ptrmap_clear(&zmb.other);
}

/* The fast paths (the header) found no cached chunk for `ptr`: find or
 * make its shadow, which enters the cache, and go again; or the block is
 * outside ZendMM's chunks. */
bool zend_mm_observe_blocks_set_slow(void *ptr, uint32_t site, size_t size)
{
	if (EXPECTED(zend_mm_observe_in_chunk(ptr))) {
		if (UNEXPECTED(!zend_mm_observe_shadow_slot(ptr, true))) {
			return false;
		}
		return zend_mm_observe_blocks_set(ptr, site, size);
	}
	return zend_mm_observe_ptrmap_put(&zmb.other, (uintptr_t) ptr, site, size);
}

uint32_t zend_mm_observe_blocks_take_slow(void *ptr, size_t *size)
{
	if (EXPECTED(zend_mm_observe_in_chunk(ptr))) {
		if (UNEXPECTED(!zend_mm_observe_shadow_slot(ptr, false))) {
			return 0;
		}
		return zend_mm_observe_blocks_take(ptr, size);
	}
	zend_mm_observe_ptrmap_entry e;
	if (!zend_mm_observe_ptrmap_take(&zmb.other, (uintptr_t) ptr, &e)) {
		return 0;
	}
	*size = (size_t) e.size;
	return e.site;
}

size_t zend_mm_observe_blocks_reserved(void)
{
	return (size_t) zmb.chunk_count * ZEND_MM_OBSERVE_SHADOW_BYTES + zend_mm_observe_ptrmap_bytes(&zmb.other);
}

#endif /* ZEND_MM_OBSERVE */
