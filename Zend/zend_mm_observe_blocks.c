/*
   +----------------------------------------------------------------------+
   | mm_observe: which site owns each live block                          |
   +----------------------------------------------------------------------+

   Design
   ======
   Why a shadow and not one hash for everything.  Every observed allocation
   writes the map and every free reads it, so its cost is the observer's
   cost.  ZendMM puts all small and large blocks inside 2 MiB-aligned chunks
   of 4 KiB pages, and a page holds blocks of one size at a time: the pages
   of a small bin's run, or the first page of a large block.  ZendMM gives
   a page to another bin only once every block in it is free.  So a free
   finds its block's owner from the address alone:

     chunk  = ptr & ~(2 MiB - 1)      -> its shadow, kept in a word of the
                                         chunk's header
     page   = shadow[(ptr >> 12) & 511]
                                      -> the page's code (bin + 1, or LARGE),
                                         where its slice starts, and its
                                         size's magic = ceil(2^32 / size)
     slot   = slice + ((ptr & 4095) * magic) >> 32
                                      -> entry, 0 = none

   The index is the block's position among the blocks that *start* in the
   page (floor(offset / size); a block of a multi-page run that starts in
   the previous page belongs to that page), so a page of a bin of size s
   needs ceil(4096 / s) entries: 4 bytes per block, 25% of a page of 16-byte
   blocks, 7% of one of 56-byte arrays, one entry for a large block.  The
   first design, one entry per 16-byte granule of every chunk used, cost 25%
   of the heap whatever its blocks' sizes (php-parser: 8 MiB of 11.6 MiB of
   RSS over stock).

   A page gets its slice the first time a block is recorded in it, and a new
   one when a block of another size is recorded there (ZendMM reused the
   page): the old slice goes to a free list of its code, the new one comes
   from the list of the new code or from the end of the used part.  Each
   code's slices therefore never outnumber the pages of a chunk, and the
   mapping (ZEND_MM_OBSERVE_SHADOW_BYTES, MAP_NORESERVE) is sized for every
   code at once: the bump never runs out.  Only the pages of the mapping
   that slices use become resident.

   An entry is the site index in its low 18 bits (the site table holds
   2^18), the request generation in the next 6 (invariant 2), and in its top
   bit the owner's ZEND_MM_OBSERVE_BLOCK_SAMPLED flag (the block's call path
   was sampled).  The block's size is its page's bin: a free learns it
   without asking ZendMM.

   Huge blocks (> 2 MiB less a page) are chunk-aligned mappings of their own,
   rare and few; under USE_ZEND_ALLOC=0 blocks come from malloc.  Both go to
   an open-addressing hash (linear probing, backward-shift deletion) that
   also records the size, which ZendMM would otherwise find by walking its
   huge-block list.

   Invariants
   ----------
   1. A slot is written when its block is allocated and cleared when it is
      freed, so a slot read for a live block is that block's owner or 0
      (allocated before observation started).  A page's code changes only
      when a block of another size is recorded in it, which ZendMM allows
      only after every block of the old size there was freed: no slot of the
      old slice holds an entry of this request, and a free read through a
      stale code (a block that was never recorded) reads an empty slot.
   2. Nothing survives from one request to the next.  Each entry carries
      the generation (1..63) of the request that wrote it; a reset moves
      to the next generation, so every older entry reads as empty, and
      clears the shadows only when the generation wraps (once every 63
      requests of a worker; blocks live at a request's end are discarded
      by ZendMM without a free, so their entries stay behind until then).
      The clear gives the shadows' pages back (MADV_DONTNEED: they read as
      zero, pages and free lists included, and only the pages used again
      come back); the dense `used` list spares it a walk over the whole
      chunk table.  The hash is emptied every time.
   3. Chunk base 0 is never a real chunk, so key 0 marks an empty slot.
   4. A chunk's word (ZEND_MM_OBSERVE_CHUNK_WORD, in the reserve of its
      header, which ZendMM neither reads nor writes) is 0 or the shadow of
      that very chunk: shadows are never unmapped, a chunk ZendMM maps is
      zero-filled (its default storage: anonymous mappings), and one it
      keeps in its cache keeps its header's reserve or has its whole header
      cleared.
      A word of 0 sends the block to the slow path, which finds the shadow
      (by the chunk's address, in the table) and sets the word again.  Only
      blocks inside a chunk of the observed ZendMM heap are ever looked up
      this way (zend_mm), so the word read is always in a chunk header.
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

/* A chunk's shadow, in uint32 entries: the page entries, the bump offset
 * and the free lists' heads (one per code), then the slices.  Sized for a
 * slice of every code in every page (see "Design"): 1722 entries per page
 * with ZendMM's 30 bins, 3.4 MiB of address space per chunk. */
#define ZEND_MM_OBSERVE_CODES         32
#define ZEND_MM_OBSERVE_SHADOW_BUMP   (2 * ZEND_MM_PAGES)   /* after the 64-bit page entries */
#define ZEND_MM_OBSERVE_SHADOW_FREE   (ZEND_MM_OBSERVE_SHADOW_BUMP + 1)
#define ZEND_MM_OBSERVE_SLICES_START  (ZEND_MM_OBSERVE_SHADOW_FREE + ZEND_MM_OBSERVE_CODES)
static size_t zend_mm_observe_shadow_bytes;   /* set by zend_mm_observe_bins_init() */
#define ZEND_MM_OBSERVE_SHADOW_BYTES  zend_mm_observe_shadow_bytes
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
/* usable / 8 -> bin + 1, ZEND_MM_OBSERVE_CODE_NONE when not a bin size */
uint8_t zend_mm_observe_bin_code[ZEND_MM_MAX_SMALL_SIZE / 8 + 1];
/* code -> the index multiplier (the header), and the slice's entries */
static uint32_t zend_mm_observe_code_magic[ZEND_MM_OBSERVE_CODES];
static uint32_t zend_mm_observe_code_slots[ZEND_MM_OBSERVE_CODES];
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
	memset(zend_mm_observe_bin_code, ZEND_MM_OBSERVE_CODE_NONE, sizeof(zend_mm_observe_bin_code));
	ZEND_ASSERT(ZEND_MM_OBSERVE_BINS < ZEND_MM_OBSERVE_CODE_LARGE); /* codes 1..BINS, then LARGE */
	size_t per_page = 0;
	for (uint32_t b2 = 0; b2 < ZEND_MM_OBSERVE_BINS; b2++) {
		uint32_t size = zend_mm_observe_bin_size[b2];
		zend_mm_observe_bin_code[size / 8] = (uint8_t) (b2 + 1);
		/* ceil(2^32 / size): with e = magic * size - 2^32 < size, an offset
		 * o < 4096 gives floor(o / size) as long as o * e < 2^32, which
		 * 4096 * 3072 is. */
		zend_mm_observe_code_magic[b2 + 1] = (uint32_t) ((((uint64_t) 1 << 32) + size - 1) / size);
		zend_mm_observe_code_slots[b2 + 1] = (ZEND_MM_PAGE_SIZE + size - 1) / size;
		per_page += zend_mm_observe_code_slots[b2 + 1];
	}
	zend_mm_observe_code_magic[ZEND_MM_OBSERVE_CODE_LARGE] = 0;
	zend_mm_observe_code_slots[ZEND_MM_OBSERVE_CODE_LARGE] = 1;
	per_page += 1;
	zend_mm_observe_shadow_bytes = ZEND_MM_ALIGNED_SIZE_EX(
		(ZEND_MM_OBSERVE_SLICES_START + per_page * (ZEND_MM_PAGES - ZEND_MM_FIRST_PAGE)) * sizeof(uint32_t),
		ZEND_MM_PAGE_SIZE);
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

/* What the inlined fast paths read (the header): the generation's bits,
 * whether ZendMM is the heap. */
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

/* Writes a chunk's shadow into the chunk's word (the header), where the
 * fast paths find it.  ZendMM never reads or writes that word: it is 0 in
 * a chunk just mapped and in one whose header ZendMM cleared, and names
 * this chunk's shadow otherwise (shadows live as long as the process). */
static uint32_t *zend_mm_observe_shadow_link(uintptr_t base, uint32_t *shadow)
{
	*(uint32_t **) (base + ZEND_MM_OBSERVE_CHUNK_WORD) = shadow;
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
			return zend_mm_observe_shadow_link(base, zmb.chunks[i].shadow);
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
	return zend_mm_observe_shadow_link(base, s);
}

/* Gives the page of `ptr` a slice for blocks of `code`: one of the free
 * list of that code, or new from the end of the used part; the slice it
 * had goes to the free list of its own code (invariant 1: it holds no
 * entry of this request).  A slice on a free list keeps the next one's
 * offset in its first entry, which is cleared when it is taken again. */
static void zend_mm_observe_slice(uint32_t *shadow, const void *ptr, uint32_t code)
{
	uint64_t *page = &((uint64_t *) shadow)[((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) / ZEND_MM_PAGE_SIZE];
	uint32_t old = *page & ZEND_MM_OBSERVE_PAGE_CODE_MASK;
	uint32_t at;

	if (old) {
		uint32_t was = (uint32_t) *page >> ZEND_MM_OBSERVE_PAGE_SLICE_SHIFT;
		shadow[was] = shadow[ZEND_MM_OBSERVE_SHADOW_FREE + old];
		shadow[ZEND_MM_OBSERVE_SHADOW_FREE + old] = was;
	}
	at = shadow[ZEND_MM_OBSERVE_SHADOW_FREE + code];
	if (at) {
		shadow[ZEND_MM_OBSERVE_SHADOW_FREE + code] = shadow[at];
		shadow[at] = 0;
	} else {
		at = shadow[ZEND_MM_OBSERVE_SHADOW_BUMP];
		if (!at) {
			at = ZEND_MM_OBSERVE_SLICES_START;
		}
		/* Within the mapping: see ZEND_MM_OBSERVE_SHADOW_BYTES. */
		shadow[ZEND_MM_OBSERVE_SHADOW_BUMP] = at + zend_mm_observe_code_slots[code];
	}
	*page = ((uint64_t) zend_mm_observe_code_magic[code] << 32) | (at << ZEND_MM_OBSERVE_PAGE_SLICE_SHIFT) | code;
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
	/* Without ZendMM every block is in the hash: no shadow is used. */
	zmbh.zend_mm = zend_mm;
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

/* The fast paths (the header) found no shadow in the chunk's word, or the
 * block's page has no slice for its size: find or make the chunk's shadow,
 * which sets the word, slice the page, and go again; or the block is
 * outside ZendMM's chunks. */
bool zend_mm_observe_blocks_set_slow(void *ptr, uint32_t site, size_t size)
{
	if (EXPECTED(zend_mm_observe_in_chunk(ptr))) {
		uint32_t code = size <= ZEND_MM_MAX_SMALL_SIZE ? zend_mm_observe_bin_code[size >> 3] : ZEND_MM_OBSERVE_CODE_LARGE;
		uint32_t *shadow = zend_mm_observe_shadow_of((uintptr_t) ptr & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1), true);

		if (UNEXPECTED(!shadow)) {
			return false;
		}
		if (UNEXPECTED(code == ZEND_MM_OBSERVE_CODE_NONE)) {
			/* Not a size ZendMM hands out: never expected.  The block
			 * reads as unobserved (counted by the caller). */
			return false;
		}
		if ((zend_mm_observe_blocks_page(shadow, ptr) & ZEND_MM_OBSERVE_PAGE_CODE_MASK) != code) {
			zend_mm_observe_slice(shadow, ptr, code);
		}
		return zend_mm_observe_blocks_set(ptr, site, size);
	}
	return zend_mm_observe_ptrmap_put(&zmb.other, (uintptr_t) ptr, site, size);
}

uint32_t zend_mm_observe_blocks_take_slow(void *ptr, size_t *size)
{
	if (EXPECTED(zend_mm_observe_in_chunk(ptr))) {
		if (UNEXPECTED(!zend_mm_observe_shadow_of((uintptr_t) ptr & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1), false))) {
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

uint32_t zend_mm_observe_blocks_peek(void *ptr, size_t *size, uint32_t **slot_out)
{
	*slot_out = NULL;
	if (!zend_mm_observe_in_chunk(ptr)) {
		zend_mm_observe_ptrmap_entry *e = zend_mm_observe_ptrmap_find(&zmb.other, (uintptr_t) ptr);
		if (!e) {
			return 0;
		}
		*size = (size_t) e->size;
		return e->site;
	}
	uint32_t *shadow = zend_mm_observe_blocks_chunk_shadow(ptr);
	if (!shadow) {
		shadow = zend_mm_observe_shadow_of((uintptr_t) ptr & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1), false);
		if (!shadow) {
			return 0;
		}
	}
	uint64_t page = zend_mm_observe_blocks_page(shadow, ptr);
	uint32_t code = page & ZEND_MM_OBSERVE_PAGE_CODE_MASK;
	if (!code) {
		return 0;
	}
	uint32_t *slot = zend_mm_observe_blocks_slot(shadow, ptr, page);
	uint32_t entry = *slot ^ zmbh.gen_bits;
	if (entry & (ZEND_MM_OBSERVE_GEN_MASK << ZEND_MM_OBSERVE_GEN_SHIFT)) {
		return 0;
	}
	if (code != ZEND_MM_OBSERVE_CODE_LARGE) {
		*size = zend_mm_observe_bin_size[code - 1];
	}
	*slot_out = slot;
	return entry & (ZEND_MM_OBSERVE_SITE_MASK | ZEND_MM_OBSERVE_BLOCK_SAMPLED);
}

/* The part of the shadows in use (page entries and slices; the rest is
 * address space never touched), and the hash. */
size_t zend_mm_observe_blocks_reserved(void)
{
	size_t bytes = zend_mm_observe_ptrmap_bytes(&zmb.other);

	for (uint32_t k = 0; k < zmb.chunk_count; k++) {
		const uint32_t *shadow = zmb.chunks[zmb.used[k]].shadow;
		uint32_t end = shadow[ZEND_MM_OBSERVE_SHADOW_BUMP];
		bytes += sizeof(uint32_t) * (end ? end : ZEND_MM_OBSERVE_SLICES_START);
	}
	return bytes;
}

#endif /* ZEND_MM_OBSERVE */
