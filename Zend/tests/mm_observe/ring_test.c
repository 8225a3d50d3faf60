/*
   +----------------------------------------------------------------------+
   | mm_observe: C-level tests of the ring (Zend/zend_mm_observe_ring.c)  |
   +----------------------------------------------------------------------+

   Built and run by mk/ring-test.sh against the configured fork tree: the
   ring's code is compiled in directly, with the one engine global it
   touches defined here.  Cases: wrap-around, full (counted loss), torn
   records (bad commit mark, record past head), the header check's refusal
   of foreign, truncated, newer and crafted files (regions that wrap or
   pass the end), and the file reader against a few thousand mutated
   files, a FIFO and a file others may write, and the child of a fork.  Prints one line per check and ends
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
#include <sys/wait.h>

/* The one engine symbol the ring touches (EG(vm_interrupt), to ask for a
 * drain).  Nothing of the observer's: the ring never calls it. */
ZEND_API zend_executor_globals executor_globals;

#include "../../zend_mm_observe_ring.c"
#include "../../zend_mm_observe_blocks.c"

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
	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_header *live = zend_mm_observe_ring_anon(64);
	uint64_t len = live->file_size;
	zend_mm_observe_ring_header copy;
	zend_mm_observe_ring_header *h = &copy;
	memcpy(h, live, sizeof(*h));

	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == SUCCESS, "refusal: a good file is accepted");
	check(zend_mm_observe_ring_check(h, 4096, err, sizeof(err)) == FAILURE && strstr(err, "truncated"), "refusal: truncated header");
	check(zend_mm_observe_ring_check(h, len - 1, err, sizeof(err)) == FAILURE && strstr(err, "truncated"), "refusal: truncated body");
	h->compat_version = 99;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "newer"), "refusal: a newer ring version");
	h->compat_version = 1;
	h->site_size++;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "another build"), "refusal: another build's record sizes");
	h->site_size--;
	h->head = h->tail + h->events_size + 16;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: head too far past tail");
	h->head = h->tail + 8;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: head off a record boundary");
	h->head = h->tail;
	/* Issue 12, bug 1: strings_offset = 2^63 and a capacity that makes the
	 * sum wrap to the file size. */
	h->strings_offset = (uint64_t) 1 << 63;
	h->strings_capacity = len - h->strings_offset;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: a region that wraps around 2^64");
	memcpy(h, live, sizeof(*h));
	h->site_capacity = UINT32_MAX;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: an absurd site capacity");
	memcpy(h, live, sizeof(*h));
	h->events_size = (uint64_t) 1 << 30;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE, "refusal: an event area past the end of the file");
	memcpy(h, live, sizeof(*h));
	h->site_count = h->site_capacity + 1;
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "inconsistent"), "refusal: more sites than the table holds");
	memcpy(h, live, sizeof(*h));
	memcpy(h->magic, "SQLite f", 8);
	check(zend_mm_observe_ring_check(h, len, err, sizeof(err)) == FAILURE && strstr(err, "not an mm_observe ring"), "refusal: another program's file");
}

/* Writes the live ring's used parts into a sparse file at `path`. */
static bool write_ring(const char *path, const zend_mm_observe_ring_header *live, uint64_t truncate_at)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0) {
		return false;
	}
	bool ok = ftruncate(fd, (off_t) live->file_size) == 0
		&& pwrite(fd, live, live->header_size, 0) == (ssize_t) live->header_size
		&& pwrite(fd, (const char *) live + live->events_offset, live->events_size, (off_t) live->events_offset) == (ssize_t) live->events_size
		&& pwrite(fd, (const char *) live + live->sites_offset, live->site_count * live->site_size, (off_t) live->sites_offset) >= 0
		&& pwrite(fd, (const char *) live + live->strings_offset, live->strings_len, (off_t) live->strings_offset) >= 0;
	if (truncate_at) {
		ok = ok && ftruncate(fd, (off_t) truncate_at) == 0;
	}
	close(fd);
	return ok;
}

/* Reads a ring the way the importer does: every record, every string. */
static void consume(const zend_mm_observe_ring_view *v)
{
	uint64_t pos = v->hdr->tail;
	bool torn = false;
	volatile size_t sum = 0;
	while (zend_mm_observe_ring_next(v, &pos, v->hdr->head, &torn)) {
		sum++;
	}
	for (uint32_t i = 1; i < v->site_count; i++) {
		sum += strlen(zend_mm_observe_ring_str(v, v->sites[i].file_str));
		sum += strlen(zend_mm_observe_ring_str(v, v->sites[i].function_str));
		sum += strlen(zend_mm_observe_ring_str(v, v->sites[i].callee_str));
	}
}

/* Reads one mutated file as the importer does; counts the outcome. */
static void fuzz_one(const char *path, int *cases, int *read_ok, int *refused)
{
	zend_mm_observe_ring_reader r;
	char err[256];

	(*cases)++;
	if (zend_mm_observe_ring_read_open(&r, path, ZEND_MM_OBSERVE_RING_READ_OWN | ZEND_MM_OBSERVE_RING_READ_EVENTS, err, sizeof(err)) == SUCCESS) {
		consume(&r.view);
		zend_mm_observe_ring_read_close(&r);
		(*read_ok)++;
	} else {
		(*refused)++;
	}
}

/* The reader (zend_mm_observe_ring_read_open) against mutated files: bit
 * flips anywhere in the used parts, every header field set to extreme
 * values, truncation at every header field.  It must refuse or read, never
 * crash (the process would die) or read out of bounds (run it under
 * valgrind or ASan to see that too). */
static void test_reader_fuzz(void)
{
	char path[] = "/tmp/mm_observe_ring_test.XXXXXX";
	int tfd = mkstemp(path);
	char err[256];
	zend_mm_observe_ring_reader r;
	close(tfd);

	zend_mm_observe_ring_configure(ZEND_MM_OBSERVE_RING_MIN, 0);
	zend_mm_observe_ring_header *live = zend_mm_observe_ring_anon(256);
	/* Some records, sites and strings to read. */
	for (uint64_t i = 0; i < 40; i++) {
		push(i, (uint32_t) (i * 7 % 200));
	}
	live->tail = 16 * 32;
	zend_mm_observe_site *sites = (zend_mm_observe_site *) ((char *) live + live->sites_offset);
	char *strings = (char *) live + live->strings_offset;
	strcpy(strings + 1, "/a/file.php");
	strcpy(strings + 13, "f");
	live->strings_len = 15;
	for (uint32_t i = 1; i < 10; i++) {
		sites[i].file_str = 1;
		sites[i].function_str = 13;
		sites[i].callee_str = i;
	}
	live->site_count = 10;

	check(write_ring(path, live, 0) && zend_mm_observe_ring_read_open(&r, path, ZEND_MM_OBSERVE_RING_READ_OWN | ZEND_MM_OBSERVE_RING_READ_EVENTS, err, sizeof(err)) == SUCCESS,
		"reader: a good file is read");
	zend_mm_observe_ring_read_close(&r);

	unsigned seed = 20261201;
	int read_ok = 0, refused = 0, cases = 0;
	/* Header fields at every 4-byte offset of the first 256 bytes, set to
	 * extreme values. */
	static const uint64_t extremes[] = { 0, 1, 15, 16, 4096, UINT32_MAX, (uint64_t) 1 << 31, (uint64_t) 1 << 32,
		(uint64_t) 1 << 63, UINT64_MAX, UINT64_MAX - 15 };
	zend_mm_observe_ring_header saved;
	memcpy(&saved, live, sizeof(saved));
	for (size_t off = 8; off < 256; off += 4) {
		for (size_t k = 0; k < sizeof(extremes) / sizeof(extremes[0]); k++) {
			memcpy(live, &saved, sizeof(saved));
			memcpy((char *) live + off, &extremes[k], off % 8 == 0 ? 8 : 4);
			if (!write_ring(path, &saved, 0)) {
				continue;
			}
			int fd = open(path, O_WRONLY);
			(void) !pwrite(fd, live, 256, 0);
			close(fd);
			fuzz_one(path, &cases, &read_ok, &refused);
		}
	}
	memcpy(live, &saved, sizeof(saved));
	/* Truncation at every header field and in every region. */
	uint64_t cuts[] = { 1, 7, 8, 100, 255, 4096, 8191, 8192, live->sites_offset, live->sites_offset + 100,
		live->strings_offset, live->strings_offset + 5, live->file_size - 1 };
	for (size_t k = 0; k < sizeof(cuts) / sizeof(cuts[0]); k++) {
		write_ring(path, live, cuts[k]);
		fuzz_one(path, &cases, &read_ok, &refused);
	}
	/* Random bit flips in the records, the sites and the strings. */
	for (int n = 0; n < 2000; n++) {
		write_ring(path, live, 0);
		int fd = open(path, O_RDWR);
		for (int f = 0; f < 4; f++) {
			uint64_t region = (uint64_t) rand_r(&seed) % 4;
			uint64_t at = region == 0 ? (uint64_t) rand_r(&seed) % 256
				: region == 1 ? live->events_offset + (uint64_t) rand_r(&seed) % (live->head + 64)
				: region == 2 ? live->sites_offset + (uint64_t) rand_r(&seed) % (live->site_count * live->site_size)
				: live->strings_offset + (uint64_t) rand_r(&seed) % 16;
			unsigned char b;
			if (pread(fd, &b, 1, (off_t) at) == 1) {
				b ^= (unsigned char) (1u << (rand_r(&seed) % 8));
				(void) !pwrite(fd, &b, 1, (off_t) at);
			}
		}
		close(fd);
		fuzz_one(path, &cases, &read_ok, &refused);
	}
	printf("reader fuzz: %d cases, %d read, %d refused\n", cases, read_ok, refused);
	check(cases > 2000 && read_ok > 0 && refused > 0, "reader: mutated files are read or refused, never crash");

	/* Refusals by file type and owner. */
	write_ring(path, live, 0);
	chmod(path, 0644);
	check(zend_mm_observe_ring_read_open(&r, path, ZEND_MM_OBSERVE_RING_READ_OWN, err, sizeof(err)) == FAILURE && strstr(err, "mode 0644"),
		"reader: a ring readable by others is refused for import");
	check(zend_mm_observe_ring_read_open(&r, path, 0, err, sizeof(err)) == SUCCESS, "reader: ... and read for --mm-top");
	zend_mm_observe_ring_read_close(&r);
	unlink(path);
	check(mkfifo(path, 0600) == 0 && zend_mm_observe_ring_read_open(&r, path, 0, err, sizeof(err)) == FAILURE && strstr(err, "FIFO"),
		"reader: a FIFO is refused without blocking");
	unlink(path);
}

/* The child of a fork keeps a private copy and forgets the parent's file
 * (the observer's pthread_atfork handler calls this; the ring returns a
 * status and never calls the observer). */
static void test_fork_child(void)
{
	char path[] = "/tmp/ring_test_fork_XXXXXX";
	char err[256];
	int tmp = mkstemp(path);
	int pipefd[2];

	close(tmp);
	unlink(path);
	zend_mm_observe_ring_header *live = zend_mm_observe_ring_anon(64);
	live->site_count = 2;
	check(zend_mm_observe_ring_attach(path, err, sizeof(err)) == SUCCESS, "fork: the ring file is attached");
	check(zend_mm_observe_ring_is_file(), "fork: the parent owns its file");
	push(1, 16);
	uint64_t head = live->head;
	if (pipe(pipefd) != 0) {
		check(false, "fork: pipe");
		return;
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		bool ok = zend_mm_observe_ring_fork_child();
		char r = (char) (ok && !zend_mm_observe_ring_is_file() && live->tail == live->head);
		/* The child goes on in private memory: its pushes never reach
		 * the parent's file. */
		r = (char) (r && push(2, 16));
		ssize_t w = write(pipefd[1], &r, 1);
		(void) w;
		_exit(0);
	}
	close(pipefd[1]);
	char r = 0;
	ssize_t got = read(pipefd[0], &r, 1);
	close(pipefd[0]);
	waitpid(pid, NULL, 0);
	check(got == 1 && r, "fork: the child keeps a private copy, no file, nothing pending");
	check(zend_mm_observe_ring_is_file() && live->head == head, "fork: the parent's file is untouched by the child");
	zend_mm_observe_ring_remove();
	struct stat st;
	check(stat(path, &st) != 0, "fork: the parent removes its file");
}


/* The block map's shadow (zend_mm_observe_blocks.c) on blocks of a made-up
 * chunk: 2 MiB-aligned address space of which the map only touches the
 * header's word (ZEND_MM_OBSERVE_CHUNK_WORD), never a block. */
static void test_block_map(void)
{
	size_t span = 2 * ZEND_MM_CHUNK_SIZE;
	char *area = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	check(area != MAP_FAILED, "block map: address space for a made-up chunk");
	if (area == MAP_FAILED) {
		return;
	}
	uintptr_t chunk = ((uintptr_t) area + ZEND_MM_CHUNK_SIZE - 1) & ~((uintptr_t) ZEND_MM_CHUNK_SIZE - 1);
	bool exact = true, found = true, churn = true, reused = true;
	size_t size = 0;

	zend_mm_observe_blocks_reset(true);
	/* The index multiplier gives floor(offset / size) for every offset in a
	 * page and every bin. */
	for (uint32_t c = 1; c <= ZEND_MM_OBSERVE_BINS; c++) {
		for (uint32_t o = 0; o < ZEND_MM_PAGE_SIZE; o++) {
			if ((uint32_t) (((uint64_t) o * zend_mm_observe_code_magic[c]) >> 32) != o / zend_mm_observe_bin_size[c - 1]) {
				exact = false;
			}
		}
	}
	check(exact, "block map: (offset * magic) >> 32 == offset / size for every bin and offset below a page");

	/* Every bin with a first block at every phase a run can give it: each
	 * block that starts in the page is found again with its site and size. */
	for (uint32_t c = 1; c <= ZEND_MM_OBSERVE_BINS; c++) {
		uint32_t s = zend_mm_observe_bin_size[c - 1];
		for (uint32_t phase = 0; phase < s && phase < ZEND_MM_PAGE_SIZE; phase += 8) {
			uintptr_t page = chunk + (uintptr_t) (1 + c) * ZEND_MM_PAGE_SIZE;
			uint32_t site = 1;
			for (uint32_t o = phase; o < ZEND_MM_PAGE_SIZE; o += s) {
				zend_mm_observe_blocks_set((void *) (page + o), site++, s);
			}
			site = 1;
			for (uint32_t o = phase; o < ZEND_MM_PAGE_SIZE; o += s) {
				size = 0;
				if (zend_mm_observe_blocks_take((void *) (page + o), &size) != site++ || size != s) {
					found = false;
				}
			}
		}
	}
	check(found, "block map: every block starting in a page of every bin, at every phase, keeps its site and size");

	/* Every page handed through every size, twice: the old slices are
	 * reused, and the slices stay inside the mapping. */
	uint32_t *shadow = NULL;
	uint32_t bump_after_first = 0;
	for (int round = 0; round < 2; round++) {
		for (uint32_t p = ZEND_MM_FIRST_PAGE; p < ZEND_MM_PAGES; p++) {
			for (uint32_t c = 1; c <= ZEND_MM_OBSERVE_CODE_LARGE; c++) {
				if (c > ZEND_MM_OBSERVE_BINS && c != ZEND_MM_OBSERVE_CODE_LARGE) {
					continue;
				}
				size_t s = c == ZEND_MM_OBSERVE_CODE_LARGE ? 3 * ZEND_MM_PAGE_SIZE : zend_mm_observe_bin_size[c - 1];
				void *ptr = (void *) (chunk + (uintptr_t) p * ZEND_MM_PAGE_SIZE + (c % 2 ? 0 : s));
				size = 0;
				if (!zend_mm_observe_blocks_set(ptr, 1000 + c, s) || zend_mm_observe_blocks_take(ptr, &size) != 1000 + c
						|| size != (c == ZEND_MM_OBSERVE_CODE_LARGE ? 0 : s)) {
					churn = false;
				}
			}
		}
		shadow = zend_mm_observe_blocks_chunk_shadow((void *) (chunk + ZEND_MM_PAGE_SIZE));
		if (round == 0) {
			bump_after_first = shadow ? shadow[ZEND_MM_OBSERVE_SHADOW_BUMP] : 0;
		} else if (!shadow || shadow[ZEND_MM_OBSERVE_SHADOW_BUMP] != bump_after_first) {
			reused = false;
		}
	}
	check(churn, "block map: 511 pages each handed through all 31 sizes keep every block's site");
	check(reused && bump_after_first * sizeof(uint32_t) <= ZEND_MM_OBSERVE_SHADOW_BYTES,
		"block map: a page's old slices are reused, and all slices fit the chunk's mapping");

	/* A block recorded by an earlier request reads as unrecorded. */
	void *old = (void *) (chunk + 7 * ZEND_MM_PAGE_SIZE + 64);
	zend_mm_observe_blocks_set(old, 42, 64);
	zend_mm_observe_blocks_reset(true);
	size = 0;
	check(zend_mm_observe_blocks_take(old, &size) == 0, "block map: an entry of the previous request reads as empty");
	zend_mm_observe_blocks_set(old, 43, 64);
	check(zend_mm_observe_blocks_take(old, &size) == 43 && size == 64, "block map: the next request records the block again");

	/* ZendMM clears a cached chunk's header: the word reads 0, and the
	 * slow path finds the chunk's shadow again and sets it. */
	zend_mm_observe_blocks_set(old, 44, 64);
	uint32_t *before = zend_mm_observe_blocks_chunk_shadow(old);
	memset((void *) chunk, 0, ZEND_MM_PAGE_SIZE);
	size = 0;
	check(before && !zend_mm_observe_blocks_chunk_shadow(old) && zend_mm_observe_blocks_take(old, &size) == 44 && size == 64
		&& zend_mm_observe_blocks_chunk_shadow(old) == before,
		"block map: a chunk whose header was cleared finds its shadow again, with its blocks");
	munmap(area, span);
}

int main(void)
{
	test_wrap();
	test_full();
	test_torn();
	test_refusals();
	test_reader_fuzz();
	test_fork_child();
	test_block_map();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
