/*
   +----------------------------------------------------------------------+
   | mm_observe: per-opline attribution of ZendMM allocations             |
   +----------------------------------------------------------------------+
   | This header is the whole contract of the hot-path module.            |
   +----------------------------------------------------------------------+

   What this module owns
   ---------------------
   The in-process half of mm_observe: deciding, for every allocation, free
   and realloc made through ZendMM's public entry points during an observed
   request, which *site* caused it, and bumping that site's counters.

   A site is one (opline, callee) pair: the opline of the innermost user
   frame and, when the allocation happens inside an internal function, that
   function.  Compile-time allocations and allocations made outside any PHP
   frame get their own site kinds (see zend_mm_observe_site_kind).  Strings
   (file, function, callee) are copied once, when a site is first seen,
   because the op_arrays they come from may be freed before the exporter
   runs.

   The exporter (ext/mm_observe, the only code linking SQLite) registers a
   callback with zend_mm_observe_set_exporter().  The engine calls it at the
   top of zend_mm_shutdown() for the request heap, after observation has
   stopped: it reads the site table through the accessors below and must not
   allocate through ZendMM.

   Compiled out
   ------------
   Without ZEND_MM_OBSERVE (configure --enable-mm-observe) every hook below
   is an empty macro or the identity, so patched upstream files carry calls,
   never #ifdef blocks, and the build is the stock one.
*/

#ifndef ZEND_MM_OBSERVE_H
#define ZEND_MM_OBSERVE_H

#include "zend_portability.h"

#ifdef ZEND_MM_OBSERVE

#include "zend_types.h"
#include "zend_ini.h"

/* Default report database, relative to the working directory at request start. */
#define ZEND_MM_OBSERVE_DEFAULT_OUTPUT "mm_observe.sqlite"

/* Version of the site-table layout below; the exporter refuses a mismatch. */
#define ZEND_MM_OBSERVE_ABI 4

typedef enum _zend_mm_observe_site_kind {
	ZEND_MM_OBSERVE_KIND_VM = 0,      /* executing an opline (maybe inside an internal callee) */
	ZEND_MM_OBSERVE_KIND_COMPILE = 1, /* compiling: include/require/eval/main script */
	ZEND_MM_OBSERVE_KIND_PSEUDO = 2,  /* no PHP frame: request startup, engine, shutdown */
} zend_mm_observe_site_kind;

/* Site flags. */
#define ZEND_MM_OBSERVE_SITE_OPLINE_FALLBACK (1u << 0) /* EX(opline) was outside its op_array: billed to the function's first opline */
#define ZEND_MM_OBSERVE_SITE_OVERFLOW        (1u << 1) /* the table was full: everything past capacity is billed here */
#define ZEND_MM_OBSERVE_SITE_RETIRED         (1u << 2) /* its op_array was destroyed; the key no longer matches anything
                                                          until code with the same file, function, callee, line, opcode
                                                          and kind revives it (its counters keep accumulating) */

/* One site.  Fixed size, no pointers the exporter may follow: the key and
 * check fields are only compared, strings are offsets into the string arena
 * (0 = none). */
typedef struct _zend_mm_observe_site {
	/* key: compared, never dereferenced after the site is created */
	const void *key_opline;     /* opline, or NULL for pseudo / main-script compile sites */
	const void *key_callee;     /* internal zend_function, a kind sentinel, or NULL */
	const void *key_file;       /* op_array->filename or CG(compiled_filename) */
	uint32_t    line;           /* source line (0 for pseudo sites) */
	uint8_t     opcode;         /* zend_uchar opcode of the opline (0 if none) */
	uint8_t     kind;           /* zend_mm_observe_site_kind */
	uint16_t    flags;          /* ZEND_MM_OBSERVE_SITE_* */
	uint32_t    next;           /* hash chain: index of the next site, 0 = end */
	/* strings, copied when the site was created */
	uint32_t    file_str;
	uint32_t    function_str;
	uint32_t    callee_str;
	uint32_t    touched;        /* zend_mm_observe_run.seq of the last request that changed the counters */
	/* op_array the site belongs to (its opcodes), for retirement; and the
	 * next site of the same op_array */
	const void *op_key;
	uint32_t    next_in_op;
	uint32_t    reserved2;
	/* counters; bytes are ZendMM's usable sizes (what memory_get_usage()
	 * counts).  A block belongs to the site that allocated it: its free is
	 * credited back here wherever it happens.  A realloc of a block frees it
	 * (at its owner) and allocates the new one here.  So per site
	 *   alloc_count - free_count == live_count and
	 *   alloc_bytes - free_bytes == live_bytes. */
	uint64_t    alloc_count;    /* blocks allocated here (including the result of a realloc) */
	uint64_t    alloc_bytes;
	uint64_t    free_count;     /* blocks allocated here and since freed (or moved by realloc) */
	uint64_t    free_bytes;
	uint64_t    realloc_count;  /* reallocs made here */
	int64_t     live_count;     /* blocks allocated here and still live */
	int64_t     live_bytes;
	int64_t     peak_live_bytes;/* live_bytes when the heap reached its peak (valid after request end) */
	uint64_t    peak_epoch;     /* peak epoch peak_live_bytes belongs to (see zend_mm_observe.c) */
	int64_t     end_live_count; /* live_count at the end of the script (before shutdown functions, */
	int64_t     end_live_bytes; /*   destructors and engine teardown) */
	/* the part of the counters that happened inside a GC pass (destructors
	 * run by the GC, garbage it freed) */
	uint64_t    gc_alloc_count;
	uint64_t    gc_alloc_bytes;
	uint64_t    gc_free_count;
	uint64_t    gc_free_bytes;
} zend_mm_observe_site;

/* The request's first memory error (memory_limit, or the system refusing
 * memory), recorded before the engine bails out. */
#define ZEND_MM_OBSERVE_OOM_TOP 10
typedef struct _zend_mm_observe_oom {
	bool     happened;
	bool     system;            /* "Out of memory" (the OS refused) rather than memory_limit */
	uint32_t site;              /* the site that made the failing request */
	size_t   requested;         /* bytes it asked for */
	size_t   limit;             /* memory_limit in effect */
	size_t   usage;             /* memory_get_usage() at that moment */
	uint64_t at_ns;             /* CLOCK_REALTIME */
	uint32_t top_count;         /* the sites holding the most live bytes at that moment */
	struct {
		uint32_t site;
		int64_t  live_bytes;
		int64_t  live_count;
	} top[ZEND_MM_OBSERVE_OOM_TOP];
} zend_mm_observe_oom;

/* Per-request summary handed to the exporter. */
typedef struct _zend_mm_observe_run {
	uint64_t started_ns;        /* CLOCK_REALTIME at zend_activate() */
	uint64_t ended_ns;          /* CLOCK_REALTIME when observation stopped */
	size_t   usage_start;       /* zend_memory_usage(false) when observation started */
	size_t   usage_end;         /* ... and when it stopped (top of zend_mm_shutdown) */
	size_t   peak_usage;        /* zend_memory_peak_usage(false) when it stopped */
	uint32_t site_count;        /* sites in use, including pseudo sites */
	uint32_t site_capacity;
	uint64_t sites_dropped;     /* allocations billed to the overflow site */
	uint64_t blocks_untracked;  /* blocks the block map could not record (out of memory) */
	size_t   peak_observed;     /* highest usage seen by the observer (usage_start + allocs - frees) */
	size_t   observer_bytes;    /* address space the observer reserved (site table, strings, block map) */
	bool     script_ended;      /* zend_mm_observe_script_end() ran: end_live_* are set */
	bool     unclean_shutdown;  /* CG(unclean_shutdown): fatal error or exit bailout */
	bool     zend_mm_heap;      /* false when USE_ZEND_ALLOC=0 replaced ZendMM */
	uint64_t gc_passes;         /* collector passes so far (each one an EVENT_GC_PASS) */
	uint64_t gc_idle_ns;        /* time in gc_collect_cycles() calls that found nothing */
	uint64_t snapshots;         /* mm_observe_snapshot() calls so far */
	uint64_t seq;               /* 1-based number of this request in its process */
	uint64_t gc_ns;             /* time in collector passes (Σ of the passes' total_ns) */
	uint64_t alloc_count;       /* blocks this request allocated ({unobserved} left out) */
	uint64_t alloc_bytes;
	int64_t  end_live_bytes;    /* bytes of this request still live at the end of the script */
	zend_mm_observe_oom oom;
} zend_mm_observe_run;

typedef void (*zend_mm_observe_exporter_t)(const zend_mm_observe_run *run);
/* Where the run will be found ("/path/x.sqlite run 7"), for the memory
 * error message; NULL when unknown. */
typedef const char *(*zend_mm_observe_describer_t)(void);

BEGIN_EXTERN_C()

/* The one hot check.  True only between zend_mm_observe_request_start() and
 * zend_mm_observe_request_end() of an observed request.  NTS only (configure
 * refuses --enable-mm-observe with ZTS). */
extern ZEND_API bool zend_mm_observe_active;

/* Settings (zend.mm_observe*), system-level, owned by this module. */
extern ZEND_API bool zend_mm_observe_enabled;
extern ZEND_API char *zend_mm_observe_output;

/* Worker mode (set once at module startup, by ext/mm_observe, for SAPIs
 * that serve many requests per process): the site table, the string arena
 * and the ring outlive the request.  Each request starts from zeroed
 * counters; only the sites it touched are visited at its end. */
extern ZEND_API bool zend_mm_observe_persistent;

/* Where a worker's own messages go when PHP's error_log is not set: the
 * SAPI's log file, appended to by name (php-fpm's error_log; a worker's
 * stderr is usually discarded).  Set by the SAPI in each worker
 * (zend_mm_observe_set_log_file() keeps a copy); NULL: PHP's default log
 * channel. */
extern ZEND_API const char *zend_mm_observe_log_file;

/* Slow paths, called only when zend_mm_observe_active. */
ZEND_API ZEND_COLD void zend_mm_observe_alloc_slow(void *ptr, size_t size);
ZEND_API ZEND_COLD void zend_mm_observe_free_slow(void *ptr, size_t size);
ZEND_API ZEND_COLD size_t zend_mm_observe_block_size(void *ptr);
ZEND_API ZEND_COLD void zend_mm_observe_realloc_slow(void *old_ptr, size_t old_size, void *new_ptr, size_t size);

/* Engine phases.  request_start: zend_activate(), before anything else of
 * the request.  request_end: top of zend_mm_shutdown() for AG(mm_heap), not
 * full; stops observing and calls the exporter. */
ZEND_API void zend_mm_observe_request_start(void);
ZEND_API void zend_mm_observe_request_end(void);
/* The script is done: php_request_shutdown(), before shutdown functions and
 * destructors.  Snapshots every site's live blocks (the leak candidates). */
ZEND_API void zend_mm_observe_script_end(void);
/* destroy_op_array(): retire the sites of this op_array so that code loaded
 * later at the same address is never billed to them. */
ZEND_API void zend_mm_observe_op_array_dtor_slow(const zend_op_array *op_array);
/* Stop observing this request without exporting (the exporter could not
 * open its output).  Safe to call at any time. */
ZEND_API void zend_mm_observe_abandon(void);
/* This process runs no script of the user's (php -m, -i, -v, the report
 * tools): no request of it is observed, whatever the settings say. */
ZEND_API void zend_mm_observe_suppress(void);

/* Module startup, observation enabled: checks once that ZendMM's block
 * sizes are the ones the observer predicts (else it asks ZendMM each time). */
ZEND_API void zend_mm_observe_calibrate(void);
/* The index of the site executing right now (a GC probe's trigger site). */
ZEND_API uint32_t zend_mm_observe_site_here(void);

/* zend_mm_safe_error(), before the memory error is raised: records it
 * (with the failing site and the top live sites) and returns the format
 * to raise it with, extended by "; allocation report in <where>". */
ZEND_API ZEND_COLD const char *zend_mm_observe_memory_error(const char *format, size_t limit, size_t size);

ZEND_API void zend_mm_observe_set_log_file(const char *path);
/* getpid(), without a system call per request (reset in a forked child). */
ZEND_API pid_t zend_mm_observe_getpid(void);

/* Exporter side. */
ZEND_API void zend_mm_observe_set_exporter(zend_mm_observe_exporter_t exporter);
ZEND_API void zend_mm_observe_set_describer(zend_mm_observe_describer_t describer);
ZEND_API const zend_mm_observe_site *zend_mm_observe_sites(uint32_t *count);
ZEND_API const char *zend_mm_observe_str(uint32_t offset);
/* The sites whose counters the current (or last) request changed, each
 * once; {unobserved} first.  Valid until the next request starts. */
ZEND_API const uint32_t *zend_mm_observe_touched(uint32_t *count);
/* The current (or last) request's summary; started_ns and usage_start are
 * valid from zend_activate() on, the rest once the request has ended. */
ZEND_API const zend_mm_observe_run *zend_mm_observe_run_info(void);
/* The same, writable (the GC recorder and the exporter keep their figures there). */
ZEND_API zend_mm_observe_run *zend_mm_observe_run_mut(void);

/* ini entries for Zend/zend.c's table. */
ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_enabled);
ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_output);

END_EXTERN_C()

/* ---- hooks used by the patched upstream files --------------------------- */

/* Allocation: wraps the expression producing the new block; `size` is the
 * requested size (ZendMM's usable size is looked up on the slow path). */
static zend_always_inline void *zend_mm_observe_alloc_hook(void *ptr, size_t size)
{
	if (UNEXPECTED(zend_mm_observe_active)) {
		zend_mm_observe_alloc_slow(ptr, size);
	}
	return ptr;
}
/* Free: called before the block is released; size 0 = look it up. */
static zend_always_inline void zend_mm_observe_free_hook(void *ptr, size_t size)
{
	if (UNEXPECTED(zend_mm_observe_active)) {
		zend_mm_observe_free_slow(ptr, size);
	}
}
static zend_always_inline size_t zend_mm_observe_realloc_pre(void *ptr)
{
	return UNEXPECTED(zend_mm_observe_active) ? zend_mm_observe_block_size(ptr) : 0;
}
static zend_always_inline void *zend_mm_observe_realloc_hook(void *old_ptr, size_t old_size, void *new_ptr, size_t size)
{
	if (UNEXPECTED(zend_mm_observe_active)) {
		zend_mm_observe_realloc_slow(old_ptr, old_size, new_ptr, size);
	}
	return new_ptr;
}

# define ZEND_MM_OBSERVE_ALLOC(expr, size)        zend_mm_observe_alloc_hook((expr), (size))
# define ZEND_MM_OBSERVE_FREE(ptr, size)          zend_mm_observe_free_hook((ptr), (size))
# define ZEND_MM_OBSERVE_REALLOC_PRE(ptr)         size_t zend_mm_observe_old_size = zend_mm_observe_realloc_pre(ptr)
# define ZEND_MM_OBSERVE_REALLOC(old, expr, size) zend_mm_observe_realloc_hook((old), zend_mm_observe_old_size, (expr), (size))
# define ZEND_MM_OBSERVE_REQUEST_START()          zend_mm_observe_request_start()
# define ZEND_MM_OBSERVE_SCRIPT_END() do { \
		if (UNEXPECTED(zend_mm_observe_active)) { \
			zend_mm_observe_script_end(); \
		} \
	} while (0)
# define ZEND_MM_OBSERVE_OP_ARRAY_DTOR(op_array) do { \
		if (UNEXPECTED(zend_mm_observe_active)) { \
			zend_mm_observe_op_array_dtor_slow(op_array); \
		} \
	} while (0)
# define ZEND_MM_OBSERVE_REQUEST_END(heap, full) do { \
		if (UNEXPECTED(zend_mm_observe_active) && !(full) && (heap) == zend_mm_get_heap()) { \
			zend_mm_observe_request_end(); \
		} \
	} while (0)
# define ZEND_MM_OBSERVE_OOM(format, limit, size) \
	(UNEXPECTED(zend_mm_observe_active) ? zend_mm_observe_memory_error((format), (limit), (size)) : (format))
# define ZEND_MM_OBSERVE_SET_LOG_FILE(path)       zend_mm_observe_set_log_file(path)
# define ZEND_MM_OBSERVE_INI_ENTRIES \
	ZEND_INI_ENTRY("zend.mm_observe",        "0", ZEND_INI_SYSTEM, zend_mm_observe_ini_update_enabled) \
	ZEND_INI_ENTRY("zend.mm_observe_output", ZEND_MM_OBSERVE_DEFAULT_OUTPUT, ZEND_INI_SYSTEM, zend_mm_observe_ini_update_output)

#else /* !ZEND_MM_OBSERVE */

# define ZEND_MM_OBSERVE_ALLOC(expr, size)        (expr)
# define ZEND_MM_OBSERVE_FREE(ptr, size)          ((void) 0)
# define ZEND_MM_OBSERVE_REALLOC_PRE(ptr)
# define ZEND_MM_OBSERVE_REALLOC(old, expr, size) (expr)
# define ZEND_MM_OBSERVE_REQUEST_START()          ((void) 0)
# define ZEND_MM_OBSERVE_SCRIPT_END()             ((void) 0)
# define ZEND_MM_OBSERVE_OP_ARRAY_DTOR(op_array)  ((void) 0)
# define ZEND_MM_OBSERVE_REQUEST_END(heap, full)  ((void) 0)
# define ZEND_MM_OBSERVE_OOM(format, limit, size) (format)
# define ZEND_MM_OBSERVE_INI_ENTRIES
# define ZEND_MM_OBSERVE_SET_LOG_FILE(path)       ((void) 0)

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_H */
