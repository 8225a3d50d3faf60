/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the one hash index of the exporter              |
   +----------------------------------------------------------------------+

   Every map of the exporter (ring string offsets to mm_strings ids, the
   endpoints of a batch, the (endpoint, site) pairs of a batch) keeps its
   entries in an array of its own and finds them through this index: open
   addressing with linear probing over entry numbers, at most half full,
   each slot remembering its entry's hash so growing never calls back into
   the map.  Equality is the map's: a lookup walks the probe sequence of a
   hash and asks `eq` about each entry with that hash, so two keys whose
   hashes collide (a hostile URI can be made to) are still two entries.

   Plain malloc: the exporter runs while ZendMM is shut down.
*/

#ifndef PHP_MM_EXPORT_HASH_H
#define PHP_MM_EXPORT_HASH_H

#include "zend_portability.h"
#include "zend_types.h"

#include <stdlib.h>
#include <string.h>

#define PHP_MM_HASH_NONE UINT32_MAX
#define PHP_MM_HASH_MIN  64

typedef struct _php_mm_hash {
	uint32_t *entries;          /* per slot: entry number + 1; 0 = empty */
	uint32_t *hashes;           /* per slot: its entry's hash */
	uint32_t cap;               /* slots: 0 or a power of two */
	uint32_t used;
} php_mm_hash;

/* FNV-1a, continued from `h` (start with PHP_MM_HASH_SEED). */
#define PHP_MM_HASH_SEED 2166136261u
static zend_always_inline uint32_t php_mm_hash_bytes(uint32_t h, const void *data, size_t len)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < len; i++) {
		h = (h ^ p[i]) * 16777619u;
	}
	return h;
}

/* A 64-bit integer key (Fibonacci hashing). */
static zend_always_inline uint32_t php_mm_hash_u64(uint64_t key)
{
	return (uint32_t) ((key * 0x9E3779B97F4A7C15ull) >> 32);
}

/* Makes room for one more entry; false when out of memory (the index is
 * unchanged then). */
static inline bool php_mm_hash_reserve(php_mm_hash *t)
{
	if ((t->used + 1) * 2 <= t->cap) {
		return true;
	}
	uint32_t cap = t->cap ? t->cap * 2 : PHP_MM_HASH_MIN;
	uint32_t *entries = calloc(cap, sizeof(uint32_t));
	uint32_t *hashes = malloc(cap * sizeof(uint32_t));
	if (!entries || !hashes || cap < t->cap) {
		free(entries);
		free(hashes);
		return false;
	}
	for (uint32_t i = 0; i < t->cap; i++) {
		if (t->entries[i]) {
			uint32_t j = t->hashes[i] & (cap - 1);
			while (entries[j]) {
				j = (j + 1) & (cap - 1);
			}
			entries[j] = t->entries[i];
			hashes[j] = t->hashes[i];
		}
	}
	free(t->entries);
	free(t->hashes);
	t->entries = entries;
	t->hashes = hashes;
	t->cap = cap;
	return true;
}

/* The entry of hash `h` for which eq(ctx, entry) holds, or PHP_MM_HASH_NONE;
 * *slot is then where php_mm_hash_add() puts it (valid until the next
 * reserve).  The index must have a slot (reserve first, or cap > 0). */
static zend_always_inline uint32_t php_mm_hash_find(const php_mm_hash *t, uint32_t h,
	bool (*eq)(const void *ctx, uint32_t entry), const void *ctx, uint32_t *slot)
{
	uint32_t j = h & (t->cap - 1);
	for (; t->entries[j]; j = (j + 1) & (t->cap - 1)) {
		if (t->hashes[j] == h && eq(ctx, t->entries[j] - 1)) {
			return t->entries[j] - 1;
		}
	}
	*slot = j;
	return PHP_MM_HASH_NONE;
}

static zend_always_inline void php_mm_hash_add(php_mm_hash *t, uint32_t slot, uint32_t h, uint32_t entry)
{
	t->entries[slot] = entry + 1;
	t->hashes[slot] = h;
	t->used++;
}

/* Empty again; the slots are kept for the next batch. */
static inline void php_mm_hash_clear(php_mm_hash *t)
{
	if (t->used) {
		memset(t->entries, 0, sizeof(uint32_t) * t->cap);
	}
	t->used = 0;
}

static inline void php_mm_hash_free(php_mm_hash *t)
{
	free(t->entries);
	free(t->hashes);
	memset(t, 0, sizeof(*t));
}

#endif /* PHP_MM_EXPORT_HASH_H */
