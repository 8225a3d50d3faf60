/*
   +----------------------------------------------------------------------+
   | mm_observe: one record per run of the cycle collector                |
   +----------------------------------------------------------------------+

   Design
   ======
   The probes in Zend/zend_gc.c call zend_gc_observe_probe() with a phase
   and a *call token* (the address of zend_gc_collect_cycles()'s start_time
   local, unique per active call).  The recorder keeps the one open call and
   its current pass, timestamps each phase with zend_hrtime(), and appends a
   zend_gc_observe_pass per pass to a malloc'd array that lives until the
   exporter has read it at request end.

   Invariants
   ----------
   1. Only the outermost call is recorded.  A call that starts while the
      collector is active (gc_collect_cycles() from a destructor run by the
      GC) returns without collecting; its probes carry another token and are
      ignored.
   2. A call that returns early after its destructors (GC protected) never
      reaches CALL_END: the next CALL_BEGIN or the end of the request closes
      it, flagged aborted, with the time known so far.
   3. Per pass, mark + scan + collect + destructor + free + compact <=
      total_ns; over a request, sum(total_ns) + idle_ns is the time the calls
      took, which is what GC_G(collector_time) adds up.
   4. Nothing here allocates through ZendMM.
*/

#include "zend.h"
#include "zend_alloc.h"
#include "zend_hrtime.h"
#include "zend_gc_observe.h"
#include "zend_mm_observe_ring.h"

#ifdef ZEND_MM_OBSERVE

#define ZEND_GC_OBSERVE_PASSES_MIN 64

bool zend_gc_observe_in_pass = false;

static struct {
	zend_gc_observe_pass *passes;
	uint32_t count, cap;
	const void *token;            /* the open call, or NULL */
	uint32_t calls;
	bool pending_threshold;       /* the next call was triggered by a full buffer */
	uint8_t trigger;
	uint32_t site;
	uint32_t threshold_before;
	uint32_t first_pass;          /* index of the open call's first pass */
	int64_t cur;                  /* index of the open pass, or -1 */
	zend_hrtime_t call_begin;
	zend_hrtime_t last_end;       /* end of the last closed pass of the open call */
	zend_hrtime_t t[ZEND_GC_OBSERVE_CALL_END + 1];
	zend_hrtime_t request_start;
	const zend_function *explicit_fn; /* PHP's gc_collect_cycles(): its calls are "explicit" */
	uint32_t total;               /* passes recorded this request */
} zgo;

static zend_gc_observe_pass *zend_gc_observe_new_pass(void)
{
	if (zgo.count == zgo.cap) {
		uint32_t cap = zgo.cap ? zgo.cap * 2 : ZEND_GC_OBSERVE_PASSES_MIN;
		zend_gc_observe_pass *p = realloc(zgo.passes, sizeof(*p) * cap);
		if (!p) {
			return NULL;
		}
		zgo.passes = p;
		zgo.cap = cap;
	}
	zend_gc_observe_pass *pass = &zgo.passes[zgo.count++];
	memset(pass, 0, sizeof(*pass));
	return pass;
}

/* Fills the durations of the open pass from its timestamps.  A phase that
 * did not happen (no destructors, nothing to free) lasts 0. */
static void zend_gc_observe_close_pass(void)
{
	if (zgo.cur < 0) {
		return;
	}
	zend_gc_observe_pass *pass = &zgo.passes[zgo.cur];
	zend_hrtime_t b = zgo.t[ZEND_GC_OBSERVE_PASS_BEGIN];
	zend_hrtime_t m = zgo.t[ZEND_GC_OBSERVE_MARKED] ? zgo.t[ZEND_GC_OBSERVE_MARKED] : b;
	zend_hrtime_t s = zgo.t[ZEND_GC_OBSERVE_SCANNED] ? zgo.t[ZEND_GC_OBSERVE_SCANNED] : m;
	zend_hrtime_t c = zgo.t[ZEND_GC_OBSERVE_COLLECTED] ? zgo.t[ZEND_GC_OBSERVE_COLLECTED] : s;
	zend_hrtime_t d = zgo.t[ZEND_GC_OBSERVE_DTORS_DONE] ? zgo.t[ZEND_GC_OBSERVE_DTORS_DONE] : c;
	zend_hrtime_t f = zgo.t[ZEND_GC_OBSERVE_FREED] ? zgo.t[ZEND_GC_OBSERVE_FREED] : d;
	zend_hrtime_t k = zgo.t[ZEND_GC_OBSERVE_COMPACTED] ? zgo.t[ZEND_GC_OBSERVE_COMPACTED] : f;

	pass->mark_ns = m - b;
	pass->scan_ns = s - m;
	pass->collect_ns = c - s;
	pass->destructor_ns = d - c;
	pass->free_ns = f - d;
	pass->compact_ns = k - f;
	pass->total_ns = k - b;
	pass->mem_after = zend_memory_usage(false);
	zgo.last_end = k;
	zgo.cur = -1;
	zend_gc_observe_in_pass = false;
}

/* The closed call's passes are complete: into the ring, and the array
 * starts over. */
static void zend_gc_observe_push(void)
{
	for (uint32_t i = zgo.first_pass; i < zgo.count; i++) {
		zgo.passes[i].seq = ++zgo.total;
		zend_mm_observe_run_mut()->gc_ns += zgo.passes[i].total_ns;
		zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_GC_PASS, &zgo.passes[i], sizeof(zgo.passes[i]), NULL, 0);
	}
	zend_mm_observe_run_mut()->gc_passes = zgo.total;
	zgo.count = 0;
	zgo.first_pass = 0;
}

/* Ends the open call at `end`: bills the time outside its passes to the
 * first and last pass (invariant 3). */
static void zend_gc_observe_close_call(zend_hrtime_t end, uint32_t threshold, bool aborted)
{
	zend_gc_observe_close_pass();
	if (zgo.count == zgo.first_pass) {
		zend_mm_observe_run_mut()->gc_idle_ns += end - zgo.call_begin;
	} else {
		zend_gc_observe_pass *first = &zgo.passes[zgo.first_pass];
		zend_gc_observe_pass *last = &zgo.passes[zgo.count - 1];
		first->total_ns += (first->started_ns + zgo.request_start) - zgo.call_begin;
		if (end > zgo.last_end) {
			last->total_ns += end - zgo.last_end;
		}
		for (uint32_t i = zgo.first_pass; i < zgo.count; i++) {
			zgo.passes[i].threshold_after = threshold;
			zgo.passes[i].aborted = aborted;
		}
	}
	zgo.token = NULL;
	/* A call the buffer triggered is followed at once by the threshold
	 * adjustment (THRESHOLD_ADJUSTED), which completes its passes. */
	if (zgo.trigger != ZEND_GC_OBSERVE_TRIGGER_THRESHOLD) {
		zend_gc_observe_push();
	}
}

/* A zend_gc_collect_cycles() call starts (not a nested one): closes a call
 * left open (an aborted one), and decides what triggered this one. */
static void zend_gc_observe_call_begin(const void *call_token, uint32_t threshold, zend_hrtime_t now)
{
	if (zgo.token) {
		zend_gc_observe_close_call(zgo.last_end ? zgo.last_end : zgo.call_begin, threshold, true);
	}
	zend_gc_observe_push();
	zgo.token = call_token;
	zgo.calls++;
	zgo.call_begin = now;
	zgo.last_end = 0;
	zgo.first_pass = zgo.count;
	zgo.cur = -1;
	zgo.threshold_before = threshold;
	zgo.site = zend_mm_observe_site_here();
	if (zgo.pending_threshold) {
		zgo.trigger = ZEND_GC_OBSERVE_TRIGGER_THRESHOLD;
	} else if (EG(current_execute_data) && zgo.explicit_fn
			&& EG(current_execute_data)->func == zgo.explicit_fn) {
		zgo.trigger = ZEND_GC_OBSERVE_TRIGGER_EXPLICIT;
	} else if (EG(flags) & EG_FLAGS_IN_SHUTDOWN) {
		zgo.trigger = ZEND_GC_OBSERVE_TRIGGER_SHUTDOWN;
	} else {
		zgo.trigger = ZEND_GC_OBSERVE_TRIGGER_OTHER;
	}
	zgo.pending_threshold = false;
}

/* A pass of the open call starts (GC_G(gc_runs)++). */
static void zend_gc_observe_pass_begin(uint32_t num_roots, uint32_t buf_size, uint32_t threshold, zend_hrtime_t now)
{
	zend_gc_observe_close_pass();
	zend_gc_observe_pass *pass = zend_gc_observe_new_pass();
	if (!pass) {
		return;
	}
	pass->call = zgo.calls;
	pass->trigger = zgo.trigger;
	pass->rerun = zgo.count - 1 > zgo.first_pass;
	pass->site = zgo.site;
	pass->roots = num_roots;
	pass->buffer_size = buf_size;
	pass->threshold_before = zgo.threshold_before;
	pass->threshold_after = threshold;
	pass->mem_before = zend_memory_usage(false);
	pass->started_ns = now - zgo.request_start;
	memset(zgo.t, 0, sizeof(zgo.t));
	zgo.t[ZEND_GC_OBSERVE_PASS_BEGIN] = now;
	zgo.cur = zgo.count - 1;
	zend_gc_observe_in_pass = true;
}

ZEND_API ZEND_COLD void zend_gc_observe_probe(zend_gc_observe_phase phase, const void *call_token,
	uint32_t num_roots, uint32_t buf_size, uint32_t threshold, int count, bool gc_active)
{
	zend_hrtime_t now = zend_hrtime();

	switch (phase) {
		case ZEND_GC_OBSERVE_THRESHOLD_TRIGGER:
			zgo.pending_threshold = true;
			return;
		case ZEND_GC_OBSERVE_THRESHOLD_ADJUSTED:
			/* The call just ended; its passes end at the adjusted threshold. */
			for (uint32_t i = zgo.first_pass; i < zgo.count; i++) {
				if (zgo.passes[i].call == zgo.calls) {
					zgo.passes[i].threshold_after = threshold;
				}
			}
			if (!zgo.token) {
				zend_gc_observe_push();
			}
			return;
		case ZEND_GC_OBSERVE_CALL_BEGIN:
			if (zgo.token && gc_active) {
				return; /* nested: invariant 1 */
			}
			zend_gc_observe_call_begin(call_token, threshold, now);
			return;
		default:
			break;
	}

	if (call_token != zgo.token || !zgo.token) {
		return; /* a nested call's probe: invariant 1 */
	}
	switch (phase) {
		case ZEND_GC_OBSERVE_PASS_BEGIN:
			zend_gc_observe_pass_begin(num_roots, buf_size, threshold, now);
			return;
		case ZEND_GC_OBSERVE_FREED:
			if (zgo.cur >= 0) {
				zgo.passes[zgo.cur].collected = (uint32_t) count;
			}
			ZEND_FALLTHROUGH;
		case ZEND_GC_OBSERVE_MARKED:
		case ZEND_GC_OBSERVE_SCANNED:
		case ZEND_GC_OBSERVE_COLLECTED:
		case ZEND_GC_OBSERVE_DTORS_DONE:
			if (zgo.cur >= 0) {
				zgo.t[phase] = now;
			}
			return;
		case ZEND_GC_OBSERVE_COMPACTED:
			if (zgo.cur >= 0) {
				zgo.t[phase] = now;
				zend_gc_observe_close_pass();
			}
			return;
		case ZEND_GC_OBSERVE_CALL_END:
			zend_gc_observe_close_call(now, threshold, false);
			return;
		default:
			return;
	}
}

void zend_gc_observe_request_start(void)
{
	zgo.count = 0;
	zgo.token = NULL;
	zgo.calls = 0;
	zgo.cur = -1;
	zgo.total = 0;
	zgo.pending_threshold = false;
	zgo.request_start = zend_mm_observe_started_hr(); /* the one clock of every t_ns */
	if (!zgo.explicit_fn) {
		/* Internal functions live as long as the process: looked up once. */
		zgo.explicit_fn = zend_hash_str_find_ptr(CG(function_table), ZEND_STRL("gc_collect_cycles"));
	}
	zend_gc_observe_in_pass = false;
}

void zend_gc_observe_request_end(void)
{
	if (zgo.token) {
		zend_gc_observe_close_call(zgo.last_end ? zgo.last_end : zgo.call_begin, zgo.threshold_before, true);
	}
	zend_gc_observe_push();
	zend_gc_observe_in_pass = false;
}

#endif /* ZEND_MM_OBSERVE */
