/*
   +----------------------------------------------------------------------+
   | mm_observe: C-level tests of the ring (Zend/zend_mm_observe_ring.c)  |
   +----------------------------------------------------------------------+

   Built and run by mk/ring-test.sh against the configured fork tree: the
   ring's code is compiled in directly, with the few engine symbols it
   touches stubbed out.  Cases: wrap-around, full (counted loss), torn
   records (bad commit mark, record past head), and the reader's refusal of
   foreign, truncated and newer files.  Prints one line per check and ends
   with "N passed, N failed".
*/

#include "zend.h"
#include "zend_globals.h"
#include "zend_mm_observe.h"
#include "zend_mm_observe_ring.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>

/* Engine symbols the ring touches. */
ZEND_API zend_executor_globals executor_globals;
ZEND_API void zend_mm_observe_abandon(void) {}

#include "../../zend_mm_observe_ring.c"

static int passed, failed;

static void check(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
	if (ok) {
		passed++;
	} else {
		failed++;
	}
}

typedef struct { uint64_t seq; uint32_t len; } payload;

/* Pushes a record of `extra` payload bytes numbered seq. */
static bool push(uint64_t seq, uint32_t extra)
{
	static char junk[4096];
	payload p = { seq, extra };
	return zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_SAMPLE, &p, sizeof(p), junk, extra);
}

/* Reads everything in [tail, head), checking the sequence goes on from *next. */
static uint64_t drain(zend_mm_observe_ring_view *v, uint64_t *next, bool *in_order, bool *torn)
{
	uint64_t pos = v->hdr->tail, n = 0;
	const zend_mm_observe_event *ev;
	while ((ev = zend_mm_observe_ring_next(v, &pos, v->hdr->head, torn)) != NULL) {
		payload p;
		memcpy(&p, ev + 1, sizeof(p));
		if (p.seq != *next || ev->size != ZEND_MM_ALIGNED_SIZE_EX(16 + sizeof(p) + p.len, 16)) {
			*in_order = false;
		}
		(*next)++;
		n++;
	}
	v->hdr->tail = pos;
	return n;
}

static void test_wrap(void)
{
	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_anon(64);
	zend_mm_observe_ring_view v;
	zend_mm_observe_ring_view_live(&v);
	uint64_t seq = 1, next = 1, read = 0;
	bool in_order = true, torn = false, all_pushed = true;
	for (int round = 0; round < 400; round++) {
		for (int i = 0; i < 7; i++) {
			all_pushed &= push(seq, (uint32_t) ((seq * 37) % 700));
			seq++;
		}
		read += drain(&v, &next, &in_order, &torn);
	}
	check(all_pushed, "wrap: every record fits while the consumer keeps up");
	check(v.hdr->head > 20 * v.hdr->events_size, "wrap: head went round the area more than 20 times");
	check(in_order && read == seq - 1, "wrap: every record read back once, in order, with its size");
	check(!torn && v.hdr->events_lost == 0, "wrap: no torn record, nothing lost");
}

static void test_full(void)
{
	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_anon(64);
	zend_mm_observe_ring_view v;
	zend_mm_observe_ring_view_live(&v);
	uint64_t seq = 1, pushed = 0;
	while (push(seq, 100)) {
		seq++;
		pushed++;
	}
	uint64_t record = ZEND_MM_ALIGNED_SIZE_EX(16 + sizeof(payload) + 100, 16);
	check(pushed == v.hdr->events_size / record, "full: as many records as fit, no more");
	for (int i = 0; i < 9; i++) {
		push(seq, 100);
	}
	check(v.hdr->events_lost == 10 && v.hdr->bytes_lost == 10 * record, "full: every refused record counted (events_lost, bytes_lost)");
	check(zend_mm_observe_drain_wanted, "full: the high-water mark asked for a drain");
	uint64_t next = 1;
	bool in_order = true, torn = false;
	check(drain(&v, &next, &in_order, &torn) == pushed && in_order && !torn, "full: what was accepted is intact (never overwritten)");
	check(push(seq, 100), "full: room again once drained");
}

static void test_torn(void)
{
	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_anon(64);
	zend_mm_observe_ring_view v;
	zend_mm_observe_ring_view_live(&v);
	push(1, 10);
	uint64_t second = v.hdr->head;
	push(2, 10);
	push(3, 10);
	/* The writer died inside record 2: its commit mark is not there. */
	zend_mm_observe_event *ev = (zend_mm_observe_event *) (v.events + second % v.hdr->events_size);
	ev->commit = 0;
	uint64_t next = 1, pos = v.hdr->tail;
	bool in_order = true, torn = false;
	uint64_t n = 0;
	while (zend_mm_observe_ring_next(&v, &pos, v.hdr->head, &torn)) {
		n++;
	}
	check(n == 1 && torn, "torn: a record without its commit mark stops the reader, flagged torn");
	ev->commit = zend_mm_observe_event_mark(second);
	ev->size = 8;
	torn = false;
	pos = v.hdr->tail;
	n = 0;
	while (zend_mm_observe_ring_next(&v, &pos, v.hdr->head, &torn)) {
		n++;
	}
	check(n == 1 && torn, "torn: a record with an impossible size is refused");
	ev->size = ZEND_MM_ALIGNED_SIZE_EX(16 + sizeof(payload) + 10, 16);
	/* A record written but never published (head not advanced) is invisible. */
	uint64_t head = v.hdr->head;
	push(4, 10);
	v.hdr->head = head;
	torn = false;
	check(drain(&v, &next, &in_order, &torn) == 3 && in_order && !torn, "torn: a record past head is not read");
}

static void test_refusals(void)
{
	char err[256];
	zend_mm_observe_ring_view v;
	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_header *live = zend_mm_observe_ring_anon(64);
	size_t len = live->file_size;
	unsigned char *copy = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memcpy(copy, live, sizeof(*live));
	zend_mm_observe_ring_header *h = (zend_mm_observe_ring_header *) copy;

	check(zend_mm_observe_ring_view_map(&v, copy, len, err, sizeof(err)) == SUCCESS, "refusal: a good file is accepted");
	check(zend_mm_observe_ring_view_map(&v, copy, 4096, err, sizeof(err)) == FAILURE && strstr(err, "truncated"), "refusal: truncated header");
	check(zend_mm_observe_ring_view_map(&v, copy, len - 1, err, sizeof(err)) == FAILURE && strstr(err, "truncated"), "refusal: truncated body");
	h->compat_version = 99;
	check(zend_mm_observe_ring_view_map(&v, copy, len, err, sizeof(err)) == FAILURE && strstr(err, "newer"), "refusal: a newer ring version");
	h->compat_version = 1;
	h->site_size++;
	check(zend_mm_observe_ring_view_map(&v, copy, len, err, sizeof(err)) == FAILURE && strstr(err, "another build"), "refusal: another build's record sizes");
	h->site_size--;
	h->head = h->tail + h->events_size + 16;
	check(zend_mm_observe_ring_view_map(&v, copy, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: head too far past tail");
	h->head = h->tail;
	memcpy(h->magic, "SQLite f", 8);
	check(zend_mm_observe_ring_view_map(&v, copy, len, err, sizeof(err)) == FAILURE && strstr(err, "not an mm_observe ring"), "refusal: another program's file");
	munmap(copy, len);
}

int main(void)
{
	test_wrap();
	test_full();
	test_torn();
	test_refusals();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
