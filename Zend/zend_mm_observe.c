/*
   +----------------------------------------------------------------------+
   | mm_observe: per-opline attribution of ZendMM allocations             |
   +----------------------------------------------------------------------+

   Design
   ======
   ZendMM's public entry points (_emalloc, _emalloc_N, _emalloc_large,
   _emalloc_huge, _efree, _efree_N, _efree_large, _efree_huge, _erealloc,
   _erealloc2) all branch on heap->use_custom_heap.  When a request is
   observed the heap gets custom handlers of ours ("the observing heap"
   below) that call ZendMM and the hooks of zend_mm_observe.h, which
   land here, on the slow path, which

     1. on allocation, finds the *site*: the innermost user frame's opline
        and the innermost internal function above it (the callee), or a
        compile / pseudo site; finds or creates its record in the site
        table, records the block's owner in the block map
        (zend_mm_observe_blocks.c) and bumps the counters by ZendMM's usable
        size of the block;
     2. on free, looks the owner up in the block map and credits the free
        back to it (no frame walk);
     3. keeps a mirror of heap->size (`usage`) to find the peak, and each
        site's live bytes at that peak (lazily: zend_mm_observe_peak_sync).

   Where the opline comes from.  With --enable-mm-observe, Zend/zend_execute.c
   defines VM_TRACE(op) as SAVE_OPLINE() (zend_mm_observe_vm.h), so EX(opline)
   is the executing opline at the top of every handler, including the fast
   paths of CONCAT, ROPE_END, MAKE_REF, ... that never save it in a stock
   build.  An opline outside [opcodes, opcodes + last) of its frame's op_array
   (a frame being set up) is replaced by the first opline and the site is
   flagged ZEND_MM_OBSERVE_SITE_OPLINE_FALLBACK.

   Site table.  A dense array of fixed-size records (zend_mm_observe_site),
   indexed by 1..count-1 (0 means "none"): the site region of the ring
   mapping (zend_mm_observe_format.h), reserved at full capacity on first
   use (MAP_NORESERVE: only the pages touched cost memory) and backed by the
   ring file at the same address once the exporter attaches it, so records
   never move.  Lookups go through a power-of-two bucket array of uint32
   heads (chained hashing), a private anonymous mapping of its own.
   Strings live in the ring's string arena, addressed by offset (offset 0
   is the empty string), and are interned through a malloc'd open-addressing
   table of offsets.

   Invariants
   ----------
   1. Nothing here allocates through ZendMM: the table, the arena and every
      copy use mmap/malloc.  So the slow path never re-enters itself.
   2. A site's key is (opline, callee, file) plus the check fields (line,
      opcode): all are compared on lookup, so an opline address reused by a
      later op_array of another file, line or opcode makes a new site instead
      of billing the old one.  Keys are never dereferenced after creation.
   3. Sites 1..ZEND_MM_OBSERVE_PSEUDO_LAST are the pseudo sites and exist for
      the whole request; the overflow site takes every allocation once the
      table is full, so loss is counted, never silent.
   4. When ZendMM is the heap, `usage` equals zend_memory_usage(false) after
      every hook (checked by ZEND_ASSERT in debug builds): every change of
      heap->size goes through one hooked entry point exactly once, huge
      blocks are billed with ZendMM's list node, and {unobserved} starts
      with what was live before.  Hence, over all sites, alloc - free = live
      = usage at the end, and the peak_live_bytes sum to the heap's peak.
   5. Per site, alloc_count - free_count = live_count and
      alloc_bytes - free_bytes = live_bytes.
   6. Every site in the retired map is RETIRED, unlinked from the buckets
      and from every op_array's list, and has a complete identity
      (zend_mm_observe_identity_complete); every RETIRED site with a
      complete identity is in the map.  The map holds indexes of this
      table only: it is emptied whenever the table is (request start;
      in worker mode, only the first request's).
   7. A site whose counters are not all zero has `touched` equal to the
      current request's seq and is in the touched list (or the list is
      marked lost, and every such site is found by its `touched`).  In
      worker mode (zend_mm_observe_persistent) every touched site is
      zeroed when the request ends, so each request starts from zero
      without a pass over the whole table.

   Retired sites are reused.  Without opcache every include and eval makes a
   new op_array, so a worker that evals or includes in a loop would make new
   sites for the same source lines until the table is full.  A site's
   *identity* is what the exporter shows of it: its interned strings (file,
   function, callee: equal strings have equal arena offsets), line, opcode,
   kind and flags.  When a site is retired (its op_array's opcodes freed) it
   goes into a small malloc'd map keyed by identity; a lookup that misses the
   table computes the identity of the site it would create and, if a retired
   site has it, revives that one (new key, relinked, not RETIRED) instead of
   taking a slot.  Its counters keep accumulating, so conservation (5) holds
   per site, and the table grows with the number of distinct source lines,
   not with the number of times they were compiled.  Only site creation pays
   for this; a hit in the table never looks at the map.
*/

#include "zend.h"
#include "zend_alloc.h"
#include "zend_alloc_sizes.h"
#include "zend_compile.h"
#include "zend_globals.h"
#include "zend_ini.h"
#include "zend_vm_opcodes.h"
#include "zend_frameless_function.h"
#include "zend_mm_observe.h"
#include "zend_mm_observe_blocks.h"
#include "zend_gc_observe.h"
#include "zend_mm_observe_ring.h"

#ifdef ZEND_MM_OBSERVE

#ifdef ZTS
# error "--enable-mm-observe supports NTS builds only"
#endif

#include <sys/mman.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <math.h>

#ifndef MAP_NORESERVE
# define MAP_NORESERVE 0
#endif

/* Capacity of the site table (records) and of its bucket array. */
#define ZEND_MM_OBSERVE_SITE_CAPACITY   (1u << 18)
#define ZEND_MM_OBSERVE_BUCKETS         (1u << 18)
/* The buckets in use at first; doubled whenever the sites outnumber them
 * (zend_mm_observe_buckets_grow()), so a script with a few hundred sites
 * touches a few pages of the array, not all 256 its hash would spread to. */
#define ZEND_MM_OBSERVE_BUCKETS_INITIAL (1u << 10)
/* Entries of the lookup cache in front of the site table: direct-mapped
 * by the opline's address and the internal callee the frame walk found
 * (zend_mm_observe_current_site()).  Emptied when a request starts (the
 * first lookup of each site in a request marks it touched); an entry is
 * removed when its site is retired (zend_mm_observe_site_retire()). */
#define ZEND_MM_OBSERVE_RECENT          1024
/* Initial size of the string arena; it doubles as needed. */
#define ZEND_MM_OBSERVE_STR_INITIAL     (64u * 1024)
/* Longest composed name ("Class::method") we keep; longer ones are cut. */
#define ZEND_MM_OBSERVE_NAME_MAX        1024

/* Key sentinel marking compile-time sites (never dereferenced). */
static const char zend_mm_observe_compile_sentinel = 'C';
#define ZEND_MM_OBSERVE_COMPILE_KEY ((const void *) &zend_mm_observe_compile_sentinel)

ZEND_API bool zend_mm_observe_active = false;
ZEND_API bool zend_mm_observe_enabled = false;
ZEND_API char *zend_mm_observe_output = NULL;
ZEND_API bool zend_mm_observe_persistent = false;
ZEND_API const char *zend_mm_observe_log_file = NULL;

static struct {
	zend_mm_observe_site *sites;      /* [ZEND_MM_OBSERVE_SITE_CAPACITY] */
	uint32_t *buckets;                /* [ZEND_MM_OBSERVE_BUCKETS], the first bucket_mask + 1 in use */
	uint32_t bucket_mask;
	uint32_t count;                   /* next free index */
	struct zend_mm_observe_recent_entry {
		const zend_op *opline;
		const zend_function *callee;  /* as the frame walk found it; ZEND_MM_OBSERVE_RECENT_EMPTY: empty */
		uint32_t site;
	} recent[ZEND_MM_OBSERVE_RECENT];   /* lookup cache (ZEND_MM_OBSERVE_RECENT) */
	const zend_string *compile_file;  /* the last compiled file's name looked up ... */
	uint32_t compile_name;            /* ... and its offset in the arena (0: none) */
	char *str;                        /* string arena */
	uint32_t str_len, str_cap;
	uint32_t *intern;                 /* open addressing: arena offsets, 0 = empty slot */
	uint32_t intern_used, intern_cap;
	bool user_code_seen;              /* a user frame has been seen this request */
	bool heap_is_zend_mm;             /* false under USE_ZEND_ALLOC=0 */
	bool sizes_predicted;             /* ... and zend_mm_observe_calibrate() found ZendMM's sizes */
	bool abandoned;                   /* exporter gave up on this request */
	int64_t usage;                    /* usage_start + observed allocs - frees: heap->size as we see it */
	int64_t peak;                     /* the highest `usage` so far */
	uint64_t peak_epoch;              /* bumped each time `usage` sets a new peak */
	zend_mm_observe_ptrmap op_sites;  /* op_array opcodes -> first site of that op_array */
	uint32_t *retired;                /* open addressing by identity: site indexes, 0 = empty slot */
	uint32_t retired_used, retired_cap;
	int64_t sample_left;              /* bytes to allocate until the timeline's next point: 0 or less, take it */
	int64_t sample_left_set;          /* what sample_left was set to, when ... */
	uint64_t allocated;               /* ... this many bytes were allocated this request
	                                   * (now: zend_mm_observe_allocated()) */
	uint64_t samples;
	uint64_t seq;                     /* requests observed (or abandoned) by this process */
	uint32_t *touched;                /* malloc'd: sites this request changed, each once */
	uint32_t touched_len, touched_cap;
	bool touched_lost;                /* out of memory: visit every site instead */
	bool suppressed;                  /* zend_mm_observe_suppress(): no request is observed */
	zend_mm_observe_exporter_t exporter;
	zend_mm_observe_ring_header *hdr; /* the ring's header: the run summary lives there */
	zend_hrtime_t started_hr;         /* zend_hrtime() at request start: every t_ns counts from it */
} zmo;

/* An empty entry of the lookup cache: a callee no frame walk returns (it is
 * an internal function or NULL), so no lookup matches it, not even one of a
 * NULL opline. */
#define ZEND_MM_OBSERVE_RECENT_EMPTY ((const zend_function *) &zend_mm_observe_compile_sentinel)

static void zend_mm_observe_recent_clear(void)
{
	for (uint32_t i = 0; i < ZEND_MM_OBSERVE_RECENT; i++) {
		zmo.recent[i].opline = NULL;
		zmo.recent[i].callee = ZEND_MM_OBSERVE_RECENT_EMPTY;
		zmo.recent[i].site = 0;
	}
}

static uint64_t zend_mm_observe_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* The ring's last sign of life (heartbeat_ns): a coarse clock read (vDSO,
 * no system call), made only on the samples' slow paths. */
static zend_always_inline void zend_mm_observe_heartbeat(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME_COARSE, &ts) == 0) {
		zmo.hdr->heartbeat_ns = (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
	}
}

/* ---- string arena ------------------------------------------------------- */

/* Makes room for `need` more bytes in the arena (a fixed region of the
 * ring, backed on disk as it fills); false when it is full. */
static bool zend_mm_observe_str_reserve(size_t need)
{
	if ((size_t) zmo.str_len + need > zmo.str_cap) {
		return false;
	}
	return zend_mm_observe_ring_reserve(zmo.hdr->strings_offset, (uint64_t) zmo.str_len + need);
}

/* Interns a copy of s[0..len) in the arena; returns its offset, or 0 (the
 * empty string) when out of memory.  Equal strings share one offset, so the
 * exporter can map offsets to database ids.  Called only when a site is
 * created, never per allocation. */
static uint32_t zend_mm_observe_str_add(const char *s, size_t len)
{
	if (len == 0 || len > UINT32_MAX / 4) {
		return 0;
	}
	if (zmo.intern_used * 2 >= zmo.intern_cap) {
		uint32_t cap = zmo.intern_cap ? zmo.intern_cap * 2 : 1024;
		uint32_t *n = calloc(cap, sizeof(uint32_t));
		if (!n) {
			return 0;
		}
		for (uint32_t i = 0; i < zmo.intern_cap; i++) {
			uint32_t off = zmo.intern[i];
			if (off) {
				const char *t = zmo.str + off;
				uint32_t j = (uint32_t) zend_inline_hash_func(t, strlen(t)) & (cap - 1);
				while (n[j]) {
					j = (j + 1) & (cap - 1);
				}
				n[j] = off;
			}
		}
		free(zmo.intern);
		zmo.intern = n;
		zmo.intern_cap = cap;
	}
	uint32_t j = (uint32_t) zend_inline_hash_func(s, len) & (zmo.intern_cap - 1);
	for (; zmo.intern[j]; j = (j + 1) & (zmo.intern_cap - 1)) {
		const char *t = zmo.str + zmo.intern[j];
		if (strncmp(t, s, len) == 0 && t[len] == '\0') {
			return zmo.intern[j];
		}
	}
	if (!zend_mm_observe_str_reserve(len + 1)) {
		return 0;
	}
	uint32_t off = zmo.str_len;
	memcpy(zmo.str + off, s, len);
	zmo.str[off + len] = '\0';
	zmo.str_len += (uint32_t) len + 1;
	zend_mm_observe_ring_publish_strings(zmo.hdr, zmo.str_len);
	zmo.intern[j] = off;
	zmo.intern_used++;
	return off;
}

static uint32_t zend_mm_observe_str_zstr(const zend_string *s)
{
	return s ? zend_mm_observe_str_add(ZSTR_VAL(s), ZSTR_LEN(s)) : 0;
}

/* "Class::name", "name", or `fallback` when the function has no name. */
static uint32_t zend_mm_observe_str_function(const zend_function *func, const char *fallback)
{
	char buf[ZEND_MM_OBSERVE_NAME_MAX];
	const zend_string *name = func->common.function_name;

	if (!name) {
		return zend_mm_observe_str_add(fallback, strlen(fallback));
	}
	if (!func->common.scope) {
		return zend_mm_observe_str_zstr(name);
	}
	int n = snprintf(buf, sizeof(buf), "%s::%s", ZSTR_VAL(func->common.scope->name), ZSTR_VAL(name));
	if (n < 0) {
		return 0;
	}
	return zend_mm_observe_str_add(buf, MIN((size_t) n, sizeof(buf) - 1));
}

/* ---- site table --------------------------------------------------------- */

static zend_always_inline uint32_t zend_mm_observe_bucket(const void *opline, const void *callee, const void *file)
{
	uintptr_t h = ((uintptr_t) opline >> 3) ^ ((uintptr_t) callee >> 4) ^ ((uintptr_t) file >> 5);
	return (uint32_t) ((h * 0x9E3779B97F4A7C15ull >> 40) & zmo.bucket_mask);
}

/* More sites than buckets: double the buckets in use and move every linked
 * site to its new chain (chain order does not matter).  Only the slow
 * lookups call it, before they compute a bucket.  Without memory for the
 * list the chains just stay longer. */
static zend_never_inline void zend_mm_observe_buckets_grow(void)
{
	uint32_t old = zmo.bucket_mask + 1, n = 0;
	uint32_t *list = malloc(sizeof(uint32_t) * zmo.count);

	if (!list) {
		return;
	}
	for (uint32_t b = 0; b < old; b++) {
		for (uint32_t idx = zmo.buckets[b]; idx && n < zmo.count; idx = zmo.sites[idx].next) {
			list[n++] = idx;
		}
	}
	memset(zmo.buckets, 0, sizeof(uint32_t) * old);
	zmo.bucket_mask = old * 2 - 1;
	while (n) {
		zend_mm_observe_site *site = &zmo.sites[list[--n]];
		uint32_t b = zend_mm_observe_bucket(site->key_opline, site->key_callee, site->key_file);
		site->next = zmo.buckets[b];
		zmo.buckets[b] = list[n];
	}
	free(list);
}

static zend_always_inline void zend_mm_observe_buckets_fit(void)
{
	if (UNEXPECTED(zmo.count > zmo.bucket_mask) && zmo.bucket_mask < ZEND_MM_OBSERVE_BUCKETS - 1) {
		zend_mm_observe_buckets_grow();
	}
}

/* The ring (zend_mm_observe_ring.c) holds the site table and the string
 * arena; the buckets and the intern table are private to the process. */
static bool zend_mm_observe_table_init(void)
{
	zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_anon(ZEND_MM_OBSERVE_SITE_CAPACITY);

	if (!hdr) {
		return false;
	}
	if (!zmo.buckets) {
		void *b = mmap(NULL, sizeof(uint32_t) * ZEND_MM_OBSERVE_BUCKETS,
			PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (b == MAP_FAILED) {
			return false;
		}
		zmo.buckets = b;
		zmo.bucket_mask = ZEND_MM_OBSERVE_BUCKETS_INITIAL - 1;
	}
	zmo.hdr = hdr;
	zmo.sites = (zend_mm_observe_site *) ((char *) hdr + hdr->sites_offset);
	zmo.str = (char *) hdr + hdr->strings_offset;
	zmo.str_cap = (uint32_t) hdr->strings_capacity;
	/* Offset 0 of the arena is the empty string. */
	zmo.str[0] = '\0';
	zmo.str_len = 1;
	hdr->strings_len = 1;
	return true;
}

static void zend_mm_observe_pseudo(uint32_t idx, const char *name, uint16_t flags)
{
	zend_mm_observe_site *site = &zmo.sites[idx];
	memset(site, 0, sizeof(*site));
	site->kind = ZEND_MM_OBSERVE_KIND_PSEUDO;
	site->flags = flags;
	site->function_str = zend_mm_observe_str_add(name, strlen(name));
}

/* A new request: the pseudo sites, empty string interning. */
static void zend_mm_observe_table_reset(void)
{
	if (zmo.intern) {
		memset(zmo.intern, 0, sizeof(uint32_t) * zmo.intern_cap);
	}
	zmo.intern_used = 0;
	zend_mm_observe_pseudo(ZEND_MM_OBSERVE_IDX_STARTUP, ZEND_MM_OBSERVE_NAME_STARTUP, 0);
	zend_mm_observe_pseudo(ZEND_MM_OBSERVE_IDX_ENGINE, ZEND_MM_OBSERVE_NAME_ENGINE, 0);
	zend_mm_observe_pseudo(ZEND_MM_OBSERVE_IDX_SHUTDOWN, ZEND_MM_OBSERVE_NAME_SHUTDOWN, 0);
	zend_mm_observe_pseudo(ZEND_MM_OBSERVE_IDX_OVERFLOW, ZEND_MM_OBSERVE_NAME_OVERFLOW, ZEND_MM_OBSERVE_SITE_OVERFLOW);
	zend_mm_observe_pseudo(ZEND_MM_OBSERVE_IDX_UNOBSERVED, ZEND_MM_OBSERVE_NAME_UNOBSERVED, ZEND_MM_OBSERVE_SITE_UNOBSERVED);
	zend_mm_observe_ptrmap_clear(&zmo.op_sites);
	if (zmo.retired) {
		memset(zmo.retired, 0, sizeof(uint32_t) * zmo.retired_cap);
	}
	zmo.retired_used = 0;
	zmo.count = ZEND_MM_OBSERVE_PSEUDO_LAST + 1;
	zend_mm_observe_recent_clear();
	zmo.compile_file = NULL;
	zend_mm_observe_ring_publish_sites(zmo.hdr, zmo.count);
}

static zend_always_inline bool zend_mm_observe_site_is(const zend_mm_observe_site *site,
	const void *opline, const void *callee, const void *file, uint32_t line, uint8_t opcode)
{
	return site->key_opline == opline && site->key_callee == callee && site->key_file == file
		&& site->line == line && site->opcode == opcode;
}

/* ---- retired sites, by identity ---------------------------------------- */

/* Flags that are part of a site's identity (RETIRED is its state). */
#define ZEND_MM_OBSERVE_IDENTITY_FLAGS ((uint16_t) ~ZEND_MM_OBSERVE_SITE_RETIRED)

/* True when every string of the site was interned: a string the full arena
 * refused reads as offset 0, and such a site must never be merged with one
 * whose string really is empty.  `has_callee`: the site was made for an
 * internal callee (whose name is never empty). */
static bool zend_mm_observe_identity_complete(const zend_mm_observe_site *site, bool has_callee)
{
	return site->file_str && site->function_str && (!has_callee || site->callee_str);
}

static bool zend_mm_observe_identity_is(const zend_mm_observe_site *a, const zend_mm_observe_site *b)
{
	return a->file_str == b->file_str && a->function_str == b->function_str && a->callee_str == b->callee_str
		&& a->line == b->line && a->opcode == b->opcode && a->kind == b->kind
		&& (a->flags & ZEND_MM_OBSERVE_IDENTITY_FLAGS) == (b->flags & ZEND_MM_OBSERVE_IDENTITY_FLAGS);
}

static uint32_t zend_mm_observe_identity_slot(const zend_mm_observe_site *site)
{
	uint64_t h = site->file_str;
	h = h * 0x9E3779B97F4A7C15ull + site->function_str;
	h = h * 0x9E3779B97F4A7C15ull + site->callee_str;
	h = h * 0x9E3779B97F4A7C15ull + site->line;
	h = h * 0x9E3779B97F4A7C15ull + ((uint32_t) site->opcode | (uint32_t) site->kind << 8
		| (uint32_t) (site->flags & ZEND_MM_OBSERVE_IDENTITY_FLAGS) << 16);
	return (uint32_t) ((h * 0x9E3779B97F4A7C15ull) >> 32) & (zmo.retired_cap - 1);
}

/* Puts a just-retired site in the map (linear probing).  When malloc fails
 * the site is simply not reused later: nothing is lost but a slot. */
static void zend_mm_observe_retired_put(uint32_t idx)
{
	if ((zmo.retired_used + 1) * 2 > zmo.retired_cap) {
		uint32_t *old = zmo.retired, old_cap = zmo.retired_cap;
		uint32_t cap = old_cap ? old_cap * 2 : 256;
		uint32_t *n = calloc(cap, sizeof(uint32_t));
		if (!n) {
			return;
		}
		zmo.retired = n;
		zmo.retired_cap = cap;
		for (uint32_t i = 0; i < old_cap; i++) {
			if (old[i]) {
				uint32_t j = zend_mm_observe_identity_slot(&zmo.sites[old[i]]);
				while (n[j]) {
					j = (j + 1) & (cap - 1);
				}
				n[j] = old[i];
			}
		}
		free(old);
	}
	uint32_t j = zend_mm_observe_identity_slot(&zmo.sites[idx]);
	while (zmo.retired[j]) {
		j = (j + 1) & (zmo.retired_cap - 1);
	}
	zmo.retired[j] = idx;
	zmo.retired_used++;
}

/* Removes and returns a retired site with the identity of `probe`, or 0.
 * Deletion shifts the rest of the probe run back (no tombstones), so the
 * map never degrades however many sites come and go. */
static uint32_t zend_mm_observe_retired_take(const zend_mm_observe_site *probe)
{
	uint32_t mask = zmo.retired_cap - 1;
	uint32_t i = zend_mm_observe_identity_slot(probe);
	uint32_t idx;

	for (; (idx = zmo.retired[i]); i = (i + 1) & mask) {
		if (zend_mm_observe_identity_is(&zmo.sites[idx], probe)) {
			break;
		}
	}
	if (!idx) {
		return 0;
	}
	for (uint32_t j = i; ; ) {
		j = (j + 1) & mask;
		if (!zmo.retired[j]) {
			break;
		}
		/* The entry at j may fill the hole at i unless its home slot lies
		 * cyclically in (i, j]. */
		uint32_t home = zend_mm_observe_identity_slot(&zmo.sites[zmo.retired[j]]);
		if (((j - home) & mask) >= ((j - i) & mask)) {
			zmo.retired[i] = zmo.retired[j];
			i = j;
		}
	}
	zmo.retired[i] = 0;
	zmo.retired_used--;
	return idx;
}

/* ---- site creation ------------------------------------------------------ */

/* Links site `idx` into bucket `b` and, when it belongs to a function,
 * into the list of its op_array's sites (to retire it when the op_array's
 * opcodes are freed: include/eval code freed mid-request). */
static void zend_mm_observe_site_link(uint32_t idx, uint32_t b, const zend_function *func)
{
	zend_mm_observe_site *site = &zmo.sites[idx];

	site->next = zmo.buckets[b];
	zmo.buckets[b] = idx;
	if (func) {
		const zend_op_array *op_array = &func->op_array;
		zend_mm_observe_ptrmap_entry *head = zend_mm_observe_ptrmap_find(&zmo.op_sites, (uintptr_t) op_array->opcodes);
		site->op_key = op_array->opcodes;
		site->next_in_op = head ? head->site : 0;
		zend_mm_observe_ptrmap_put(&zmo.op_sites, (uintptr_t) op_array->opcodes, idx, 0);
	} else {
		site->op_key = NULL;
		site->next_in_op = 0;
	}
}

/* A miss in the table: revive a retired site with the same identity, or
 * take a new slot, or bill {overflow} when the table is full.  Interns the
 * site's strings (the arena does not grow for strings it already has). */
static ZEND_COLD zend_never_inline uint32_t zend_mm_observe_site_create(uint32_t b,
	const void *opline, const void *callee, const zend_string *file, uint32_t line, uint8_t opcode,
	uint8_t kind, uint16_t flags, const zend_function *func, const zend_function *callee_func)
{
	zend_mm_observe_site probe;
	uint32_t idx;

	memset(&probe, 0, sizeof(probe));
	probe.key_opline = opline;
	probe.key_callee = callee;
	probe.key_file = file;
	probe.line = line;
	probe.opcode = opcode;
	probe.kind = kind;
	probe.flags = flags;
	probe.file_str = zend_mm_observe_str_zstr(file);
	if (func) {
		probe.function_str = zend_mm_observe_str_function(func,
			func->op_array.type == ZEND_EVAL_CODE ? ZEND_MM_OBSERVE_NAME_EVAL : ZEND_MM_OBSERVE_NAME_MAIN);
	} else {
		probe.function_str = zend_mm_observe_str_add(ZEND_MM_OBSERVE_NAME_MAIN, sizeof(ZEND_MM_OBSERVE_NAME_MAIN) - 1);
	}
	if (callee_func) {
		probe.callee_str = zend_mm_observe_str_function(callee_func, "");
	}

	if (zmo.retired_used && zend_mm_observe_identity_complete(&probe, callee_func != NULL)
			&& (idx = zend_mm_observe_retired_take(&probe)) != 0) {
		zend_mm_observe_site *site = &zmo.sites[idx];
		ZEND_ASSERT(site->flags & ZEND_MM_OBSERVE_SITE_RETIRED);
		/* Counters, strings, line, opcode and kind stay: only the key and
		 * the links are new. */
		site->key_opline = opline;
		site->key_callee = callee;
		site->key_file = file;
		site->flags &= ~ZEND_MM_OBSERVE_SITE_RETIRED;
		zend_mm_observe_site_link(idx, b, func);
		return idx;
	}

	if (UNEXPECTED(zmo.count >= ZEND_MM_OBSERVE_SITE_CAPACITY)
			|| UNEXPECTED(!zend_mm_observe_ring_reserve(zmo.hdr->sites_offset, (uint64_t) (zmo.count + 1) * sizeof(zend_mm_observe_site)))) {
		zmo.hdr->run.sites_dropped++;
		return ZEND_MM_OBSERVE_IDX_OVERFLOW;
	}
	idx = zmo.count++;
	memcpy(&zmo.sites[idx], &probe, sizeof(probe));
	zend_mm_observe_site_link(idx, b, func);
	/* Published once complete (zend_mm_observe_ring.h, ordering). */
	zend_mm_observe_ring_publish_sites(zmo.hdr, zmo.count);
	return idx;
}

/* Notes that this request changed `site` (invariant 7). */
static ZEND_COLD zend_never_inline void zend_mm_observe_touch(zend_mm_observe_site *site, uint32_t idx)
{
	site->touched = (uint32_t) zmo.seq;
	if (zmo.touched_len == zmo.touched_cap) {
		uint32_t cap = zmo.touched_cap ? zmo.touched_cap * 2 : 1024;
		uint32_t *n = realloc(zmo.touched, sizeof(uint32_t) * cap);
		if (!n) {
			zmo.touched_lost = true;
			return;
		}
		zmo.touched = n;
		zmo.touched_cap = cap;
	}
	zmo.touched[zmo.touched_len++] = idx;
}

/* `idx`, noted as touched by this request.  Every site whose counters
 * change is first returned by a lookup of this request (the lookup
 * cache is emptied when a request starts; frees credit a site some
 * allocation of this request returned), so the per-block path never
 * checks (invariant 7). */
static zend_always_inline uint32_t zend_mm_observe_touched_idx(uint32_t idx)
{
	zend_mm_observe_site *site = &zmo.sites[idx];

	if (UNEXPECTED(site->touched != (uint32_t) zmo.seq)) {
		zend_mm_observe_touch(site, idx);
	}
	return idx;
}

/* Slow part of the lookup: walk the chain; on a miss, create the site. */
static zend_never_inline uint32_t zend_mm_observe_site_find(
	const void *opline, const void *callee, const zend_string *file, uint32_t line, uint8_t opcode,
	uint8_t kind, uint16_t flags, const zend_function *func, const zend_function *callee_func)
{
	zend_mm_observe_buckets_fit();
	uint32_t b = zend_mm_observe_bucket(opline, callee, file);

	for (uint32_t idx = zmo.buckets[b]; idx; idx = zmo.sites[idx].next) {
		if (zend_mm_observe_site_is(&zmo.sites[idx], opline, callee, file, line, opcode)) {
			return zend_mm_observe_touched_idx(idx);
		}
	}
	return zend_mm_observe_touched_idx(
		zend_mm_observe_site_create(b, opline, callee, file, line, opcode, kind, flags, func, callee_func));
}

#ifdef ZEND_MM_OBSERVE_TRACE_CHECK
/* The check build of the VM_TRACE list (-DZEND_MM_OBSERVE_TRACE_CHECK,
 * mk/check-vm-trace.sh): every handler records its frame and opline on
 * entry, without storing EX(opline); an allocation in that frame whose
 * EX(opline) is another opline would be billed to the wrong line by a
 * handler the list left without a store.  Counted, and the first one named
 * at the end of the request on stderr. */
ZEND_API const void *zend_mm_observe_trace_ex;
ZEND_API const void *zend_mm_observe_trace_opline;
static uint64_t zend_mm_observe_trace_stale;
static char zend_mm_observe_trace_first[512];

static void zend_mm_observe_trace_compare(const zend_execute_data *ex, const zend_op *billed)
{
	const zend_op *now = zend_mm_observe_trace_opline;
	const zend_op_array *op_array = &ex->func->op_array;

	if ((const void *) ex != zend_mm_observe_trace_ex || now == billed || EG(exception)
			|| now < op_array->opcodes || now >= op_array->opcodes + op_array->last) {
		return;
	}
	/* A jump moves OPLINE to its target, then checks for an interrupt
	 * (ZEND_VM_SET_OPCODE): zend_interrupt_helper saves the target, and a
	 * timeout's error is billed there, as in stock PHP and as with a store
	 * in every handler (the store at entry is overwritten).  Not the list's
	 * doing: jumps allocate nothing themselves. */
	uint32_t flags = zend_get_opcode_flags(now->opcode);
	if ((ZEND_VM_OP1_FLAGS(flags) & ZEND_VM_OP_MASK) == ZEND_VM_OP_JMP_ADDR && billed == OP_JMP_ADDR(now, now->op1)) {
		return;
	}
	if ((ZEND_VM_OP2_FLAGS(flags) & ZEND_VM_OP_MASK) == ZEND_VM_OP_JMP_ADDR && billed == OP_JMP_ADDR(now, now->op2)) {
		return;
	}
	if ((flags & ZEND_VM_EXT_MASK) == ZEND_VM_EXT_JMP_ADDR && billed == ZEND_OFFSET_TO_OPLINE(now, now->extended_value)) {
		return;
	}
	if ((now->result_type & (IS_SMART_BRANCH_JMPZ | IS_SMART_BRANCH_JMPNZ)) && now + 1 < op_array->opcodes + op_array->last
			&& (billed == now + 2 || billed == OP_JMP_ADDR(now + 1, now[1].op2))) {
		return;
	}
	if (!zend_mm_observe_trace_stale++) {
		bool in = billed >= op_array->opcodes && billed < op_array->opcodes + op_array->last;
		snprintf(zend_mm_observe_trace_first, sizeof(zend_mm_observe_trace_first),
			"%s (op1 %d, op2 %d) at %s:%u, billed to %s at line %u",
			zend_get_opcode_name(now->opcode), now->op1_type, now->op2_type,
			op_array->filename ? ZSTR_VAL(op_array->filename) : "?", now->lineno,
			in ? zend_get_opcode_name(billed->opcode) : "an opline of another frame", in ? billed->lineno : 0);
	}
}

static void zend_mm_observe_trace_report(void)
{
	if (zend_mm_observe_trace_stale) {
		fprintf(stderr, "mm_observe trace check: %llu allocation(s) billed to a stale opline; the first: %s\n",
			(unsigned long long) zend_mm_observe_trace_stale, zend_mm_observe_trace_first);
		fflush(stderr);
		zend_mm_observe_trace_stale = 0;
	}
}
#endif

/* The site of an allocation made while the engine compiles: the file being
 * compiled (line 0), whether it is the main script, an include or eval'd
 * code; with call paths, the include or eval line is its caller.  It is
 * keyed by the name's text (its offset in the string arena), not by the
 * zend_string's address: an included file's name may be freed during the
 * request and its address given to another file's name.  A name the full
 * arena refused is keyed by address. */
static ZEND_COLD zend_never_inline uint32_t zend_mm_observe_compile_site(void)
{
	const zend_string *file = CG(compiled_filename);
	uint32_t name = zmo.compile_name;

	/* The file of the last lookup, most likely: checked by its text, since
	 * the address of a freed name may be given to another name. */
	if (!file || file != zmo.compile_file || name >= zmo.str_len || ZSTR_LEN(file) >= zmo.str_len - name
			|| memcmp(zmo.str + name, ZSTR_VAL(file), ZSTR_LEN(file) + 1) != 0) {
		name = zend_mm_observe_str_zstr(file);
		zmo.compile_file = name ? file : NULL;
		zmo.compile_name = name;
	}
	const void *key = name ? (const void *) (uintptr_t) name : (const void *) file;
	zend_mm_observe_buckets_fit();
	uint32_t b = zend_mm_observe_bucket(NULL, ZEND_MM_OBSERVE_COMPILE_KEY, key);

	for (uint32_t idx = zmo.buckets[b]; idx; idx = zmo.sites[idx].next) {
		if (zend_mm_observe_site_is(&zmo.sites[idx], NULL, ZEND_MM_OBSERVE_COMPILE_KEY, key, 0, 0)) {
			return zend_mm_observe_touched_idx(idx);
		}
	}
	uint32_t idx = zend_mm_observe_site_create(b, NULL, ZEND_MM_OBSERVE_COMPILE_KEY, file, 0, 0,
		ZEND_MM_OBSERVE_KIND_COMPILE, 0, NULL, NULL);
	if (idx != ZEND_MM_OBSERVE_IDX_OVERFLOW) {
		zmo.sites[idx].key_file = key;
	}
	return zend_mm_observe_touched_idx(idx);
}

static zend_always_inline uint32_t zend_mm_observe_recent_slot(const void *opline, const void *callee)
{
	return (uint32_t) (((uintptr_t) opline / sizeof(zend_op)) ^ ((uintptr_t) callee >> 6)) & (ZEND_MM_OBSERVE_RECENT - 1);
}

/* The innermost user frame with code (NULL: none) and, in *callee, the
 * first internal function above it (NULL: none).  Reads only the frames. */
static zend_always_inline const zend_execute_data *zend_mm_observe_user_frame(const zend_function **callee_out)
{
	const zend_execute_data *ex = EG(current_execute_data);
	const zend_function *callee = NULL;

	for (; ex; ex = ex->prev_execute_data) {
		const zend_function *func = ex->func;
		if (!func) {
			continue;
		}
		if (ZEND_USER_CODE(func->type)) {
			if (EXPECTED(func->op_array.last)) {
				break;
			}
			/* A user frame without code: the dummy frame that
			 * zend_get_attribute_object() pushes while it evaluates
			 * an attribute's arguments, a call trampoline.  Look on. */
			continue;
		}
		if (!callee) {
			callee = func;
		}
	}
	*callee_out = callee;
	return ex;
}

/* The lookup cache's entry for a frame's opline and the callee the walk
 * found, when it holds them (NULL: a miss).  An entry cannot name code
 * freed since it was made, because a site is retired, and its entry
 * removed, before its op_array's opcodes are freed (zend_mm_observe_op_
 * array_dtor_slow()); and it holds only oplines that passed the check of
 * zend_mm_observe_current_site() against their own frame's op_array, so a
 * hit needs no check: an opline belongs to one op_array. */
static zend_always_inline const struct zend_mm_observe_recent_entry *zend_mm_observe_recent_hit(const zend_op *opline, const zend_function *callee)
{
	const struct zend_mm_observe_recent_entry *e = &zmo.recent[zend_mm_observe_recent_slot(opline, callee)];

	return EXPECTED(e->opline == opline) && EXPECTED(e->callee == callee) ? e : NULL;
}

/* Which site is allocating right now?  Called on every observed allocation,
 * free and realloc; reads only engine globals and the current frames. */
static zend_always_inline uint32_t zend_mm_observe_current_site(void)
{
	const zend_function *callee;
	const zend_execute_data *ex = zend_mm_observe_user_frame(&callee);

	if (UNEXPECTED(CG(in_compilation))) {
		zmo.user_code_seen |= ex != NULL;
		return zend_mm_observe_compile_site();
	} else if (UNEXPECTED(!ex)) {
		/* EG_FLAGS_IN_SHUTDOWN is still set from the last request when a
		 * worker's next one starts (init_executor() clears it later). */
		if (zmo.hdr->run.script_ended || ((EG(flags) & EG_FLAGS_IN_SHUTDOWN) && zmo.user_code_seen)) {
			return zend_mm_observe_touched_idx(ZEND_MM_OBSERVE_IDX_SHUTDOWN);
		}
		return zend_mm_observe_touched_idx(zmo.user_code_seen ? ZEND_MM_OBSERVE_IDX_ENGINE : ZEND_MM_OBSERVE_IDX_STARTUP);
	}

	const zend_op_array *op_array = &ex->func->op_array;
	const zend_op *opline = ex->opline;
	uint16_t flags = 0;

#ifdef ZEND_MM_OBSERVE_TRACE_CHECK
	zend_mm_observe_trace_compare(ex, opline);
#endif

	/* Most lookups end here (a hit implies user code was seen: the cache
	 * is emptied with user_code_seen when a request starts). */
	const struct zend_mm_observe_recent_entry *hit = zend_mm_observe_recent_hit(opline, callee);
	if (EXPECTED(hit)) {
		return hit->site;
	}

	zmo.user_code_seen = true;
	/* Not one of the frame's oplines (none yet, or stale): bill its first.
	 * One unsigned comparison covers NULL, before and after. */
	if (UNEXPECTED((uintptr_t) opline - (uintptr_t) op_array->opcodes >= (uintptr_t) op_array->last * sizeof(zend_op))) {
		opline = op_array->opcodes;
		flags = ZEND_MM_OBSERVE_SITE_OPLINE_FALLBACK;
		hit = zend_mm_observe_recent_hit(opline, callee);
		if (hit) {
			return hit->site;
		}
	}

	const zend_function *walk_callee = callee;
	/* Frameless internal calls (PHP 8.4's FRAMELESS_ICALL_n) push no frame:
	 * the callee is named by the opline itself. */
	if (!callee && UNEXPECTED(opline->opcode >= ZEND_FRAMELESS_ICALL_0 && opline->opcode <= ZEND_FRAMELESS_ICALL_3)) {
		callee = ZEND_FLF_FUNC(opline);
	}
	uint32_t idx = zend_mm_observe_site_find(opline, callee, op_array->filename, opline->lineno, opline->opcode,
		ZEND_MM_OBSERVE_KIND_VM, flags, ex->func, callee);
	if (EXPECTED(zmo.sites[idx].key_opline == opline)) {
		/* (not the overflow site, which is found again each time) */
		uint32_t slot = zend_mm_observe_recent_slot(opline, walk_callee);
		zmo.recent[slot].opline = opline;
		zmo.recent[slot].callee = walk_callee;
		zmo.recent[slot].site = idx;
	}
	return idx;
}

/* ---- call paths ------------------------------------------------------------

   Sampling (zend_mm_observe.h, "call paths").  zmp.countdown is the number
   of bytes until the next point of the Poisson process; each allocation
   subtracts its size, and a block that takes it below zero is sampled: its
   call path is found, its path's estimates grow by 1/p blocks and s/p
   bytes, the block map records the block's *path* instead of its site,
   flagged ZEND_MM_OBSERVE_BLOCK_SAMPLED (the path names its site), and
   the next distance is drawn.  A free of a flagged block takes it back
   out of its path, then credits the path's site as any free.  The fast
   path pays one subtraction and one branch per allocation and one bit
   test per free; a sample pays a walk of the frames (skipped when the
   callers are those of the last sample) and a table lookup for 1/p.

   Tables.  Frames and paths are two regions of the ring (zend_mm_observe_
   format.h), records indexed from 1 and published like sites (ring.h,
   ordering), so a crash leaves them with the rest; lookups go through
   chained hashing with private bucket arrays.  They are emptied when a
   request starts, so keys (opline addresses) never outlive the code they
   name: code freed and reloaded mid-request at the same address is told
   apart by its file and line, as sites are. */

#define ZEND_MM_OBSERVE_PATH_BUCKETS   (1u << 14)
#define ZEND_MM_OBSERVE_PATH_DEPTH_MAX 1024
/* Levels (from the root) of the last walk remembered, so the next sample
 * looks up only the frames that differ (the innermost ones, mostly). */
#define ZEND_MM_OBSERVE_PATH_CACHE     256
/* The set of callers seen during one walk (recursion folding): slots, a
 * power of two at least twice the deepest path; and the most frames a walk
 * visits before it gives up on the root. */
#define ZEND_MM_OBSERVE_PATH_SEEN      2048
#define ZEND_MM_OBSERVE_PATH_WALK_MAX  65536
/* Blocks up to this size find their weight 1/p in a table (8-byte steps). */
#define ZEND_MM_OBSERVE_PATH_WEIGHTS   3072

/* Key of the "{truncated}" root frame (never dereferenced). */
static const char zend_mm_observe_truncated_sentinel = 'T';

static struct {
	int64_t countdown;                   /* bytes to the next sample; INT64_MAX when off */
	uint64_t rng;                        /* xorshift64* state */
	struct {
		bool enabled;                    /* zend.mm_observe_call_paths */
		uint64_t sample_bytes;           /* zend.mm_observe_path_sample_bytes */
		uint32_t max_depth;              /* zend.mm_observe_path_depth */
	} cfg;
	zend_mm_observe_path_frame *frames; /* the ring's regions */
	zend_mm_observe_path *paths;
	uint32_t frame_count, path_count;    /* next free index of each */
	zend_mm_observe_run *run;            /* where the sampling figures go */
	uint32_t *frame_buckets;             /* [ZEND_MM_OBSERVE_PATH_BUCKETS] */
	uint32_t *path_buckets;
	double *weights;                     /* 1/p by usable size / 8, up to ZEND_MM_OBSERVE_PATH_WEIGHTS, */
	double *weights_pages;               /* ... and by pages, for a size of whole pages up to a chunk (large blocks) */
	uint64_t weights_for;                /* ... for this mean */
	struct {
		const zend_execute_data *ex;
		const zend_function *callee;
	} *chain;                            /* scratch: the frames of one walk */
	struct {
		uint32_t stamp, pos;
		const zend_function *func;
		const zend_op *opline;
		const zend_function *callee;
	} *seen;                             /* scratch: callers of this walk, by identity (valid when stamp matches) */
	uint32_t stamp;
	/* The last walk, from the root: each caller's execute_data, function,
	 * opline and internal callee as they were, and the frame they made. */
	struct {
		const zend_execute_data *ex;
		const zend_function *func;
		const zend_op *opline;
		const zend_function *callee;
		uint32_t frame;
	} *levels;
	uint32_t level_count;
	uint32_t cache_site, cache_path;     /* the last path found, and its site */
} zmp = { .countdown = INT64_MAX, .cfg = { .enabled = true, .sample_bytes = 2048, .max_depth = 128 } };

ZEND_API void zend_mm_observe_paths_configure(bool enabled, uint64_t sample_bytes, uint32_t max_depth)
{
	zmp.cfg.enabled = enabled;
	zmp.cfg.sample_bytes = sample_bytes;
	zmp.cfg.max_depth = MAX(2, MIN(max_depth, ZEND_MM_OBSERVE_PATH_DEPTH_MAX));
}

static uint64_t zend_mm_observe_rng_next(void)
{
	uint64_t x = zmp.rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	zmp.rng = x;
	return x * 0x2545F4914F6CDD1Dull;
}

/* -ln(u) for u = x / 2^53, x in [1, 2^53]: the exponent from the leading
 * bit, the mantissa m in [1, 2) by the series of ln m = 2 atanh((m-1)/(m+1))
 * to t^7 (error below 2e-5: far below what a sampling distance needs). */
static double zend_mm_observe_neg_log(uint64_t x)
{
	int e = 63 - __builtin_clzll(x);
	double m = (double) x / (double) ((uint64_t) 1 << e);
	double t = (m - 1.0) / (m + 1.0), t2 = t * t;
	double ln_m = 2.0 * t * (1.0 + t2 * (1.0 / 3 + t2 * (1.0 / 5 + t2 * (1.0 / 7))));
	return (53 - e) * 0.6931471805599453 - ln_m;
}

/* The distance to the next sample: exponential with the configured mean. */
static int64_t zend_mm_observe_path_distance(void)
{
	if (zmp.cfg.sample_bytes == 0) {
		return 0;
	}
	double d = zend_mm_observe_neg_log((zend_mm_observe_rng_next() >> 11) + 1) * (double) zmp.cfg.sample_bytes;
	return d >= 9.0e18 ? INT64_MAX : (int64_t) d;
}

static double zend_mm_observe_path_weight_of(size_t usable)
{
	double p = -expm1(-(double) usable / (double) zmp.cfg.sample_bytes);
	return p > 0 ? 1.0 / p : 1.0;
}

/* 1/p for a block of `usable` bytes: how many blocks one sample stands for. */
static zend_always_inline double zend_mm_observe_path_weight(size_t usable)
{
	if (zmp.cfg.sample_bytes == 0) {
		return 1.0;
	}
	if (EXPECTED(usable <= ZEND_MM_OBSERVE_PATH_WEIGHTS && zmp.weights)) {
		return zmp.weights[usable >> 3];
	}
	if (usable % ZEND_MM_PAGE_SIZE == 0 && usable <= ZEND_MM_CHUNK_SIZE && zmp.weights) {
		return zmp.weights_pages[usable / ZEND_MM_PAGE_SIZE];
	}
	return zend_mm_observe_path_weight_of(usable);
}

static void zend_mm_observe_paths_reset(void)
{
	zend_mm_observe_ring_header *hdr = zmo.hdr;

	zmp.frames = (zend_mm_observe_path_frame *) ((char *) hdr + hdr->paths_offset);
	zmp.paths = (zend_mm_observe_path *) ((char *) hdr + zend_mm_observe_ring_path_table(hdr));
	zmp.frame_count = zmp.path_count = 1;
	zend_mm_observe_ring_publish_path_frames(hdr, 1);
	zend_mm_observe_ring_publish_paths(hdr, 1);
	zmp.run = &hdr->run;
	zmp.run->paths = zmp.cfg.enabled;
	zmp.run->path_sample_bytes = zmp.cfg.sample_bytes;
	if (zmp.frame_buckets) {
		memset(zmp.frame_buckets, 0, sizeof(uint32_t) * ZEND_MM_OBSERVE_PATH_BUCKETS);
		memset(zmp.path_buckets, 0, sizeof(uint32_t) * ZEND_MM_OBSERVE_PATH_BUCKETS);
	}
	zmp.level_count = 0;
	zmp.cache_path = 0;
	if (!zmp.cfg.enabled) {
		zmp.countdown = INT64_MAX;
		return;
	}
	if (!zmp.rng) {
		const char *seed = getenv("MM_OBSERVE_PATH_SEED");
		zmp.rng = seed && *seed ? (uint64_t) strtoull(seed, NULL, 10) : (uint64_t) zend_hrtime() ^ ((uint64_t) zend_mm_observe_getpid() << 32);
		zmp.rng = zmp.rng ? zmp.rng : 0x9E3779B97F4A7C15ull;
	}
	zmp.countdown = zend_mm_observe_path_distance();
	if (zmp.cfg.sample_bytes && zmp.weights_for != zmp.cfg.sample_bytes) {
		/* Usable sizes are multiples of 8: one entry per step. */
		uint32_t small = ZEND_MM_OBSERVE_PATH_WEIGHTS / 8 + 1, pages = ZEND_MM_PAGES + 1;
		double *w = zmp.weights ? zmp.weights : malloc(sizeof(double) * (small + pages));
		if (w) {
			for (uint32_t i = 0; i < small; i++) {
				w[i] = zend_mm_observe_path_weight_of(MAX(i, 1) * 8);
			}
			for (uint32_t i = 0; i < pages; i++) {
				w[small + i] = zend_mm_observe_path_weight_of((size_t) MAX(i, 1) * ZEND_MM_PAGE_SIZE);
			}
			zmp.weights = w;
			zmp.weights_pages = w + small;
			zmp.weights_for = zmp.cfg.sample_bytes;
		}
	}
}

/* Makes room for record `count` of the region at `offset` (backed on
 * disk as it fills); false when the region is full. */
static bool zend_mm_observe_path_room(uint64_t offset, uint32_t count, uint32_t capacity, size_t size)
{
	return count < capacity && zend_mm_observe_ring_reserve(offset, (uint64_t) (count + 1) * size);
}

static zend_always_inline uint32_t zend_mm_observe_path_hash(uintptr_t a, uintptr_t b, uintptr_t c)
{
	uint64_t h = ((uint64_t) a * 0x9E3779B97F4A7C15ull) ^ ((uint64_t) (b >> 3) * 0xC2B2AE3D27D4EB4Full) ^ (uint64_t) (c >> 4);
	return (uint32_t) ((h * 0x9E3779B97F4A7C15ull) >> 50) & (ZEND_MM_OBSERVE_PATH_BUCKETS - 1);
}

/* The frame (parent, the call at `opline` of `func`, inside `callee`);
 * 0 when the table is full. */
static uint32_t zend_mm_observe_path_frame_find(uint32_t parent, const zend_function *func, const zend_op *opline,
	const zend_function *callee)
{
	const void *file = func ? (const void *) func->op_array.filename : (const void *) &zend_mm_observe_truncated_sentinel;
	uint32_t line = opline ? opline->lineno : 0;
	uint32_t b = zend_mm_observe_path_hash(parent, (uintptr_t) opline, (uintptr_t) callee);

	for (uint32_t i = zmp.frame_buckets[b]; i; i = zmp.frames[i].next) {
		const zend_mm_observe_path_frame *f = &zmp.frames[i];
		if (f->parent == parent && f->key_opline == opline && f->key_callee == callee && f->key_file == file && f->line == line) {
			return i;
		}
	}
	if (!zend_mm_observe_path_room(zmo.hdr->paths_offset, zmp.frame_count, zmo.hdr->path_frame_capacity, sizeof(*zmp.frames))) {
		return 0;
	}
	uint32_t i = zmp.frame_count++;
	zend_mm_observe_path_frame *f = &zmp.frames[i];
	memset(f, 0, sizeof(*f));
	f->key_opline = opline;
	f->key_callee = callee;
	f->key_file = file;
	f->parent = parent;
	f->line = line;
	f->depth = parent ? zmp.frames[parent].depth + 1 : 1;
	if (func) {
		f->function_str = zend_mm_observe_str_function(func,
			func->op_array.type == ZEND_EVAL_CODE ? ZEND_MM_OBSERVE_NAME_EVAL : ZEND_MM_OBSERVE_NAME_MAIN);
		f->file_str = zend_mm_observe_str_zstr(func->op_array.filename);
	} else {
		f->function_str = zend_mm_observe_str_add(ZEND_MM_OBSERVE_NAME_TRUNCATED, sizeof(ZEND_MM_OBSERVE_NAME_TRUNCATED) - 1);
	}
	if (callee) {
		f->callee_str = zend_mm_observe_str_function(callee, "");
	}
	f->next = zmp.frame_buckets[b];
	zmp.frame_buckets[b] = i;
	/* Published once complete (zend_mm_observe_ring.h, ordering). */
	zend_mm_observe_ring_publish_path_frames(zmo.hdr, zmp.frame_count);
	return i;
}

/* The innermost caller frame of the allocation happening now (0: none);
 * false when the tables are full. */
static bool zend_mm_observe_path_callers(uint32_t *frame)
{
	const zend_execute_data *ex = EG(current_execute_data);
	const zend_function *callee = NULL;
	uint32_t n = 0, max = zmp.cfg.max_depth - 1, walked = 0;
	bool truncated = false;

	*frame = 0;
	if (UNEXPECTED(++zmp.stamp == 0)) {
		memset(zmp.seen, 0, sizeof(*zmp.seen) * ZEND_MM_OBSERVE_PATH_SEEN);
		zmp.stamp = 1;
	}
	/* The site's own frame: the innermost user frame with code. */
	while (ex && !(ex->func && ZEND_USER_CODE(ex->func->type) && ex->func->op_array.last)) {
		ex = ex->prev_execute_data;
	}
	if (!ex) {
		return true;
	}
	/* Its callers, innermost first.  While the engine compiles, the site is
	 * the file being compiled and that frame (its include or eval line) is
	 * the first caller. */
	for (ex = CG(in_compilation) ? ex : ex->prev_execute_data; ex; ex = ex->prev_execute_data) {
		const zend_function *func = ex->func;
		if (!func) {
			continue;
		}
		if (!ZEND_USER_CODE(func->type)) {
			callee = callee ? callee : func;
			continue;
		}
		if (!func->op_array.last) {
			continue;
		}
		if (UNEXPECTED(++walked > ZEND_MM_OBSERVE_PATH_WALK_MAX)) {
			truncated = true;
			break;
		}
		/* Recursion folding: a caller already on the path (the same
		 * function calling from the same opline, inside the same callee)
		 * is kept once, at its innermost place; the frames walked since,
		 * one turn of the recursion, are dropped. */
		uint32_t slot = (uint32_t) ((((uintptr_t) func >> 4) ^ ((uintptr_t) ex->opline >> 3) ^ ((uintptr_t) callee >> 5))
			* 0x9E3779B1u >> 16) & (ZEND_MM_OBSERVE_PATH_SEEN - 1);
		bool again = false;
		for (; zmp.seen[slot].stamp == zmp.stamp; slot = (slot + 1) & (ZEND_MM_OBSERVE_PATH_SEEN - 1)) {
			if (zmp.seen[slot].func == func && zmp.seen[slot].opline == ex->opline && zmp.seen[slot].callee == callee) {
				uint32_t pos = zmp.seen[slot].pos;
				/* A slot of a frame dropped since may name a place another frame took. */
				again = pos < n && zmp.chain[pos].ex->func == func && zmp.chain[pos].ex->opline == ex->opline
					&& zmp.chain[pos].callee == callee;
				if (again) {
					n = pos + 1;
				}
				break;
			}
		}
		if (again) {
			callee = NULL;
			continue;
		}
		if (n == max) {
			truncated = true;
			break;
		}
		zmp.seen[slot].stamp = zmp.stamp;
		zmp.seen[slot].pos = n;
		zmp.seen[slot].func = func;
		zmp.seen[slot].opline = ex->opline;
		zmp.seen[slot].callee = callee;
		zmp.chain[n].ex = ex;
		zmp.chain[n].callee = callee;
		n++;
		callee = NULL;
	}

	/* From the root: the levels shared with the last walk (the same
	 * execute_data, function, opline and callee) keep their frames; the
	 * others are looked up.  A truncated path is not remembered. */
	uint32_t parent = 0, k = 0;
	if (truncated) {
		zmp.run->paths_truncated++;
		zmp.level_count = 0;
		if (!(parent = zend_mm_observe_path_frame_find(0, NULL, NULL, NULL))) {
			return false;
		}
	} else {
		for (; k < n && k < zmp.level_count; k++) {
			const zend_execute_data *c = zmp.chain[n - 1 - k].ex;
			if (zmp.levels[k].ex != c || zmp.levels[k].func != c->func || zmp.levels[k].opline != c->opline
					|| zmp.levels[k].callee != zmp.chain[n - 1 - k].callee) {
				break;
			}
			parent = zmp.levels[k].frame;
		}
	}
	for (; k < n; k++) {
		const zend_execute_data *call = zmp.chain[n - 1 - k].ex;
		const zend_op_array *op_array = &call->func->op_array;
		const zend_op *opline = call->opline;
		if (!opline || opline < op_array->opcodes || opline >= op_array->opcodes + op_array->last) {
			opline = op_array->opcodes;
		}
		if (!(parent = zend_mm_observe_path_frame_find(parent, call->func, opline, zmp.chain[n - 1 - k].callee))) {
			zmp.level_count = truncated ? 0 : MIN(k, ZEND_MM_OBSERVE_PATH_CACHE);
			return false;
		}
		if (!truncated && k < ZEND_MM_OBSERVE_PATH_CACHE) {
			zmp.levels[k].ex = call;
			zmp.levels[k].func = call->func;
			zmp.levels[k].opline = call->opline;
			zmp.levels[k].callee = zmp.chain[n - 1 - k].callee;
			zmp.levels[k].frame = parent;
		}
	}
	if (!truncated) {
		zmp.level_count = MIN(n, ZEND_MM_OBSERVE_PATH_CACHE);
	}
	*frame = parent;
	return true;
}

static zend_always_inline void zend_mm_observe_path_peak_sync(zend_mm_observe_path *path)
{
	if (path->peak_epoch != zmo.peak_epoch) {
		path->peak_live_bytes = path->live_bytes;
		path->peak_epoch = zmo.peak_epoch;
	}
}

static uint32_t zend_mm_observe_path_new(uint32_t b, uint32_t frame, uint32_t site);

/* A sample fell in a block of `usable` bytes that site `site` allocates:
 * the index of its path, with the block counted; 0 when it cannot be kept. */
static ZEND_COLD zend_never_inline uint32_t zend_mm_observe_path_sample(uint32_t site, size_t usable)
{
	uint32_t frame;

	zmp.countdown = zend_mm_observe_path_distance();
	if (UNEXPECTED(++zmp.run->path_samples % ZEND_MM_OBSERVE_HEARTBEAT_SAMPLES == 0)) {
		zend_mm_observe_heartbeat();
	}
	if (UNEXPECTED(!zmp.frame_buckets)) {
		zmp.frame_buckets = calloc(ZEND_MM_OBSERVE_PATH_BUCKETS, sizeof(uint32_t));
		zmp.path_buckets = calloc(ZEND_MM_OBSERVE_PATH_BUCKETS, sizeof(uint32_t));
		zmp.chain = malloc(sizeof(*zmp.chain) * ZEND_MM_OBSERVE_PATH_DEPTH_MAX);
		zmp.levels = malloc(sizeof(*zmp.levels) * ZEND_MM_OBSERVE_PATH_CACHE);
		zmp.seen = calloc(ZEND_MM_OBSERVE_PATH_SEEN, sizeof(*zmp.seen));
		if (!zmp.frame_buckets || !zmp.path_buckets || !zmp.chain || !zmp.levels || !zmp.seen) {
			free(zmp.frame_buckets);
			free(zmp.path_buckets);
			free(zmp.chain);
			free(zmp.levels);
			free(zmp.seen);
			zmp.frame_buckets = zmp.path_buckets = NULL;
			zmp.chain = NULL;
			zmp.levels = NULL;
			zmp.seen = NULL;
			zmp.run->paths_dropped++;
			return 0;
		}
	}
	if (!zend_mm_observe_path_callers(&frame)) {
		zmp.run->paths_dropped++;
		return 0;
	}

	uint32_t i;
	if (zmp.cache_path && zmp.cache_site == site && zmp.paths[zmp.cache_path].frame == frame) {
		i = zmp.cache_path;
	} else {
		uint32_t b = zend_mm_observe_path_hash(frame, site, 0);
		for (i = zmp.path_buckets[b]; i; i = zmp.paths[i].next) {
			if (zmp.paths[i].frame == frame && zmp.paths[i].site == site) {
				break;
			}
		}
		if (!i) {
			i = zend_mm_observe_path_new(b, frame, site);
			if (!i) {
				zmp.run->paths_dropped++;
				return 0;
			}
		}
		zmp.cache_path = i;
		zmp.cache_site = site;
	}

	zend_mm_observe_path *path = &zmp.paths[i];
	double w = zend_mm_observe_path_weight(usable);
	zend_mm_observe_path_peak_sync(path);
	path->samples++;
	path->alloc_count += w;
	path->alloc_bytes += w * (double) usable;
	path->live_count += w;
	path->live_bytes += w * (double) usable;
	return i;
}

/* A new path (frame, site) in bucket `b`; 0 when the region is full. */
static uint32_t zend_mm_observe_path_new(uint32_t b, uint32_t frame, uint32_t site)
{
	if (!zend_mm_observe_path_room(zend_mm_observe_ring_path_table(zmo.hdr), zmp.path_count, zmo.hdr->path_capacity, sizeof(*zmp.paths))) {
		return 0;
	}
	uint32_t i = zmp.path_count++;
	memset(&zmp.paths[i], 0, sizeof(zmp.paths[i]));
	zmp.paths[i].frame = frame;
	zmp.paths[i].site = site;
	zmp.paths[i].peak_epoch = zmo.peak_epoch;
	zmp.paths[i].next = zmp.path_buckets[b];
	zmp.path_buckets[b] = i;
	/* Published once complete (zend_mm_observe_ring.h, ordering). */
	zend_mm_observe_ring_publish_paths(zmo.hdr, zmp.path_count);
	return i;
}

/* A sampled block of path `p` and `usable` bytes is freed (or was never
 * recorded): it leaves its path's live figures.  Its site, for the rest
 * of the free; 0 when `p` is no path of this request. */
static ZEND_COLD zend_never_inline uint32_t zend_mm_observe_path_free(uint32_t p, size_t usable)
{
	if (UNEXPECTED(p == 0 || p >= zmp.path_count)) {
		return 0;
	}
	zend_mm_observe_path *path = &zmp.paths[p];
	double w = zend_mm_observe_path_weight(usable);
	zend_mm_observe_path_peak_sync(path);
	path->live_count -= w;
	path->live_bytes -= w * (double) usable;
	return path->site;
}

/* ---- accounting ---------------------------------------------------------- */

/* The peak, lazily.  When `usage` sets a new peak we do not copy every
 * site's live_bytes (O(sites) per new peak); we bump peak_epoch.  A site
 * whose peak_epoch is older than the current one has not changed since the
 * last peak, so its live_bytes *is* its value at that peak: it is copied the
 * next time the site changes (before the change), and for all sites once at
 * request end.  O(1) per allocation, exact. */
static zend_always_inline void zend_mm_observe_peak_sync(zend_mm_observe_site *site)
{
	if (site->peak_epoch != zmo.peak_epoch) {
		site->peak_live_bytes = site->live_bytes;
		site->peak_epoch = zmo.peak_epoch;
	}
}

/* Bytes allocated this request. */
static uint64_t zend_mm_observe_allocated(void)
{
	return zmo.allocated + (uint64_t) (zmo.sample_left_set - zmo.sample_left);
}

/* Bytes until the timeline's first point, or its next one: at most INT64_MAX
 * (0: no timeline). */
static void zend_mm_observe_sample_arm(void)
{
	uint64_t every = zmo.hdr->sample_bytes;

	zmo.sample_left = zmo.sample_left_set = every && every < INT64_MAX ? (int64_t) every : INT64_MAX;
}

/* A point of the memory timeline, every zend.mm_observe_sample_bytes
 * allocated (zend_mm_observe_format.h, EVENT_SAMPLE). */
static ZEND_COLD zend_never_inline void zend_mm_observe_take_sample(uint32_t site)
{
	zend_mm_observe_sample s;

	s.seq = ++zmo.samples;
	s.t_ns = zend_hrtime() - zmo.started_hr;
	s.usage = (uint64_t) zmo.usage;
	s.peak = (uint64_t) zmo.peak;
	s.allocated = zmo.allocated = zend_mm_observe_allocated();
	s.site = site;
	s.reserved = 0;
	zmo.hdr->allocated = zmo.allocated;
	zend_mm_observe_heartbeat();
	zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_SAMPLE, &s, sizeof(s), NULL, 0);
	zend_mm_observe_sample_arm();
}

/* The counters of an allocation of `usable` bytes at `site` (and at its
 * sampled path, if any).  True when the memory timeline is due a point
 * (zend_mm_observe_take_sample()). */
static zend_always_inline bool zend_mm_observe_count_alloc(zend_mm_observe_site *site, zend_mm_observe_path *path, size_t usable)
{
	zend_mm_observe_peak_sync(site);
	site->alloc_count++;
	site->alloc_bytes += usable;
	if (UNEXPECTED(zend_gc_observe_in_pass)) {
		site->gc_alloc_count++;
		site->gc_alloc_bytes += usable;
	}
	site->live_count++;
	site->live_bytes += usable;
	zmo.usage += usable;
	if (zmo.usage > zmo.peak) {
		zmo.peak = zmo.usage;
		zmo.peak_epoch++;
		site->peak_live_bytes = site->live_bytes;
		site->peak_epoch = zmo.peak_epoch;
		if (path) {
			path->peak_live_bytes = path->live_bytes;
			path->peak_epoch = zmo.peak_epoch;
		}
	}
	return (zmo.sample_left -= (int64_t) usable) <= 0;
}

/* The counters of a free of `usable` bytes allocated at `site`. */
static zend_always_inline void zend_mm_observe_count_free(zend_mm_observe_site *site, size_t usable)
{
	zend_mm_observe_peak_sync(site);
	site->free_count++;
	site->free_bytes += usable;
	if (UNEXPECTED(zend_gc_observe_in_pass)) {
		site->gc_free_count++;
		site->gc_free_bytes += usable;
	}
	site->live_count--;
	site->live_bytes -= usable;
	zmo.usage -= usable;
}

/* Returns the block's path when its call path was sampled, else NULL.
 * `code` is the block map's code for `usable` (zend_mm_observe_blocks_code()),
 * which the caller may know already. */
static zend_always_inline zend_mm_observe_path *zend_mm_observe_account_alloc_code(uint32_t idx, void *ptr, size_t usable, uint32_t code)
{
	zend_mm_observe_site *site = &zmo.sites[idx];
	zend_mm_observe_path *path = NULL;
	uint32_t owner = idx;

	/* A point of the Poisson process over allocated bytes fell inside this
	 * block: record its call path (rare; every block with a mean of 0).
	 * The block map then knows the block by its path (which names its
	 * site). */
	if (UNEXPECTED((zmp.countdown -= (int64_t) usable) < 0)) {
		uint32_t p = zend_mm_observe_path_sample(idx, usable);
		if (p) {
			path = &zmp.paths[p];
			owner = p | ZEND_MM_OBSERVE_BLOCK_SAMPLED;
		}
	}
	if (UNEXPECTED(!zend_mm_observe_blocks_set_code(ptr, owner, usable, code))) {
		/* Its free will read as {unobserved}: counted, not silent. */
		zmo.hdr->run.blocks_untracked++;
		if (path) {
			zend_mm_observe_path_free((uint32_t) (path - zmp.paths), usable);
			path = NULL;
		}
	}
	if (UNEXPECTED(zend_mm_observe_count_alloc(site, path, usable))) {
		zend_mm_observe_take_sample(idx);
	}
	return path;
}

static zend_always_inline zend_mm_observe_path *zend_mm_observe_account_alloc(uint32_t idx, void *ptr, size_t usable)
{
	return zend_mm_observe_account_alloc_code(idx, ptr, usable, zend_mm_observe_blocks_code(usable));
}

/* Credits the free of the block at `ptr` to the site that allocated it.
 * `usable` is its size when the caller knows it, else 0.  Returns the size
 * it credited.  *code becomes the block's code when the block map recorded
 * it in a page of small blocks (zend_mm_observe_blocks_take_code()). */
static zend_always_inline void zend_mm_observe_credit_free(uint32_t idx, size_t usable)
{
	if (UNEXPECTED(idx & ZEND_MM_OBSERVE_BLOCK_SAMPLED)) {
		idx = zend_mm_observe_path_free(idx & ~ZEND_MM_OBSERVE_BLOCK_SAMPLED, usable);
	}
	zend_mm_observe_count_free(&zmo.sites[idx ? idx : ZEND_MM_OBSERVE_IDX_UNOBSERVED], usable);
}

static zend_always_inline size_t zend_mm_observe_account_free_code(void *ptr, size_t usable, uint32_t *code)
{
	size_t mapped = 0;
	uint32_t idx = zend_mm_observe_blocks_take_code(ptr, &mapped, code);

	if (!usable) {
		/* The map knows small, huge and custom-heap blocks; ask ZendMM for
		 * large ones (the block is still allocated: hooks run before the free). */
		usable = mapped ? mapped : zend_mm_observe_block_size(ptr);
	}
	zend_mm_observe_credit_free(idx, usable);
	return usable;
}


/* ---- slow paths of the hooks -------------------------------------------- */

/* ZendMM tracks each huge block with a list node it allocates from its own
 * small bins (zend_mm_huge_list: three pointers), and memory_get_usage()
 * counts it.  We bill the node to the huge block's site. */
#define ZEND_MM_OBSERVE_HUGE_NODE ZEND_MM_ALIGNED_SIZE_EX(3 * sizeof(void *), 8)

/* True once zend_mm_observe_calibrate() found ZendMM's sizes to be what
 * zend_mm_observe_small_fit() and page rounding predict. */
static bool zend_mm_observe_sizes_known = false;

static bool zend_mm_observe_calibrated = false;

ZEND_API void zend_mm_observe_calibrate(void)
{
	bool ok = is_zend_mm();

	zend_mm_observe_calibrated = true;
	zend_mm_observe_bins_init();
	for (size_t size = 0; ok && size <= ZEND_MM_MAX_SMALL_SIZE + 2 * ZEND_MM_PAGE_SIZE; size += (size < 64 ? 1 : 7)) {
		void *p = emalloc(size);
		size_t want = size <= ZEND_MM_MAX_SMALL_SIZE ? zend_mm_observe_small_fit(size) : ZEND_MM_ALIGNED_SIZE_EX(size, ZEND_MM_PAGE_SIZE);
		ok = zend_mem_block_size(p) == want;
		efree(p);
	}
	zend_mm_observe_sizes_known = ok;
}

/* What ZendMM's usage grew by for the block just allocated at `ptr`
 * (`size` requested).  `fresh`: false for a realloc, whose block may
 * stay in a larger bin than the request needs. */
static zend_always_inline size_t zend_mm_observe_usable(void *ptr, size_t size, bool fresh)
{
	if (EXPECTED(fresh && size <= ZEND_MM_MAX_SMALL_SIZE && zmo.sizes_predicted)) {
		return zend_mm_observe_small_fit(size);
	}
	if (UNEXPECTED(!zmo.heap_is_zend_mm)) {
		return size;
	}
	if (fresh && size <= ZEND_MM_MAX_LARGE_SIZE && zend_mm_observe_sizes_known) {
		return ZEND_MM_ALIGNED_SIZE_EX(size, ZEND_MM_PAGE_SIZE);
	}
	size_t usable = zend_mem_block_size(ptr);
	if (UNEXPECTED(((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) == 0)) {
		usable += ZEND_MM_OBSERVE_HUGE_NODE;
	}
	return usable;
}

#if ZEND_DEBUG
/* Checker for ZEND_ASSERT: our mirror of heap->size is exact. */
static bool zend_mm_observe_usage_is_exact(void)
{
	return !zmo.heap_is_zend_mm || (int64_t) zend_memory_usage(false) == zmo.usage;
}
#endif

ZEND_API ZEND_COLD size_t zend_mm_observe_block_size(void *ptr)
{
	/* Huge blocks and custom-heap blocks: the block map knows the size. */
	if (!ptr || !zmo.heap_is_zend_mm || ((uintptr_t) ptr & (ZEND_MM_CHUNK_SIZE - 1)) == 0) {
		return 0;
	}
	return zend_mem_block_size(ptr);
}

/* The accounting of an observed allocation, free and realloc: inlined
 * into the observing heap's handlers (below), whose cost is the
 * observer's cost. */
static zend_always_inline void zend_mm_observe_alloc_observed(void *ptr, size_t size)
{
	zend_mm_observe_account_alloc(zend_mm_observe_current_site(), ptr, zend_mm_observe_usable(ptr, size, true));
#if ZEND_DEBUG
	ZEND_ASSERT(zend_mm_observe_usage_is_exact());
#endif
}

/* A realloc of `old_ptr` (NULL: none), whose owner and size were read
 * before ZendMM ran (zend_mm_observe_blocks_peek()), to `new_ptr`. */
static void zend_mm_observe_realloc_observed(void *old_ptr, uint32_t old_owner, size_t old_size, void *new_ptr, size_t size)
{
	size_t usable;
	uint32_t idx = zend_mm_observe_current_site();

	if (EXPECTED(zmo.sizes_predicted && size <= ZEND_MM_MAX_SMALL_SIZE && old_ptr
			&& old_size && old_size <= ZEND_MM_MAX_SMALL_SIZE)) {
		/* A small block that ZendMM keeps in place keeps its bin (it
		 * fits); any other small result is a new block of the bin that
		 * fits (zend_mm_realloc_heap). */
		usable = new_ptr == old_ptr ? old_size : zend_mm_observe_small_fit(size);
	} else {
		usable = zend_mm_observe_usable(new_ptr, size, !old_ptr);
	}

	/* Mirror ZendMM's peak accounting so the sums reconcile exactly: a
	 * realloc that moves a small block into a smaller bin allocates, copies
	 * and frees, and its peak sees both blocks; every other moving realloc
	 * restores the peak from before the copy (zend_mm_realloc_slow and the
	 * growing small path).  So: allocate first in the first case, free first
	 * otherwise. */
	bool both_counted = old_ptr && new_ptr != old_ptr && zmo.heap_is_zend_mm
		&& old_size <= ZEND_MM_MAX_SMALL_SIZE && usable < old_size;
	zend_mm_observe_path *path;
	size_t freed = 0;

	if (both_counted) {
		path = zend_mm_observe_account_alloc(idx, new_ptr, usable);
		zend_mm_observe_credit_free(old_owner, old_size);
		freed = old_size;
	} else {
		if (old_ptr) {
			zend_mm_observe_credit_free(old_owner, old_size);
			freed = old_size;
		}
		path = zend_mm_observe_account_alloc(idx, new_ptr, usable);
	}

	/* What the realloc added: a string appended to in place grows by its
	 * growth, not by its whole size again. */
	size_t growth = usable > freed ? usable - freed : 0;
	zend_mm_observe_site *site = &zmo.sites[idx];
	site->realloc_count++;
	site->realloc_bytes += usable;
	site->realloc_growth_bytes += growth;
	if (UNEXPECTED(path)) {
		double w = zend_mm_observe_path_weight(usable);
		path->realloc_bytes += w * (double) usable;
		path->realloc_growth_bytes += w * (double) growth;
	}
#if ZEND_DEBUG
	ZEND_ASSERT(zend_mm_observe_usage_is_exact());
#endif
}

/* ---- the observing heap --------------------------------------------------

   While a request is observed, AG(mm_heap) has these custom handlers
   (zend_mm_set_custom_handlers_ex()).  Every allocation entry point of
   zend_alloc.c already branches on the custom heap, so they are reached
   with no hook in ZendMM's fast paths: off, the allocator is upstream's.
   They pass each block to the heap they stand in for (ZendMM's small
   paths entered with the bin already known, through the two entry points
   patches/0002 adds, its public _zend_mm_alloc/_free/_realloc for other
   blocks, or the handlers installed before: USE_ZEND_ALLOC=0, tracked
   allocation), then account for it.
   zend_alloc.c's questions about the custom kind (ZEND_MM_CUSTOM_KIND)
   are answered for the heap stood in for. */

static struct {
	zend_mm_heap *heap;                  /* the observed heap; NULL: none */
	int kind;                            /* its custom kind before (0: ZendMM) */
	bool bins;                           /* ZendMM, whose bins zend_mm_observe_small_fit() knows */
	bool fast;                           /* bins, and a request observed: the small fast paths */
	void *(*malloc)(size_t ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC);
	void (*free)(void * ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC);
	void *(*realloc)(void *, size_t ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC);
	size_t (*gc)(void);
	void (*shutdown)(bool, bool);
} zmh;

#if !ZEND_DEBUG
/* The fast paths of a small block: each checks that every step of its
 * accounting is the common one (a site in the lookup cache, no call path
 * due, a page already sliced for the block's bin, a block recorded this
 * request and not sampled) and changes nothing until all hold; otherwise
 * the whole accounting goes to the full path (out of line: the functions
 * above), so the two cannot disagree.  They call nothing but ZendMM, last,
 * so they save no registers; the handlers inline them. */

static ZEND_COLD zend_never_inline void *zend_mm_observe_sample_then(void *ptr, uint32_t idx)
{
	zend_mm_observe_take_sample(idx);
	return ptr;
}

static zend_never_inline void *zend_mm_observe_alloc_small_full(void *ptr, uint32_t bin)
{
	zend_mm_observe_account_alloc_code(zend_mm_observe_current_site(), ptr, zend_mm_observe_bin_size[bin], bin + 1);
	return ptr;
}

/* The same, for a block whose site the fast path found (a call path due, or
 * a page to slice). */
static zend_never_inline void *zend_mm_observe_alloc_small_at(void *ptr, uint32_t bin, uint32_t idx)
{
	zend_mm_observe_account_alloc_code(idx, ptr, zend_mm_observe_bin_size[bin], bin + 1);
	return ptr;
}

static zend_always_inline void *zend_mm_observe_alloc_small_observed(void *ptr, uint32_t bin)
{
	const zend_function *callee;
	const zend_execute_data *ex = zend_mm_observe_user_frame(&callee);

	if (EXPECTED(ex) && EXPECTED(!CG(in_compilation))) {
#ifdef ZEND_MM_OBSERVE_TRACE_CHECK
		zend_mm_observe_trace_compare(ex, ex->opline);
#endif
		const struct zend_mm_observe_recent_entry *hit = zend_mm_observe_recent_hit(ex->opline, callee);
		if (EXPECTED(hit)) {
			uint32_t idx = hit->site;
			size_t usable = zend_mm_observe_bin_size[bin];
			/* (a small block: in a chunk of ZendMM's, never at its start) */
			uint32_t *shadow = *(uint32_t *const *) (((uintptr_t) ptr & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1)) + ZEND_MM_OBSERVE_CHUNK_WORD);
			if (EXPECTED(zmp.countdown >= (int64_t) usable) && EXPECTED(shadow)) {
				uint64_t page = zend_mm_observe_blocks_page(shadow, ptr);
				if (EXPECTED((page & ZEND_MM_OBSERVE_PAGE_CODE_MASK) == bin + 1)) {
					zmp.countdown -= (int64_t) usable;
					*zend_mm_observe_blocks_slot(shadow, ptr, page) = idx | zend_mm_observe_blocks_state.gen_bits;
					if (UNEXPECTED(zend_mm_observe_count_alloc(&zmo.sites[idx], NULL, usable))) {
						return zend_mm_observe_sample_then(ptr, idx);
					}
					return ptr;
				}
			}
			return zend_mm_observe_alloc_small_at(ptr, bin, idx);
		}
	}
	return zend_mm_observe_alloc_small_full(ptr, bin);
}

/* A small block whose call path was sampled, found by the free's fast
 * path: its entry `slot` of this request holds `owner` (a path, flagged). */
static zend_never_inline void zend_mm_observe_free_small_sampled(void *ptr, uint32_t *slot, uint32_t owner, uint32_t code)
{
	*slot = 0;
	zend_mm_observe_credit_free(owner, zend_mm_observe_bin_size[code - 1]);
	zend_mm_observe_zend_free_small(zmh.heap, ptr, code - 1);
}

static zend_never_inline void zend_mm_observe_free_full(void *ptr)
{
	uint32_t code = 0;

	if (!ptr) {
		return;
	}
	zend_mm_observe_account_free_code(ptr, 0, &code);
	/* Recorded in a page of small blocks (only ZendMM's pages have codes):
	 * the page's bin is the block's. */
	if (EXPECTED(code - 1 < ZEND_MM_OBSERVE_CODE_LARGE - 1)) {
		zend_mm_observe_zend_free_small(zmh.heap, ptr, code - 1);
	} else if (UNEXPECTED(zmh.kind)) {
		zmh.free(ptr ZEND_FILE_LINE_CC ZEND_FILE_LINE_EMPTY_CC);
	} else {
		_zend_mm_free(zmh.heap, ptr ZEND_FILE_LINE_CC ZEND_FILE_LINE_EMPTY_CC);
	}
}
#endif

/* Any block the small path below does not take: large and huge ones, and
 * every block under another heap (USE_ZEND_ALLOC=0, tracked allocation).
 * Out of line, so the small path saves no registers for it. */
static zend_never_inline void *zend_mm_observe_heap_malloc_other(size_t size ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC)
{
	void *ptr = UNEXPECTED(zmh.kind) ? zmh.malloc(size ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC)
		: _zend_mm_alloc(zmh.heap, size ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
	if (EXPECTED(zend_mm_observe_active)) {
		zend_mm_observe_alloc_observed(ptr, size);
	}
	return ptr;
}

/* While attached, a request is observed (zend_mm_observe_active) except
 * after zend_mm_observe_abandon() and once the request has ended. */
ZEND_API void *zend_mm_observe_heap_malloc(size_t size ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC)
{
#if !ZEND_DEBUG
	/* A small block: its bin is known here (ZendMM's own bins, checked by
	 * zend_mm_observe_calibrate()), so ZendMM's small path is entered
	 * with it and the block map is given its code. */
	if (EXPECTED(size <= ZEND_MM_MAX_SMALL_SIZE) && EXPECTED(zmh.fast)) {
		uint32_t bin = zend_mm_observe_fit_bin[(size + 7) >> 3];
		return zend_mm_observe_alloc_small_observed(zend_mm_observe_zend_alloc_small(zmh.heap, bin), bin);
	}
#endif
	return zend_mm_observe_heap_malloc_other(size ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
}

/* A free the small fast path does not take: no request observed, another
 * heap (USE_ZEND_ALLOC=0, tracked allocation), a debug build.  Out of line,
 * so the fast path saves no registers for it. */
static zend_never_inline void zend_mm_observe_heap_free_other(void *ptr ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC)
{
	if (EXPECTED(zend_mm_observe_active) && EXPECTED(ptr)) {
		uint32_t code;
		zend_mm_observe_account_free_code(ptr, 0, &code);
	}
	if (UNEXPECTED(zmh.kind)) {
		zmh.free(ptr ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
	} else {
		_zend_mm_free(zmh.heap, ptr ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
	}
}

static void zend_mm_observe_heap_free(void *ptr ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC)
{
#if !ZEND_DEBUG
	if (EXPECTED(zmh.fast)) {
		/* A small block recorded this request, not sampled (the fast path
		 * of zend_mm_observe_blocks_take_code() and _account_free()).
		 * NULL and huge blocks are chunk-aligned. */
		uintptr_t offset = (uintptr_t) ptr & ((uintptr_t) ZEND_MM_CHUNK_SIZE - 1);
		if (EXPECTED(offset != 0)) {
			uint32_t *shadow = *(uint32_t *const *) ((char *) ptr - offset + ZEND_MM_OBSERVE_CHUNK_WORD);
			if (EXPECTED(shadow)) {
				uint64_t page = zend_mm_observe_blocks_page(shadow, ptr);
				uint32_t code = page & ZEND_MM_OBSERVE_PAGE_CODE_MASK;
				if (EXPECTED(code - 1 < ZEND_MM_OBSERVE_CODE_LARGE - 1)) {
					uint32_t *slot = zend_mm_observe_blocks_slot(shadow, ptr, page);
					uint32_t idx = *slot ^ zend_mm_observe_blocks_state.gen_bits;
					if (EXPECTED(!(idx & ((ZEND_MM_OBSERVE_GEN_MASK << ZEND_MM_OBSERVE_GEN_SHIFT) | ZEND_MM_OBSERVE_BLOCK_SAMPLED)))) {
						*slot = 0;
						/* (an owner is never 0: site indexes start at 1) */
						zend_mm_observe_count_free(&zmo.sites[idx], zend_mm_observe_bin_size[code - 1]);
						zend_mm_observe_zend_free_small(zmh.heap, ptr, code - 1);
						return;
					}
					if (!(idx & (ZEND_MM_OBSERVE_GEN_MASK << ZEND_MM_OBSERVE_GEN_SHIFT))) {
						zend_mm_observe_free_small_sampled(ptr, slot, idx, code);
						return;
					}
				}
			}
		}
		zend_mm_observe_free_full(ptr);
		return;
	}
#endif
	zend_mm_observe_heap_free_other(ptr ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
}

static void *zend_mm_observe_heap_realloc(void *ptr, size_t size ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC)
{
	/* The old block's owner and size before ZendMM may free it (and unmap
	 * its chunk): the block map knows a small one's bin; ask ZendMM for
	 * others.  Its entry is cleared once ZendMM is done, so a realloc that
	 * fails (memory_limit) leaves the block recorded, as it is still live. */
	size_t old_size = 0;
	uint32_t old_owner = 0;
	uint32_t *old_slot = NULL;
	bool observed = zend_mm_observe_active;
	if (EXPECTED(observed) && ptr) {
		old_owner = zend_mm_observe_blocks_peek(ptr, &old_size, &old_slot);
		if (!old_size) {
			old_size = zend_mm_observe_block_size(ptr);
		}
	}
	void *new_ptr = zmh.kind ? zmh.realloc(ptr, size ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC)
		: _zend_mm_realloc(zmh.heap, ptr, size ZEND_FILE_LINE_RELAY_CC ZEND_FILE_LINE_ORIG_RELAY_CC);
	if (EXPECTED(observed) && EXPECTED(zend_mm_observe_active)) {
		if (ptr) {
			if (old_slot) {
				*old_slot = 0;
			} else if (!zend_mm_observe_blocks_in_shadow(ptr)) {
				size_t ignored;
				zend_mm_observe_blocks_take(ptr, &ignored);
			}
		}
		zend_mm_observe_realloc_observed(ptr, old_owner, old_size, new_ptr, size);
	}
	return new_ptr;
}

ZEND_API int zend_mm_observe_under_kind(void)
{
	return zmh.kind;
}

ZEND_API zend_mm_observe_malloc_t zend_mm_observe_under_malloc(void)
{
	return zmh.malloc;
}

ZEND_API void zend_mm_observe_heap_attach(void)
{
	zend_mm_heap *heap = zend_mm_get_heap();

	if (zmh.heap) {
		return;
	}
	zend_mm_get_custom_handlers_ex(heap, &zmh.malloc, &zmh.free, &zmh.realloc, &zmh.gc, &zmh.shutdown);
	if (zmh.malloc == zend_mm_observe_heap_malloc) {
		/* An extension saved our handlers and put them back: we are in. */
		return;
	}
	zmh.kind = zend_mm_is_custom_heap(heap) ? ZEND_MM_CUSTOM_HEAP_STD : ZEND_MM_CUSTOM_HEAP_NONE;
	zmh.bins = !zmh.kind && zend_mm_observe_sizes_known;
	zmh.fast = zmh.bins && zend_mm_observe_active;
	zmh.heap = heap;
	zend_mm_set_custom_handlers_ex(heap, zend_mm_observe_heap_malloc, zend_mm_observe_heap_free,
		zend_mm_observe_heap_realloc, zmh.gc, zmh.shutdown);
}

ZEND_API void zend_mm_observe_heap_detach(zend_mm_heap *heap)
{
	if (!zmh.heap || heap != zmh.heap) {
		return;
	}
	if (zmh.kind) {
		zend_mm_set_custom_handlers_ex(heap, zmh.malloc, zmh.free, zmh.realloc, zmh.gc, zmh.shutdown);
	} else {
		zend_mm_set_custom_handlers_ex(heap, NULL, NULL, NULL, NULL, NULL);
	}
	zmh.heap = NULL;
	zmh.kind = 0;
	zmh.bins = false;
	zmh.fast = false;
}

/* ---- engine phases ------------------------------------------------------ */

static void zend_mm_observe_atfork_register(void);

ZEND_API void zend_mm_observe_request_start(void)
{
	if (!zend_mm_observe_enabled || zmo.suppressed) {
		return;
	}
	zend_mm_observe_atfork_register();
	if (UNEXPECTED(!zend_mm_observe_calibrated)) {
		/* Turned on after module startup (php-fpm's php_admin_value). */
		zend_mm_observe_calibrate();
	}
	if (!zmo.hdr || !zend_mm_observe_persistent) {
		if (!zend_mm_observe_table_init()) {
			fprintf(stderr, "Warning: mm_observe: cannot reserve the site table (%s); this request is not observed\n", strerror(errno));
			return;
		}
		zend_mm_observe_table_reset();
	} else {
		zend_mm_observe_ring_next_request();
	}
	if ((uint32_t) ++zmo.seq == 0) {
		/* Once every 2^32 requests: no site may look touched already. */
		for (uint32_t i = 1; i < zmo.count; i++) {
			zmo.sites[i].touched = 0;
		}
		zmo.seq++;
	}
	zmo.touched_len = 0;
	zmo.touched_lost = false;
	zend_mm_observe_recent_clear();
	zmo.compile_file = NULL;
	memset(&zmo.hdr->run, 0, sizeof(zmo.hdr->run));
	zmo.hdr->run.seq = zmo.seq;
	zmo.hdr->worker = zend_mm_observe_persistent;
	zmo.user_code_seen = false;
	zmo.abandoned = false;
	zmo.heap_is_zend_mm = is_zend_mm();
	zmo.sizes_predicted = zmo.heap_is_zend_mm && zend_mm_observe_sizes_known;
	zmo.hdr->run.zend_mm_heap = zmo.heap_is_zend_mm;
	zmo.hdr->run.started_ns = zend_mm_observe_now_ns();
	zmo.started_hr = zend_hrtime();
	zmo.hdr->run.usage_start = zend_memory_usage(false);
	zend_mm_observe_blocks_reset(zmo.heap_is_zend_mm);
	/* What is live already belongs to {unobserved}; its frees are credited
	 * there, so the books balance from the first allocation on. */
	zend_mm_observe_site *before = &zmo.sites[ZEND_MM_OBSERVE_IDX_UNOBSERVED];
	zend_mm_observe_touch(before, ZEND_MM_OBSERVE_IDX_UNOBSERVED);
	before->alloc_bytes = before->live_bytes = (int64_t) zmo.hdr->run.usage_start;
	zmo.usage = zmo.peak = (int64_t) zmo.hdr->run.usage_start;
	zmo.peak_epoch = 1;
	before->peak_live_bytes = before->live_bytes;
	before->peak_epoch = zmo.peak_epoch;
	zmo.hdr->started_ns = zmo.hdr->run.started_ns;
	zmo.hdr->pid = (int32_t) zend_mm_observe_getpid();
	zmo.hdr->writer_state = ZEND_MM_OBSERVE_RING_RECORDING;
	zmo.allocated = 0;
	zmo.samples = 0;
	zend_mm_observe_sample_arm();
	zend_mm_observe_paths_reset();
	zend_gc_observe_request_start();
	zend_mm_observe_active = true;
	/* From here every block passes through the observing heap
	 * (zend_alloc.c); zend_mm_shutdown() restores the heap. */
	zend_mm_observe_heap_attach();
}

ZEND_API const char *zend_mm_observe_opcode_name(const zend_mm_observe_site *site)
{
	if (site->kind == ZEND_MM_OBSERVE_KIND_PSEUDO) {
		return NULL;
	}
	if (site->kind == ZEND_MM_OBSERVE_KIND_COMPILE) {
		return "COMPILE";
	}
	const char *name = zend_get_opcode_name(site->opcode);
	if (!name) {
		return "UNKNOWN";
	}
	return strncmp(name, "ZEND_", sizeof("ZEND_") - 1) == 0 ? name + sizeof("ZEND_") - 1 : name;
}

ZEND_API zend_hrtime_t zend_mm_observe_started_hr(void)
{
	return zmo.started_hr;
}

ZEND_API uint64_t zend_mm_observe_elapsed_ns(void)
{
	return zend_hrtime() - zmo.started_hr;
}

ZEND_API uint32_t zend_mm_observe_site_here(void)
{
	return zend_mm_observe_current_site();
}

/* Called from zend_mm_safe_error() while observing, before the error is
 * raised (and the request bails out).  Nothing here allocates through
 * ZendMM: the heap is at its limit.  Only the request's first memory error
 * is recorded.  The error's own message is upstream's, unchanged: where
 * the report is goes to the error log (ext/mm_observe). */
ZEND_API ZEND_COLD void zend_mm_observe_memory_error(size_t limit, size_t size, bool is_limit)
{
	zend_mm_observe_oom *oom = &zmo.hdr->run.oom;

	if (!oom->happened) {
		oom->happened = true;
		oom->system = !is_limit;
		oom->site = zend_mm_observe_current_site();
		oom->requested = size;
		oom->limit = oom->system ? 0 : limit;   /* "Out of memory" formats carry other figures */
		oom->usage = zend_memory_usage(false);
		oom->at_ns = zend_mm_observe_now_ns();
		/* The top sites by live bytes, by insertion into a short sorted list. */
		oom->top_count = 0;
		for (uint32_t i = 1; i < zmo.count; i++) {
			const zend_mm_observe_site *site = &zmo.sites[i];
			if (site->live_bytes <= 0 || i == ZEND_MM_OBSERVE_IDX_UNOBSERVED) {
				continue;
			}
			uint32_t at = oom->top_count;
			while (at > 0 && oom->top[at - 1].live_bytes < site->live_bytes) {
				at--;
			}
			if (at >= ZEND_MM_OBSERVE_OOM_TOP) {
				continue;
			}
			uint32_t last = oom->top_count < ZEND_MM_OBSERVE_OOM_TOP ? oom->top_count : ZEND_MM_OBSERVE_OOM_TOP - 1;
			memmove(&oom->top[at + 1], &oom->top[at], (last - at) * sizeof(oom->top[0]));
			oom->top[at].site = i;
			oom->top[at].live_bytes = site->live_bytes;
			oom->top[at].live_count = site->live_count;
			if (oom->top_count < ZEND_MM_OBSERVE_OOM_TOP) {
				oom->top_count++;
			}
		}
		zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_OOM, oom, sizeof(*oom), NULL, 0);
	}
}

/* Calls fn for every site this request changed (invariant 7). */
static void zend_mm_observe_each_touched(void (*fn)(zend_mm_observe_site *site))
{
	if (UNEXPECTED(zmo.touched_lost)) {
		for (uint32_t i = 1; i < zmo.count; i++) {
			if (zmo.sites[i].touched == (uint32_t) zmo.seq) {
				fn(&zmo.sites[i]);
			}
		}
		return;
	}
	for (uint32_t k = 0; k < zmo.touched_len; k++) {
		fn(&zmo.sites[zmo.touched[k]]);
	}
}

static void zend_mm_observe_site_finish(zend_mm_observe_site *site)
{
	zend_mm_observe_peak_sync(site);
	if (site != &zmo.sites[ZEND_MM_OBSERVE_IDX_UNOBSERVED]) {
		zmo.hdr->run.alloc_count += site->alloc_count;
		zmo.hdr->run.alloc_bytes += site->alloc_bytes;
		zmo.hdr->run.end_live_bytes += site->end_live_bytes;
	}
}

static void zend_mm_observe_site_end(zend_mm_observe_site *site)
{
	site->end_live_count = site->live_count;
	site->end_live_bytes = site->live_bytes;
}

ZEND_API void zend_mm_observe_script_end(void)
{
	zend_mm_observe_each_touched(zend_mm_observe_site_end);
	for (uint32_t i = 1; i < zmp.path_count; i++) {
		zmp.paths[i].end_live_count = zmp.paths[i].live_count;
		zmp.paths[i].end_live_bytes = zmp.paths[i].live_bytes;
	}
	zmo.hdr->run.script_ended = true;
}

/* Unlinks a site from its bucket chain and makes its key unmatchable; its
 * counters stay and are exported.  Blocks it owns still credit it.  It goes
 * into the retired map, to be revived by the next site of the same identity
 * (invariant 6).  Called only from zend_mm_observe_op_array_dtor_slow(),
 * which has already taken the op_array's list. */
static void zend_mm_observe_site_retire(uint32_t idx)
{
	zend_mm_observe_site *site = &zmo.sites[idx];
	uint32_t *link = &zmo.buckets[zend_mm_observe_bucket(site->key_opline, site->key_callee, site->key_file)];
	/* A callee key that is neither NULL nor the compile sentinel is an
	 * internal function: the site has a callee name. */
	bool has_callee = site->key_callee && site->key_callee != ZEND_MM_OBSERVE_COMPILE_KEY;

	while (*link && *link != idx) {
		link = &zmo.sites[*link].next;
	}
	if (*link == idx) {
		*link = site->next;
	}
	/* Its lookup-cache entry, under the callee the frame walk found: its
	 * own, or none for a frameless call. */
	for (int i = 0; i < 2; i++) {
		uint32_t slot = zend_mm_observe_recent_slot(site->key_opline, i ? NULL : site->key_callee);
		if (zmo.recent[slot].site == idx) {
			zmo.recent[slot].opline = NULL;
			zmo.recent[slot].callee = ZEND_MM_OBSERVE_RECENT_EMPTY;
		}
	}
	site->next = 0;
	site->key_opline = NULL;
	site->key_callee = NULL;
	site->key_file = NULL;
	site->flags |= ZEND_MM_OBSERVE_SITE_RETIRED;
	site->op_key = NULL;
	site->next_in_op = 0;
	if (zend_mm_observe_identity_complete(site, has_callee)) {
		zend_mm_observe_retired_put(idx);
	}
}

ZEND_API void zend_mm_observe_op_array_dtor_slow(const zend_op_array *op_array)
{
	zend_mm_observe_ptrmap_entry head;

	/* Code at these addresses may be replaced by other code: the walk
	 * remembered for call paths may name it. */
	zmp.level_count = 0;
	if (!op_array->opcodes || !zend_mm_observe_ptrmap_take(&zmo.op_sites, (uintptr_t) op_array->opcodes, &head)) {
		return;
	}
	for (uint32_t idx = head.site; idx; ) {
		uint32_t next = zmo.sites[idx].next_in_op;
		zend_mm_observe_site_retire(idx);
		idx = next;
	}
}

ZEND_API void zend_mm_observe_abandon(void)
{
	zend_mm_observe_active = false;
	zmh.fast = false;
	zmo.abandoned = true;
}

static pid_t zend_mm_observe_pid;

/* The child of a fork: its own pid, and never its parent's ring file. */
static void zend_mm_observe_atfork_child(void)
{
	zend_mm_observe_pid = 0;
	if (!zend_mm_observe_ring_fork_child()) {
		zend_mm_observe_abandon();
	}
}

/* Registered before the first request is observed, so before any ring
 * file exists (the exporter attaches it later in the request). */
static void zend_mm_observe_atfork_register(void)
{
	static bool registered;
	if (!registered) {
		pthread_atfork(NULL, NULL, zend_mm_observe_atfork_child);
		registered = true;
	}
}

ZEND_API pid_t zend_mm_observe_getpid(void)
{
	if (UNEXPECTED(!zend_mm_observe_pid)) {
		zend_mm_observe_atfork_register();
		zend_mm_observe_pid = getpid();
	}
	return zend_mm_observe_pid;
}

ZEND_API void zend_mm_observe_set_log_file(const char *path)
{
	/* The SAPI may free its configuration afterwards (php-fpm's children do). */
	char *copy = path ? strdup(path) : NULL;
	free((char *) zend_mm_observe_log_file);
	zend_mm_observe_log_file = copy;
}

ZEND_API void zend_mm_observe_suppress(void)
{
	zmo.suppressed = true;
}

/* Worker mode: the counters of a site back to zero for the next request
 * (its key, strings and links stay). */
static void zend_mm_observe_site_zero(zend_mm_observe_site *site)
{
	memset(&site->alloc_count, 0, sizeof(*site) - offsetof(zend_mm_observe_site, alloc_count));
}

/* Worker mode, the request is over (exported or not): nothing of it stays
 * in the site table, and its records that nobody took stay out of the
 * ring. */
static void zend_mm_observe_request_clear(void)
{
	zend_mm_observe_each_touched(zend_mm_observe_site_zero);
	zmo.touched_len = 0;
	zend_mm_observe_ring_idle();
}

ZEND_API void zend_mm_observe_request_end(void)
{
	zend_mm_observe_active = false;
	zmh.fast = false;
#ifdef ZEND_MM_OBSERVE_TRACE_CHECK
	zend_mm_observe_trace_report();
#endif
	if (!zend_mm_observe_persistent) {
		/* Unlink this request's sites from the buckets now: the ring
		 * holding them goes away once the run is exported. */
		for (uint32_t i = ZEND_MM_OBSERVE_PSEUDO_LAST + 1; i < zmo.count; i++) {
			const zend_mm_observe_site *site = &zmo.sites[i];
			zmo.buckets[zend_mm_observe_bucket(site->key_opline, site->key_callee, site->key_file)] = 0;
		}
		zend_mm_observe_recent_clear();
		zmo.compile_file = NULL;
	}
	if (zmo.abandoned) {
		if (zend_mm_observe_persistent) {
			zend_mm_observe_ring_rewind();
			zend_mm_observe_request_clear();
		} else {
			zend_mm_observe_ring_remove();
		}
		return;
	}
	zend_gc_observe_request_end();
	zmo.hdr->run.usage_end = zend_memory_usage(false);
	zmo.hdr->run.peak_usage = zend_memory_peak_usage(false);
	zmo.hdr->run.ended_ns = zend_mm_observe_now_ns();
	zmo.hdr->run.duration_ns = zend_hrtime() - zmo.started_hr;
	zmo.hdr->run.site_count = zmo.count;
	zmo.hdr->run.site_capacity = ZEND_MM_OBSERVE_SITE_CAPACITY;
	zmo.hdr->run.unclean_shutdown = CG(unclean_shutdown);
	zmo.hdr->run.peak_observed = (size_t) zmo.peak;
	/* Finish the lazy peak (see zend_mm_observe_peak_sync); the request's
	 * own totals. */
	zend_mm_observe_each_touched(zend_mm_observe_site_finish);
	for (uint32_t i = 1; i < zmp.path_count; i++) {
		zend_mm_observe_path_peak_sync(&zmp.paths[i]);
	}
	zmo.hdr->run.observer_bytes = (size_t) zmo.count * sizeof(zend_mm_observe_site)
		+ sizeof(uint32_t) * zmo.touched_cap
		+ sizeof(uint32_t) * (zmo.bucket_mask + 1) + zmo.str_cap + sizeof(uint32_t) * zmo.intern_cap
		+ zend_mm_observe_blocks_reserved() + zend_mm_observe_ptrmap_bytes(&zmo.op_sites)
		+ sizeof(uint32_t) * zmo.retired_cap;
	zmo.hdr->allocated = zend_mm_observe_allocated();
	zend_mm_observe_ring_set_state(zmo.hdr, ZEND_MM_OBSERVE_RING_ENDED);
	if (zmo.exporter) {
		zmo.exporter(&zmo.hdr->run);
	}
	if (zend_mm_observe_persistent) {
		zend_mm_observe_request_clear();
	} else {
		zend_mm_observe_ring_remove();
	}
}

/* ---- exporter side ------------------------------------------------------ */

ZEND_API void zend_mm_observe_set_exporter(zend_mm_observe_exporter_t exporter)
{
	zmo.exporter = exporter;
}

ZEND_API const zend_mm_observe_site *zend_mm_observe_sites(uint32_t *count)
{
	*count = zmo.sites ? zmo.count : 0;
	return zmo.sites;
}

ZEND_API const zend_mm_observe_run *zend_mm_observe_run_info(void)
{
	static const zend_mm_observe_run none;
	return zmo.hdr ? &zmo.hdr->run : &none;
}

ZEND_API zend_mm_observe_run *zend_mm_observe_run_mut(void)
{
	static zend_mm_observe_run none;
	return zmo.hdr ? &zmo.hdr->run : &none;
}

ZEND_API const uint32_t *zend_mm_observe_touched(uint32_t *count)
{
	*count = zmo.touched_lost ? 0 : zmo.touched_len;
	return zmo.touched_lost ? NULL : zmo.touched;
}


/* ---- settings ----------------------------------------------------------- */

ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_enabled)
{
	zend_mm_observe_enabled = zend_ini_parse_bool(new_value);
	return SUCCESS;
}

ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_output)
{
	char *copy = strdup(new_value ? ZSTR_VAL(new_value) : "");
	if (!copy) {
		return FAILURE;
	}
	free(zend_mm_observe_output);
	zend_mm_observe_output = copy;
	return SUCCESS;
}

#endif /* ZEND_MM_OBSERVE */
