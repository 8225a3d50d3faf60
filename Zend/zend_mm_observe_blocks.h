/*
   +----------------------------------------------------------------------+
   | mm_observe: which site owns each live block                          |
   +----------------------------------------------------------------------+
   | The whole contract of the block map (zend_mm_observe_blocks.c).      |
   +----------------------------------------------------------------------+

   Release builds of ZendMM keep no header in front of a block, so to credit
   a free back to the site that made the block (live bytes, leaks, the peak)
   the observer keeps its own map from block address to site index.

   Two structures, chosen by measured cost (see the .c file):

     shadow   for small and large blocks, which live inside ZendMM's 2 MiB
              chunks: per chunk an anonymous mapping with one entry per
              page, naming a slice of uint32 site indexes sized for the
              page's bin (one per block that starts in the page).  Two
              loads, a multiply and no probing.
     ptrmap   for everything else: huge blocks (chunk-aligned, their own
              mapping) and every block under USE_ZEND_ALLOC=0.  An
              open-addressing hash from address to (site, size).

   The ptrmap is also a general address-keyed table, used by the observer to
   find the sites of an op_array being destroyed.

   Nothing here allocates through ZendMM (mmap and malloc only).
*/

#ifndef ZEND_MM_OBSERVE_BLOCKS_H
#define ZEND_MM_OBSERVE_BLOCKS_H

#include "zend_portability.h"
#include "zend_types.h"
#include "zend_alloc_sizes.h"
#include "zend_mm_observe.h"

#ifdef ZEND_MM_OBSERVE

typedef struct _zend_mm_observe_ptrmap_entry {
	uintptr_t key;      /* 0 = empty slot */
	uint32_t  site;
	uint32_t  reserved;
	uint64_t  size;
} zend_mm_observe_ptrmap_entry;

typedef struct _zend_mm_observe_ptrmap {
	zend_mm_observe_ptrmap_entry *slots;
	uint32_t cap;       /* power of two, or 0 before first use */
	uint32_t used;
} zend_mm_observe_ptrmap;

/* Inserts or replaces; false when out of memory (nothing changed). */
bool zend_mm_observe_ptrmap_put(zend_mm_observe_ptrmap *map, uintptr_t key, uint32_t site, uint64_t size);
/* Removes `key`; true and *entry filled if it was present. */
bool zend_mm_observe_ptrmap_take(zend_mm_observe_ptrmap *map, uintptr_t key, zend_mm_observe_ptrmap_entry *entry);
zend_mm_observe_ptrmap_entry *zend_mm_observe_ptrmap_find(const zend_mm_observe_ptrmap *map, uintptr_t key);
void zend_mm_observe_ptrmap_clear(zend_mm_observe_ptrmap *map);
size_t zend_mm_observe_ptrmap_bytes(const zend_mm_observe_ptrmap *map);

/* The block map.  `zend_mm` says whether ZendMM is the heap (else every
 * block goes to the ptrmap).  reset: at request start, forgets everything.
 * set: records that `site` owns the block at `ptr` of `size` usable bytes;
 * false if the map could not grow (the block then reads as unobserved).
 * take: forgets the block and returns its site (0: not recorded) and, when
 * the map knows it, its size in *size (else *size is left alone). */
/* A block's owner may carry this flag (its call path was sampled: the
 * observer's sampled-block map knows it); take returns it as it was set. */
#define ZEND_MM_OBSERVE_BLOCK_SAMPLED (1u << 31)

void     zend_mm_observe_blocks_reset(bool zend_mm);
static zend_always_inline bool     zend_mm_observe_blocks_set(void *ptr, uint32_t site, size_t size);
static zend_always_inline uint32_t zend_mm_observe_blocks_take(void *ptr, size_t *size);
/* ZendMM's usable size for a small request (size <= ZEND_MM_MAX_SMALL_SIZE):
 * the smallest bin that fits.  Matches ZendMM only with its heap protection
 * (bins of at least 16 bytes); the observer checks that once at startup. */
extern const uint16_t zend_mm_observe_bin_size[];
extern uint8_t zend_mm_observe_fit_bin[];
void zend_mm_observe_bins_init(void);
static zend_always_inline size_t zend_mm_observe_small_fit(size_t size)
{
	return zend_mm_observe_bin_size[zend_mm_observe_fit_bin[(size + 7) >> 3]];
}
/* Memory the map holds: reserved address space and what is resident. */
size_t   zend_mm_observe_blocks_reserved(void);


/* ---- the fast paths, inlined into the observer -----------------------------

   The map's layout (zend_mm_observe_blocks.c, "Design") is private to it
   except for what the per-block paths read: the generation, whether ZendMM
   is the heap, and where a chunk's shadow is: in a word of the chunk's own
   header (ZEND_MM_OBSERVE_CHUNK_WORD, in the reserve of zend_mm_chunk that
   ZendMM never reads or writes; patches/0002 asserts that it lies there).
   A word of 0 (a chunk ZendMM mapped or cleared since), a page not yet
   sliced for the block's bin, a block outside ZendMM's chunks and
   everything that allocates go to the out-of-line functions. */

#define ZEND_MM_OBSERVE_SITE_BITS     18
#define ZEND_MM_OBSERVE_SITE_MASK     ((1u << ZEND_MM_OBSERVE_SITE_BITS) - 1)
#define ZEND_MM_OBSERVE_GEN_SHIFT     ZEND_MM_OBSERVE_SITE_BITS
#define ZEND_MM_OBSERVE_GEN_MASK      63u
/* A page's entry in its chunk's shadow (64 bits): in the low 8 bits the
 * page's code (0 = no slice, bin + 1 for a page of small blocks, LARGE for
 * the first page of a large block, which has one entry), above them the
 * offset of its slice (in entries, from the shadow's start), and in the
 * high 32 bits ceil(2^32 / the bin's size): a block's index among the
 * blocks that start in its page is (offset in page * it) >> 32, exact for
 * every offset below a page (0 for LARGE). */
#define ZEND_MM_OBSERVE_PAGE_CODE_MASK 0xffu
#define ZEND_MM_OBSERVE_PAGE_SLICE_SHIFT 8
#define ZEND_MM_OBSERVE_CODE_LARGE    31u

typedef struct _zend_mm_observe_blocks_hot {
	uint32_t gen_bits;                   /* this request's generation, in place in an entry */
	bool zend_mm;                        /* ZendMM is the heap */
} zend_mm_observe_blocks_hot;

extern zend_mm_observe_blocks_hot zend_mm_observe_blocks_state;
/* usable / 8 -> bin + 1; ZEND_MM_OBSERVE_CODE_NONE when not a bin size
 * (it matches no page's code, so such a block takes the slow path) */
#define ZEND_MM_OBSERVE_CODE_NONE     0xffu
extern uint8_t zend_mm_observe_bin_code[];

/* The slow halves: a chunk whose word is not set yet, a page to slice, and
 * blocks outside chunks. */
bool     zend_mm_observe_blocks_set_slow(void *ptr, uint32_t site, size_t size);
uint32_t zend_mm_observe_blocks_take_slow(void *ptr, size_t *size);

/* The code of a block of `size` usable bytes (bin + 1, LARGE or NONE). */
static zend_always_inline uint32_t zend_mm_observe_blocks_code(size_t size)
{
	return EXPECTED(size <= ZEND_MM_MAX_SMALL_SIZE) ? zend_mm_observe_bin_code[size >> 3] : ZEND_MM_OBSERVE_CODE_LARGE;
}

/* The shadow of the chunk `ptr` is in, when ZendMM is the heap and the
 * chunk's word is set; else NULL. */
static zend_always_inline uint32_t *zend_mm_observe_blocks_chunk_shadow(const void *ptr)
{
	uintptr_t offset = (uintptr_t) ptr & ((uintptr_t) ZEND_MM_CHUNK_SIZE - 1);

	/* Small and large blocks sit inside a chunk, never at its start (the
	 * first page holds the chunk header); huge blocks are chunk-aligned. */
	if (EXPECTED(zend_mm_observe_blocks_state.zend_mm) && EXPECTED(offset != 0)) {
		return *(uint32_t *const *) ((const char *) ptr - offset + ZEND_MM_OBSERVE_CHUNK_WORD);
	}
	return NULL;
}

/* The slot of the block at `ptr` in `shadow`, given its page's entry. */
static zend_always_inline uint32_t *zend_mm_observe_blocks_slot(uint32_t *shadow, const void *ptr, uint64_t page)
{
	uint64_t in_page = (uintptr_t) ptr & (ZEND_MM_PAGE_SIZE - 1);

	return shadow + ((uint32_t) page >> ZEND_MM_OBSERVE_PAGE_SLICE_SHIFT) + (uint32_t) ((in_page * (page >> 32)) >> 32);
}

static zend_always_inline uint64_t zend_mm_observe_blocks_page(const uint32_t *shadow, const void *ptr)
{
	return ((const uint64_t *) shadow)[((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) / ZEND_MM_PAGE_SIZE];
}

/* Records that `site` owns the block at `ptr` of `size` usable bytes, whose
 * code the caller knows (zend_mm_observe_blocks_code(size)). */
static zend_always_inline bool zend_mm_observe_blocks_set_code(void *ptr, uint32_t site, size_t size, uint32_t code)
{
	uint32_t *shadow = zend_mm_observe_blocks_chunk_shadow(ptr);

	if (EXPECTED(shadow)) {
		uint64_t page = zend_mm_observe_blocks_page(shadow, ptr);
		if (EXPECTED((page & ZEND_MM_OBSERVE_PAGE_CODE_MASK) == code)) {
			ZEND_ASSERT((site & ~ZEND_MM_OBSERVE_BLOCK_SAMPLED) <= ZEND_MM_OBSERVE_SITE_MASK);
			*zend_mm_observe_blocks_slot(shadow, ptr, page) = site | zend_mm_observe_blocks_state.gen_bits;
			return true;
		}
	}
	return zend_mm_observe_blocks_set_slow(ptr, site, size);
}

static zend_always_inline bool zend_mm_observe_blocks_set(void *ptr, uint32_t site, size_t size)
{
	return zend_mm_observe_blocks_set_code(ptr, site, size, zend_mm_observe_blocks_code(size));
}

/* Forgets the block at `ptr` and returns its owner (0: not recorded).  When
 * the map knows its size it is stored in *size (else *size is left alone),
 * and when the block was recorded in a page of small blocks, *code is the
 * page's code, bin + 1 (else *code is left alone): the bin ZendMM keeps the
 * block in, since a page keeps its bin while a block of it lives. */
static zend_always_inline uint32_t zend_mm_observe_blocks_take_code(void *ptr, size_t *size, uint32_t *code)
{
	uint32_t *shadow = zend_mm_observe_blocks_chunk_shadow(ptr);

	if (UNEXPECTED(!shadow)) {
		return zend_mm_observe_blocks_take_slow(ptr, size);
	}
	uint64_t page = zend_mm_observe_blocks_page(shadow, ptr);
	uint32_t page_code = page & ZEND_MM_OBSERVE_PAGE_CODE_MASK;
	if (UNEXPECTED(!page_code)) {
		return 0; /* nothing was ever recorded in this page */
	}
	uint32_t *slot = zend_mm_observe_blocks_slot(shadow, ptr, page);
	/* Its generation field becomes 0 exactly when this request wrote it. */
	uint32_t entry = *slot ^ zend_mm_observe_blocks_state.gen_bits;
	*slot = 0;
	if (UNEXPECTED(entry & (ZEND_MM_OBSERVE_GEN_MASK << ZEND_MM_OBSERVE_GEN_SHIFT))) {
		return 0; /* empty (generation 0), or written by an earlier request */
	}
	if (EXPECTED(page_code != ZEND_MM_OBSERVE_CODE_LARGE)) {
		*size = zend_mm_observe_bin_size[page_code - 1];
		*code = page_code;
	}
	return entry & (ZEND_MM_OBSERVE_SITE_MASK | ZEND_MM_OBSERVE_BLOCK_SAMPLED);
}

/* Whether the map keeps the block at `ptr` in its chunk's shadow (else in
 * the hash): arithmetic only, it reads no memory of the block's. */
static zend_always_inline bool zend_mm_observe_blocks_in_shadow(const void *ptr)
{
	return zend_mm_observe_blocks_state.zend_mm && ((uintptr_t) ptr & ((uintptr_t) ZEND_MM_CHUNK_SIZE - 1)) != 0;
}

/* For a realloc, which ZendMM may carry out by freeing the block, and with
 * it perhaps the block's chunk, whose header the map reads: the owner of
 * the block at `ptr` and its size (as take), read while the block lives,
 * without forgetting it.  When the block is in a shadow, *slot becomes its
 * entry, to clear once ZendMM is done (NULL: nothing recorded); otherwise
 * take() forgets it afterwards, reading no chunk. */
uint32_t zend_mm_observe_blocks_peek(void *ptr, size_t *size, uint32_t **slot);

static zend_always_inline uint32_t zend_mm_observe_blocks_take(void *ptr, size_t *size)
{
	uint32_t code;

	return zend_mm_observe_blocks_take_code(ptr, size, &code);
}

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_BLOCKS_H */
