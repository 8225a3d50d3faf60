/*
   +----------------------------------------------------------------------+
   | mm_observe: one record per run of the cycle collector                |
   +----------------------------------------------------------------------+
   | The whole contract of the GC probes (zend_gc_observe.c).             |
   +----------------------------------------------------------------------+

   The collector's state is static inside Zend/zend_gc.c, so the probes are
   macros expanded there: they read GC_G() and hand plain numbers to the
   recorder.  Each probe is one predictable branch when observation is off.

   zend_gc_collect_cycles() is one *call*; each call makes one or two
   *passes* (the second, a "rerun", collects what the destructors of the
   first left behind); GC_G(gc_runs) counts passes.  We keep one record per
   pass, so a request's records match gc_status()['runs'] and
   gc_status()['collected'] exactly.

   Timeline of a pass, as probed (phase names are the record's columns):

     CALL_BEGIN  start of zend_gc_collect_cycles (before tmpvar root removal)
     PASS_BEGIN  GC_G(gc_runs)++                      mark_ns   from here
     MARKED      gc_mark_roots() done                 scan_ns   from here
     SCANNED     gc_scan_roots() done                 collect_ns from here
     COLLECTED   gc_collect_roots() done              destructor_ns from here
     DTORS_DONE  destructors called (if any)          free_ns   from here
     FREED       garbage destroyed and freed          compact_ns from here
     COMPACTED   gc_compact() done
     CALL_END    end of zend_gc_collect_cycles

   The time before the first PASS_BEGIN and after the last pass is billed to
   the first and last pass's total_ns, so the passes' total_ns add up to the
   whole call, which is what GC_G(collector_time) measures.
*/

#ifndef ZEND_GC_OBSERVE_H
#define ZEND_GC_OBSERVE_H

#include "zend_portability.h"
#include "zend_types.h"
#include "zend_mm_observe.h"

#ifdef ZEND_MM_OBSERVE

typedef enum _zend_gc_observe_phase {
	ZEND_GC_OBSERVE_CALL_BEGIN,
	ZEND_GC_OBSERVE_PASS_BEGIN,
	ZEND_GC_OBSERVE_MARKED,
	ZEND_GC_OBSERVE_SCANNED,
	ZEND_GC_OBSERVE_COLLECTED,
	ZEND_GC_OBSERVE_DTORS_DONE,
	ZEND_GC_OBSERVE_FREED,
	ZEND_GC_OBSERVE_COMPACTED,
	ZEND_GC_OBSERVE_CALL_END,
	ZEND_GC_OBSERVE_THRESHOLD_TRIGGER, /* gc_possible_root_when_full(): the buffer is full */
	ZEND_GC_OBSERVE_THRESHOLD_ADJUSTED,/* ... and the threshold was adjusted after the run */
} zend_gc_observe_phase;


BEGIN_EXTERN_C()

ZEND_API ZEND_COLD void zend_gc_observe_probe(zend_gc_observe_phase phase, const void *call_token,
	uint32_t num_roots, uint32_t buf_size, uint32_t threshold, int count, bool gc_active);

/* Observer side: request start/end.  Each pass goes to the ring as an
 * EVENT_GC_PASS record when its call ends; the time of calls that made no
 * pass goes to the run summary (gc_idle_ns). */
void zend_gc_observe_request_start(void);
void zend_gc_observe_request_end(void);
/* True while a pass is running: allocations and frees are made "by the GC". */
extern bool zend_gc_observe_in_pass;

END_EXTERN_C()

/* Probes, for Zend/zend_gc.c only (they read its GC_G()). */
# define ZEND_GC_OBSERVE(phase, token) do { \
		if (UNEXPECTED(zend_mm_observe_active)) { \
			zend_gc_observe_probe((phase), (token), GC_G(num_roots), GC_G(buf_size), GC_G(gc_threshold), 0, GC_G(gc_active)); \
		} \
	} while (0)
# define ZEND_GC_OBSERVE_COUNT(phase, token, count) do { \
		if (UNEXPECTED(zend_mm_observe_active)) { \
			zend_gc_observe_probe((phase), (token), GC_G(num_roots), GC_G(buf_size), GC_G(gc_threshold), (count), GC_G(gc_active)); \
		} \
	} while (0)

#else

# define ZEND_GC_OBSERVE(phase, token)               ((void) 0)
# define ZEND_GC_OBSERVE_COUNT(phase, token, count)  ((void) 0)

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_GC_OBSERVE_H */
