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
   stopped: it reads the run through the ring (zend_mm_observe_ring_view_live())
   and the accessors below (the run summary, the touched sites) and must
   not allocate through ZendMM.

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
#include "zend_hrtime.h"
#include "zend_mm_observe_format.h"

/* Default report database, relative to the working directory at request start. */
#define ZEND_MM_OBSERVE_DEFAULT_OUTPUT "mm_observe.sqlite"

typedef void (*zend_mm_observe_exporter_t)(const zend_mm_observe_run *run);

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

/* The observing heap (zend_mm_observe.c).  While a request is
 * observed, AG(mm_heap) has custom handlers of ours that pass each block to
 * the heap they stand in for (ZendMM, or the custom heap installed before)
 * and call the hooks below; the allocation entry points reach them through
 * the custom-heap branch upstream already has, so observation off costs
 * nothing there.  attach: at request start; detach: at the top of
 * zend_mm_shutdown() (ZEND_MM_OBSERVE_REQUEST_END). */
typedef void *(*zend_mm_observe_malloc_t)(size_t ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC);
ZEND_API void zend_mm_observe_heap_attach(void);
ZEND_API void zend_mm_observe_heap_detach(zend_mm_heap *heap);
ZEND_API void *zend_mm_observe_heap_malloc(size_t size ZEND_FILE_LINE_DC ZEND_FILE_LINE_ORIG_DC);
/* The heap stood in for: its custom kind (0: ZendMM) and malloc handler. */
/* The word of each ZendMM chunk's header where the block map keeps the
 * chunk's shadow (zend_mm_observe_blocks.h): in zend_mm_chunk's reserve,
 * after its three pointers and three uint32_t and before its heap_slot, 64
 * bytes in; zend_alloc.c asserts it (patches/0002). */
#define ZEND_MM_OBSERVE_CHUNK_WORD 40
ZEND_API int zend_mm_observe_under_kind(void);
#if !ZEND_DEBUG
/* ZendMM's own small-block paths, entered with the bin the observing heap
 * already knows (zend_alloc.c, patches/0002). */
ZEND_API void *ZEND_FASTCALL zend_mm_observe_zend_alloc_small(zend_mm_heap *heap, uint32_t bin_num);
ZEND_API void ZEND_FASTCALL zend_mm_observe_zend_free_small(zend_mm_heap *heap, void *ptr, uint32_t bin_num);
#endif
ZEND_API zend_mm_observe_malloc_t zend_mm_observe_under_malloc(void);

/* Slow paths, called only when zend_mm_observe_active. */
ZEND_API ZEND_COLD size_t zend_mm_observe_block_size(void *ptr);

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
/* The one clock of every t_ns (samples, snapshots, flushes, GC passes):
 * zend_hrtime() at the start of the current request, and the time since.
 * Wall-clock time is kept for started_at / ended_at only. */
ZEND_API zend_hrtime_t zend_mm_observe_started_hr(void);
ZEND_API uint64_t zend_mm_observe_elapsed_ns(void);
/* A site's opcode as the reports name it: "CONCAT" (without "ZEND_"),
 * "COMPILE" for compile sites, NULL for pseudo sites. */
ZEND_API const char *zend_mm_observe_opcode_name(const zend_mm_observe_site *site);
/* The index of the site executing right now (a GC probe's trigger site). */
ZEND_API uint32_t zend_mm_observe_site_here(void);

/* zend_mm_safe_error(), before the memory error is raised: records it,
 * with the failing site and the top live sites.  is_limit: memory_limit
 * was reached (its caller passed heap->limit); false: the system refused
 * memory.  The error is raised with upstream's message, unchanged. */
ZEND_API ZEND_COLD void zend_mm_observe_memory_error(size_t limit, size_t size, bool is_limit);

ZEND_API void zend_mm_observe_set_log_file(const char *path);
/* getpid(), without a system call per request (reset in a forked child). */
ZEND_API pid_t zend_mm_observe_getpid(void);

/* Exporter side. */
ZEND_API void zend_mm_observe_set_exporter(zend_mm_observe_exporter_t exporter);
ZEND_API const zend_mm_observe_site *zend_mm_observe_sites(uint32_t *count);
/* The sites whose counters the current (or last) request changed, each
 * once; {unobserved} first.  Valid until the next request starts. */
ZEND_API const uint32_t *zend_mm_observe_touched(uint32_t *count);
/* The current (or last) request's summary; started_ns and usage_start are
 * valid from zend_activate() on, the rest once the request has ended. */
ZEND_API const zend_mm_observe_run *zend_mm_observe_run_info(void);
/* The same, writable (the GC recorder and the exporter keep their figures there). */
ZEND_API zend_mm_observe_run *zend_mm_observe_run_mut(void);

/* ---- call paths -----------------------------------------------------------

   A sampled allocation's call path: the chain of user frames from the
   request's root to the frame of its site, as frames in a tree (each frame
   points to its caller, so paths share prefixes).  A frame is a caller:
   its function, file and the line of the call it is making, and the
   internal function between it and the next frame inward when there is
   one (array_map() calling a closure, usort() a comparator).  The
   allocation's own site (zend_mm_observe_site) is the path's leaf.

   Which allocations: a Poisson process over allocated bytes with mean
   zend.mm_observe_path_sample_bytes (as jemalloc, tcmalloc and Go's heap
   profiler sample): a block of s bytes is sampled with probability
   p = 1 - exp(-s / mean) and counts 1/p blocks and s/p bytes, so the sums
   are unbiased estimates.  A mean of 0 samples every block (exact).  A
   sampled block is followed to its free, so a path's live bytes (at script
   end, at the peak, at the end) are estimates of the same kind.

   Recursion is folded: a caller already on the path (the same function
   calling from the same opline, inside the same internal callee), directly
   or through others, is kept once, at its innermost place, and the frames
   between its two places (one turn of the recursion) are dropped, so a
   path never holds a caller twice and recursion depth does not multiply
   paths.  Past zend.mm_observe_path_depth frames the outermost ones are
   replaced by one "{truncated}" frame.

   The frames and paths are regions of the ring file (zend_mm_observe_
   format.h), so a run imported after a crash has them too; the request's
   sampling figures are in its summary (zend_mm_observe_run.path_*).
   Reset when a request starts. */

/* Settings, fixed at module startup by ext/mm_observe. */
ZEND_API void zend_mm_observe_paths_configure(bool enabled, uint64_t sample_bytes, uint32_t max_depth);

/* ini entries for Zend/zend.c's table. */
ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_enabled);
ZEND_API ZEND_INI_MH(zend_mm_observe_ini_update_output);

END_EXTERN_C()

/* ---- hooks used by the patched upstream files --------------------------- */

/* (Allocations, frees and reallocs need none: they reach the observing heap
 * through ZendMM's custom-heap branch, zend_mm_observe.c.) */
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
		zend_mm_observe_heap_detach(heap); \
	} while (0)
/* For zend_alloc.c, where the heap's fields are known: what a question
 * about the heap's custom kind (is_zend_mm(), zend_mm_gc(), block sizes) is
 * about while observed: the heap stood in for. */
# define ZEND_MM_OBSERVING(heap) ((heap)->use_custom_heap && (heap)->custom_heap._malloc == zend_mm_observe_heap_malloc)
# define ZEND_MM_CUSTOM_KIND(heap) (ZEND_MM_OBSERVING(heap) ? zend_mm_observe_under_kind() : (heap)->use_custom_heap)
# define ZEND_MM_CUSTOM_MALLOC(heap) (ZEND_MM_OBSERVING(heap) ? zend_mm_observe_under_malloc() : (heap)->custom_heap._malloc)
# define ZEND_MM_OBSERVE_OOM(limit, size, is_limit) do { \
		if (UNEXPECTED(zend_mm_observe_active)) { \
			zend_mm_observe_memory_error((limit), (size), (is_limit)); \
		} \
	} while (0)
# define ZEND_MM_OBSERVE_SET_LOG_FILE(path)       zend_mm_observe_set_log_file(path)
# define ZEND_MM_OBSERVE_INI_ENTRIES \
	ZEND_INI_ENTRY("zend.mm_observe",        "0", ZEND_INI_SYSTEM, zend_mm_observe_ini_update_enabled) \
	ZEND_INI_ENTRY("zend.mm_observe_output", ZEND_MM_OBSERVE_DEFAULT_OUTPUT, ZEND_INI_SYSTEM, zend_mm_observe_ini_update_output)

#else /* !ZEND_MM_OBSERVE */

# define ZEND_MM_OBSERVE_REQUEST_START()          ((void) 0)
# define ZEND_MM_OBSERVE_SCRIPT_END()             ((void) 0)
# define ZEND_MM_OBSERVE_OP_ARRAY_DTOR(op_array)  ((void) 0)
# define ZEND_MM_OBSERVE_REQUEST_END(heap, full)  ((void) 0)
# define ZEND_MM_OBSERVE_OOM(limit, size, is_limit) ((void) 0)
# define ZEND_MM_CUSTOM_KIND(heap)                ((heap)->use_custom_heap)
# define ZEND_MM_CUSTOM_MALLOC(heap)              ((heap)->custom_heap._malloc)
# define ZEND_MM_OBSERVE_INI_ENTRIES
# define ZEND_MM_OBSERVE_SET_LOG_FILE(path)       ((void) 0)

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_H */
