/*
   +----------------------------------------------------------------------+
   | mm_observe: the ring file (site table + event ring in a file mapping)|
   +----------------------------------------------------------------------+

   Design
   ======
   The format and the producer/consumer ordering are in
   zend_mm_observe_ring.h.  This file owns the mapping's life:

     - one address range per process, reserved once (anonymous, private,
       MAP_NORESERVE), holding the layout.  Its address never changes, so
       the observer's pointers into it (site table, string arena) are
       computed once;
     - attach: the exporter has a usable database; a new file is created
       (O_CREAT|O_EXCL|O_NOFOLLOW, 0600), locked, sized, the used parts
       are written into it with pwrite(), and the file is mapped MAP_SHARED
       with MAP_FIXED over the same range;
     - remove: the range is replaced by a fresh anonymous mapping (MAP_FIXED)
       and the file unlinked and closed (which drops the lock);
     - fork: a child must never write its parent's file.  A pthread_atfork
       child handler copies the used parts out, maps the range anonymous
       again, copies them back and forgets the file (the parent keeps it).
       The observer's pthread_atfork child handler calls it and stops
       observing the child when it fails: the ring never calls the
       observer (it is the bottom layer; zend_mm_observe_format.h).

   Invariants
   ----------
   1. Nothing here allocates through ZendMM.
   2. The file is reserved on disk (posix_fallocate) before any page of it
      is touched through the mapping, so a full disk is a refused
      reservation, never SIGBUS.
   3. Only the process that created the file (zr.owner) writes or removes
      it.
   4. Growing the file never kills the process: the file's size is checked
      against RLIMIT_FSIZE before it is sized, and SIGXFSZ is ignored around
      every call that extends it (the call fails with EFBIG instead: a
      counted loss, or an in-memory ring).
   5. A reader (zend_mm_observe_ring_read_open) never maps a file it did not
      write: it pread()s validated regions into private memory.
*/

#include "zend.h"
#include "zend_alloc.h"
#include "zend_globals.h"
#include "zend_mm_observe.h"
#include "zend_mm_observe_ring.h"

#ifdef ZEND_MM_OBSERVE

#include <sys/mman.h>
#include <sys/file.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#ifndef MAP_NORESERVE
# define MAP_NORESERVE 0
#endif
#ifndef O_NOFOLLOW
# define O_NOFOLLOW 0
#endif
#ifndef O_CLOEXEC
# define O_CLOEXEC 0
#endif
#ifndef O_NONBLOCK
# define O_NONBLOCK 0
#endif

ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, head) == 88, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, run_id) == 128, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, torn) == 200, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, run_token) == 208, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, request_head) == 216, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, paths_offset) == 224, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, path_size) == 252, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, run) == 256, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, database) == 2048, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, uri) == 6512, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, exit_status) == 7552, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, args) == 7568, "ring header layout");
ZEND_STATIC_ASSERT(sizeof(zend_mm_observe_ring_header) <= ZEND_MM_OBSERVE_RING_HEADER_SIZE, "ring header size");
ZEND_STATIC_ASSERT(sizeof(zend_mm_observe_event) == 16, "event header size");
ZEND_STATIC_ASSERT(sizeof(zend_mm_observe_request_event) == 128, "request record size");

ZEND_API bool zend_mm_observe_drain_wanted = false;

static struct {
	zend_mm_observe_ring_header *hdr;  /* the range; NULL until first use */
	size_t len;                        /* its length */
	size_t events_size;                /* setting, for the next layout */
	uint64_t sample_bytes;
	int fd;                            /* the attached file, or -1 */
	char *path;
	pid_t owner;
	uint64_t reserved_sites;           /* bytes of the sites region backed on disk */
	uint64_t reserved_strings;
	uint64_t reserved_path_frames;
	uint64_t reserved_paths;
} zr = { NULL, 0, ZEND_MM_OBSERVE_RING_DEFAULT, 0, -1, NULL, 0, 0, 0, 0, 0 };

/* ---- fault injection ---------------------------------------------------- */

ZEND_API bool zend_mm_observe_faults = false;

static struct {
	uint64_t calls;      /* seam calls so far in this process */
	uint64_t fail_at;    /* the call that fails (1-based), 0: none */
	bool persistent;     /* ... and every later call of the same kind */
	int kind;            /* that kind, once the call came; -1 before */
	bool log;
} zf = { 0, 0, false, -1, false };

static const char *const zend_mm_observe_fault_names[ZEND_MM_OBSERVE_FAULT_KINDS] = {
	"mmap", "ftruncate", "posix_fallocate", "pwrite", "link", "flock", "sqlite",
};

/* Reads MM_OBSERVE_FAULT and MM_OBSERVE_FAULT_LOG (module startup). */
static void zend_mm_observe_fault_setup(void)
{
	const char *v = getenv("MM_OBSERVE_FAULT");
	const char *log = getenv("MM_OBSERVE_FAULT_LOG");

	zf.log = log && *log && strcmp(log, "0") != 0;
	if (v && *v) {
		char *end;
		unsigned long long n = strtoull(v, &end, 10);
		zf.fail_at = n;
		zf.persistent = *end == '+';
	}
	zend_mm_observe_faults = zf.fail_at != 0 || zf.log;
}

ZEND_API bool zend_mm_observe_fault_slow(zend_mm_observe_fault_kind kind)
{
	uint64_t n = ++zf.calls;
	bool fail = zf.fail_at && (n == zf.fail_at || (zf.persistent && n > zf.fail_at && (int) kind == zf.kind));

	if (n == zf.fail_at) {
		zf.kind = (int) kind;
	}
	if (zf.log) {
		fprintf(stderr, "mm_observe fault seam %llu: %s%s\n", (unsigned long long) n,
			zend_mm_observe_fault_names[kind], fail ? " (failed)" : "");
	}
	if (fail) {
		errno = kind == ZEND_MM_OBSERVE_FAULT_FALLOCATE ? ENOSPC : EIO;
	}
	return fail;
}

ZEND_API void zend_mm_observe_ring_configure(size_t events_size, uint64_t sample_bytes)
{
	zr.events_size = ZEND_MM_ALIGNED_SIZE_EX(events_size, 4096);
	zr.sample_bytes = sample_bytes;
	zend_mm_observe_fault_setup();
}

/* Where the regions go for a ring of `events_size` bytes of records and
 * `site_capacity` sites: the writer's layout, and what a reader checks a
 * file's header against. */
static void zend_mm_observe_ring_layout_for(zend_mm_observe_ring_header *hdr, uint32_t site_capacity, uint64_t events_size)
{
	memcpy(hdr->magic, ZEND_MM_OBSERVE_RING_MAGIC, sizeof(hdr->magic));
	hdr->version = ZEND_MM_OBSERVE_RING_VERSION;
	hdr->compat_version = ZEND_MM_OBSERVE_RING_COMPAT;
	hdr->header_size = ZEND_MM_OBSERVE_RING_HEADER_SIZE;
	hdr->endian_check = ZEND_MM_OBSERVE_RING_ENDIAN;
	hdr->site_size = sizeof(zend_mm_observe_site);
	hdr->site_capacity = site_capacity;
	hdr->events_offset = ZEND_MM_OBSERVE_RING_HEADER_SIZE;
	hdr->events_size = events_size;
	hdr->sites_offset = hdr->events_offset + hdr->events_size;
	hdr->strings_offset = ZEND_MM_ALIGNED_SIZE_EX(hdr->sites_offset + (uint64_t) site_capacity * sizeof(zend_mm_observe_site), 4096);
	hdr->strings_capacity = ZEND_MM_OBSERVE_RING_STRINGS;
	hdr->paths_offset = ZEND_MM_ALIGNED_SIZE_EX(hdr->strings_offset + hdr->strings_capacity, 4096);
	hdr->path_frame_capacity = ZEND_MM_OBSERVE_RING_PATH_FRAMES;
	hdr->path_capacity = ZEND_MM_OBSERVE_RING_PATHS;
	hdr->path_frame_size = sizeof(zend_mm_observe_path_frame);
	hdr->path_size = sizeof(zend_mm_observe_path);
	hdr->file_size = zend_mm_observe_ring_path_table(hdr) + (uint64_t) hdr->path_capacity * hdr->path_size;
	hdr->run_size = sizeof(zend_mm_observe_run);
	hdr->event_header_size = sizeof(zend_mm_observe_event);
}

void zend_mm_observe_ring_layout(zend_mm_observe_ring_header *hdr, uint32_t site_capacity)
{
	zend_mm_observe_ring_layout_for(hdr, site_capacity, zr.events_size);
	hdr->sample_bytes = zr.sample_bytes;
}

/* A fresh private anonymous range at `at` (MAP_FIXED) or anywhere. */
static void *zend_mm_observe_ring_map_anon(void *at, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (at ? MAP_FIXED : 0);
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_MMAP)) {
		return NULL;
	}
	void *p = mmap(at, len, PROT_READ | PROT_WRITE, flags, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

zend_mm_observe_ring_header *zend_mm_observe_ring_anon(uint32_t site_capacity)
{
	if (!zr.hdr) {
		zend_mm_observe_ring_header probe;
		memset(&probe, 0, sizeof(probe));
		zend_mm_observe_ring_layout(&probe, site_capacity);
		void *p = zend_mm_observe_ring_map_anon(NULL, probe.file_size);
		if (!p) {
			return NULL;
		}
		zr.hdr = p;
		zr.len = probe.file_size;
	}
	/* A new request: a fresh header, the same layout. */
	memset(zr.hdr, 0, sizeof(*zr.hdr));
	zend_mm_observe_ring_layout(zr.hdr, site_capacity);
	zend_mm_observe_drain_wanted = false;
	return zr.hdr;
}

void zend_mm_observe_ring_next_request(void)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	hdr->run_id = 0;
	hdr->run_token = 0;
	hdr->flushes = 0;
	hdr->flush_ns = 0;
	hdr->flush_ns_max = 0;
	hdr->torn = 0;
	hdr->allocated = 0;
	hdr->final_status[0] = '\0';
	hdr->exit_status = 0;
	hdr->request_head = hdr->head;
	zend_mm_observe_drain_wanted = false;
}

ZEND_API bool zend_mm_observe_ring_rewind(void)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	if (!hdr || zend_mm_observe_ring_read_tail(hdr) > hdr->request_head) {
		return false;
	}
	zend_mm_observe_ring_publish_head(hdr, hdr->request_head);
	return true;
}

ZEND_API uint64_t zend_mm_observe_ring_pending(void)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	return hdr ? zend_mm_observe_ring_read_head(hdr) - zend_mm_observe_ring_read_tail(hdr) : 0;
}

void zend_mm_observe_ring_idle(void)
{
	zr.hdr->request_head = zr.hdr->head;
	zend_mm_observe_ring_set_state(zr.hdr, ZEND_MM_OBSERVE_RING_IDLE);
}

/* Invariant 4: a call that extends the file fails with EFBIG instead of
 * raising SIGXFSZ (whose default action kills the process).  A SIGXFSZ
 * raised while it is ignored is discarded, never left pending. */
static void zend_mm_observe_ring_xfsz_ignore(struct sigaction *saved)
{
	struct sigaction ign;
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGXFSZ, &ign, saved);
}

static void zend_mm_observe_ring_xfsz_restore(const struct sigaction *saved)
{
	sigaction(SIGXFSZ, saved, NULL);
}

/* posix_fallocate() with SIGXFSZ ignored; 0 or an errno value. */
static int zend_mm_observe_ring_fallocate(int fd, uint64_t offset, uint64_t len)
{
	struct sigaction saved;
	int e;

	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_FALLOCATE)) {
		return ENOSPC;
	}
	zend_mm_observe_ring_xfsz_ignore(&saved);
	e = posix_fallocate(fd, (off_t) offset, (off_t) len);
	zend_mm_observe_ring_xfsz_restore(&saved);
	return e;
}

/* Backs [offset + *reserved, offset + end) of the file, in GROW steps. */
static bool zend_mm_observe_ring_back(uint64_t offset, uint64_t end, uint64_t limit, uint64_t *reserved)
{
	if (end <= *reserved) {
		return true;
	}
	uint64_t want = ZEND_MM_ALIGNED_SIZE_EX(end + ZEND_MM_OBSERVE_RING_GROW, ZEND_MM_OBSERVE_RING_GROW);
	if (want > limit) {
		want = limit;
	}
	if (end > want || zend_mm_observe_ring_fallocate(zr.fd, offset + *reserved, want - *reserved) != 0) {
		return false;
	}
	*reserved = want;
	return true;
}

bool zend_mm_observe_ring_reserve(uint64_t offset, uint64_t end)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	if (zr.fd < 0) {
		return true; /* anonymous: MAP_NORESERVE, the table's own capacity bounds it */
	}
	if (offset == hdr->sites_offset) {
		return zend_mm_observe_ring_back(offset, end, hdr->strings_offset - hdr->sites_offset, &zr.reserved_sites);
	}
	if (offset == hdr->paths_offset) {
		return zend_mm_observe_ring_back(offset, end, zend_mm_observe_ring_path_table(hdr) - hdr->paths_offset, &zr.reserved_path_frames);
	}
	if (offset == zend_mm_observe_ring_path_table(hdr)) {
		return zend_mm_observe_ring_back(offset, end, hdr->file_size - offset, &zr.reserved_paths);
	}
	return zend_mm_observe_ring_back(offset, end, hdr->strings_capacity, &zr.reserved_strings);
}

ZEND_API bool zend_mm_observe_event_push(uint16_t type, const void *payload, uint32_t len,
	const void *extra, uint32_t extra_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	uint64_t n = hdr->events_size;
	uint64_t size = ZEND_MM_ALIGNED_SIZE_EX((uint64_t) sizeof(zend_mm_observe_event) + len + extra_len, 16);
	uint64_t head = hdr->head;
	uint64_t tail = zend_mm_observe_ring_read_tail(hdr);
	uint64_t off = head % n;
	uint64_t pad = off + size > n ? n - off : 0;
	unsigned char *events = (unsigned char *) hdr + hdr->events_offset;

	if (size > n / 2 || head + pad + size - tail > n) {
		hdr->events_lost++;
		hdr->bytes_lost += size;
		return false;
	}
	if (pad) {
		zend_mm_observe_event *p = (zend_mm_observe_event *) (events + off);
		p->size = (uint32_t) pad;
		p->type = ZEND_MM_OBSERVE_EVENT_PAD;
		p->reserved = 0;
		p->reserved2 = 0;
		zend_mm_observe_ring_commit_record(p, head);
		head += pad;
		off = 0;
	}
	zend_mm_observe_event *ev = (zend_mm_observe_event *) (events + off);
	memcpy(ev + 1, payload, len);
	if (extra_len) {
		memcpy((unsigned char *) (ev + 1) + len, extra, extra_len);
	}
	ev->size = (uint32_t) size;
	ev->type = type;
	ev->reserved = 0;
	ev->reserved2 = 0;
	zend_mm_observe_ring_commit_record(ev, head);
	zend_mm_observe_ring_publish_head(hdr, head + size);
	if (!zend_mm_observe_drain_wanted && head + size - tail > ZEND_MM_OBSERVE_RING_HIGH_WATER(n)) {
		/* Drain at the next safe point: the VM calls zend_interrupt_function
		 * (ext/mm_observe hooks it) before its next opline. */
		zend_mm_observe_drain_wanted = true;
		zend_atomic_bool_store_ex(&EG(vm_interrupt), true);
	}
	return true;
}

/* ---- the file ----------------------------------------------------------- */

/* Child of a fork: keep a private copy of what the child goes on using,
 * drop the file.  The child never exports (the exporter forgets its
 * parent's database, php_mm_export_forked()), so the pending records are
 * not copied: they stay the parent's, and the child's ring starts empty
 * (tail = head).  What is copied: the header, the published sites (their
 * counters go on; the block map refers to them) and the published strings
 * (the interning table refers to them); a few MB at most, never the event
 * area. */
bool zend_mm_observe_ring_fork_child(void)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	bool ok = true;

	if (zr.fd < 0 || !hdr) {
		return true;
	}
	size_t used[5][2] = {
		{ 0, hdr->header_size },
		{ hdr->sites_offset, (size_t) hdr->site_count * hdr->site_size },
		{ hdr->strings_offset, hdr->strings_len },
		{ hdr->paths_offset, (size_t) hdr->path_frame_count * hdr->path_frame_size },
		{ zend_mm_observe_ring_path_table(hdr), (size_t) hdr->path_count * hdr->path_size },
	};
	size_t total = 0;
	for (int i = 0; i < 5; i++) {
		total += used[i][1];
	}
	unsigned char *copy = malloc(total);
	unsigned char *p = copy;
	if (copy) {
		for (int i = 0; i < 5; i++) {
			memcpy(p, (unsigned char *) hdr + used[i][0], used[i][1]);
			p += used[i][1];
		}
	}
	if (!zend_mm_observe_ring_map_anon(hdr, zr.len)) {
		/* Cannot happen short of address-space exhaustion: the child must
		 * stop observing rather than write its parent's file. */
		ok = false;
	} else if (!copy) {
		/* Fresh zero pages: pointers stay valid, nothing to observe. */
		ok = false;
	} else {
		p = copy;
		for (int i = 0; i < 5; i++) {
			memcpy((unsigned char *) hdr + used[i][0], p, used[i][1]);
			p += used[i][1];
		}
		hdr->tail = hdr->head;
		hdr->request_head = hdr->head;
	}
	free(copy);
	close(zr.fd);
	zr.fd = -1;
	free(zr.path);
	zr.path = NULL;
	return ok;
}

static void zend_mm_observe_ring_fail(char *err, size_t err_len, const char *what, int error)
{
	snprintf(err, err_len, "%s (%s)", what, strerror(error));
}

/* pwrite() of all `len` bytes, SIGXFSZ ignored by the caller. */
static bool zend_mm_observe_ring_pwrite(int fd, const void *buf, uint64_t len, uint64_t offset)
{
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_PWRITE)) {
		return false;
	}
	while (len > 0) {
		ssize_t n = pwrite(fd, buf, (size_t) MIN(len, (uint64_t) 1 << 30), (off_t) offset);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			if (n == 0) {
				errno = EIO;
			}
			return false;
		}
		buf = (const unsigned char *) buf + n;
		len -= (uint64_t) n;
		offset += (uint64_t) n;
	}
	return true;
}

/* Creates, sizes and fills the file `tmp` from the live layout; the
 * descriptor, locked, or -1 with `err` set.  SIGXFSZ is ignored by the
 * caller (invariant 4). */
/* The used parts of the in-memory layout into the new file; the caller
 * then maps the file over them.  Events: the whole used span (at most the
 * area). */
static bool zend_mm_observe_ring_write_used(int fd, uint64_t sites_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	uint64_t n = hdr->events_size;
	uint64_t from = hdr->tail, to = hdr->head;
	bool ok = zend_mm_observe_ring_pwrite(fd, hdr, hdr->header_size, 0);

	while (ok && from < to) {
		uint64_t off = from % n;
		uint64_t chunk = MIN(to - from, n - off);
		ok = zend_mm_observe_ring_pwrite(fd, (unsigned char *) hdr + hdr->events_offset + off, chunk, hdr->events_offset + off);
		from += chunk;
	}
	return ok
		&& zend_mm_observe_ring_pwrite(fd, (unsigned char *) hdr + hdr->sites_offset, sites_len, hdr->sites_offset)
		&& zend_mm_observe_ring_pwrite(fd, (unsigned char *) hdr + hdr->strings_offset, hdr->strings_len, hdr->strings_offset)
		&& zend_mm_observe_ring_pwrite(fd, (unsigned char *) hdr + hdr->paths_offset,
			(uint64_t) hdr->path_frame_count * hdr->path_frame_size, hdr->paths_offset)
		&& zend_mm_observe_ring_pwrite(fd, (unsigned char *) hdr + zend_mm_observe_ring_path_table(hdr),
			(uint64_t) hdr->path_count * hdr->path_size, zend_mm_observe_ring_path_table(hdr));
}

/* Creates, locks, sizes and fills the file at `tmp` (invariants 2 and 4);
 * its descriptor, or -1 with `err` set and the file gone. */
static int zend_mm_observe_ring_make(const char *tmp, char *err, size_t err_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	struct rlimit rl;
	int fd, e;

	/* Invariant 4: a file-size limit below the file's (sparse) size makes
	 * ftruncate() fail with EFBIG; say which limit. */
	if (getrlimit(RLIMIT_FSIZE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && (uint64_t) rl.rlim_cur < hdr->file_size) {
		snprintf(err, err_len, "would be %llu bytes (sparse), over the file size limit of %llu bytes (ulimit -f)",
			(unsigned long long) hdr->file_size, (unsigned long long) rl.rlim_cur);
		return -1;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* Left by an earlier process with this pid that died here (or
		 * planted: unlink() removes a symlink itself, never its target). */
		unlink(tmp);
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be created", errno);
		return -1;
	}
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_FLOCK) || flock(fd, LOCK_EX | LOCK_NB) != 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be locked", errno);
		goto fail;
	}
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_FTRUNCATE) || ftruncate(fd, (off_t) hdr->file_size) != 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be sized", errno);
		goto fail;
	}
	e = zend_mm_observe_ring_fallocate(fd, 0, hdr->events_offset + hdr->events_size);
	if (e != 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be reserved on disk", e);
		goto fail;
	}
	zr.fd = fd;
	zr.reserved_sites = zr.reserved_strings = zr.reserved_path_frames = zr.reserved_paths = 0;
	uint64_t sites_len = (uint64_t) hdr->site_count * hdr->site_size;
	bool reserved = zend_mm_observe_ring_reserve(hdr->sites_offset, sites_len)
		&& zend_mm_observe_ring_reserve(hdr->strings_offset, hdr->strings_len)
		&& zend_mm_observe_ring_reserve(hdr->paths_offset, (uint64_t) hdr->path_frame_count * hdr->path_frame_size)
		&& zend_mm_observe_ring_reserve(zend_mm_observe_ring_path_table(hdr), (uint64_t) hdr->path_count * hdr->path_size);
	zr.fd = -1;
	if (!reserved) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be reserved on disk", ENOSPC);
		goto fail;
	}
	hdr->pid = (int32_t) getpid();
	hdr->writer_state = ZEND_MM_OBSERVE_RING_RECORDING;
	if (!zend_mm_observe_ring_write_used(fd, sites_len)) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be written", errno);
		goto fail;
	}
	return fd;

fail:
	e = errno;
	unlink(tmp);
	close(fd);
	errno = e;
	return -1;
}

ZEND_API zend_result zend_mm_observe_ring_attach(const char *path, char *err, size_t err_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	struct sigaction saved;

	if (!hdr || zr.fd >= 0) {
		snprintf(err, err_len, "no ring to attach");
		return FAILURE;
	}
	/* Made under a temporary name, locked, then linked to its name: a
	 * reader scanning for orphans never sees it unlocked or half made,
	 * and link() refuses (never follows) anything already at `path`. */
	char tmp[MAXPATHLEN];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int) sizeof(tmp)) {
		snprintf(err, err_len, "path too long");
		return FAILURE;
	}
	zend_mm_observe_ring_xfsz_ignore(&saved);
	int fd = zend_mm_observe_ring_make(tmp, err, err_len);
	zend_mm_observe_ring_xfsz_restore(&saved);
	if (fd < 0) {
		return FAILURE;
	}
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_LINK) || link(tmp, path) != 0) {
		struct stat st;
		if (errno == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
			snprintf(err, err_len, "is a symbolic link; refusing to follow it");
		} else {
			zend_mm_observe_ring_fail(err, err_len, errno == EEXIST
				? "already exists (the ring of an earlier process with this pid, not imported)" : "cannot be created", errno);
		}
		unlink(tmp);
		close(fd);
		return FAILURE;
	}
	unlink(tmp);
	/* Mapped through its final name, so /proc/PID/maps names it (php
	 * --mm-top PID); the same inode as the locked descriptor. */
	struct stat locked, named;
	int mfd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	if (mfd < 0 || fstat(fd, &locked) != 0 || fstat(mfd, &named) != 0
			|| locked.st_ino != named.st_ino || locked.st_dev != named.st_dev
			|| zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_MMAP)
			|| mmap(hdr, zr.len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0) == MAP_FAILED) {
		/* MAP_FIXED failing leaves the range as it was. */
		zend_mm_observe_ring_fail(err, err_len, "cannot be mapped", mfd < 0 ? errno : EBUSY);
		if (mfd >= 0) {
			close(mfd);
		}
		unlink(path);
		close(fd);
		return FAILURE;
	}
	close(mfd);
	zr.fd = fd;
	zr.path = strdup(path);
	zr.owner = getpid();
	return SUCCESS;
}

ZEND_API zend_mm_observe_ring_header *zend_mm_observe_ring_live(void)
{
	return zr.hdr;
}

ZEND_API bool zend_mm_observe_ring_is_file(void)
{
	return zr.fd >= 0; /* a forked child has forgotten it (zend_mm_observe_ring_fork_child) */
}

ZEND_API const char *zend_mm_observe_ring_path(void)
{
	return zr.fd >= 0 ? zr.path : NULL;
}

ZEND_API void zend_mm_observe_ring_remove(void)
{
	if (zr.fd < 0) {
		return;
	}
	if (zr.owner == getpid()) {
		zend_mm_observe_ring_set_state(zr.hdr, ZEND_MM_OBSERVE_RING_EXPORTED);
		/* A fresh anonymous range over the file's pages: the observer's
		 * pointers stay valid, nothing dirty is written back. */
		if (!zend_mm_observe_ring_map_anon(zr.hdr, zr.len)) {
			munmap(zr.hdr, zr.len);
			zr.hdr = NULL;
		}
		unlink(zr.path);
	}
	close(zr.fd);
	zr.fd = -1;
	free(zr.path);
	zr.path = NULL;
}

ZEND_API void zend_mm_observe_ring_keep(void)
{
	if (zr.fd < 0) {
		return;
	}
	if (zr.owner == getpid()) {
		/* Dirty pages reach the file: it is a shared mapping. */
		msync(zr.hdr, zr.len, MS_ASYNC);
		if (!zend_mm_observe_ring_map_anon(zr.hdr, zr.len)) {
			munmap(zr.hdr, zr.len);
			zr.hdr = NULL;
		}
	}
	close(zr.fd);
	zr.fd = -1;
	free(zr.path);
	zr.path = NULL;
}

/* ---- readers ------------------------------------------------------------ */

/* The regions of a ring starting at `hdr` (published counts, acquire). */
static void zend_mm_observe_ring_view_fill(zend_mm_observe_ring_view *view, zend_mm_observe_ring_header *hdr)
{
	view->hdr = hdr;
	view->sites = (const zend_mm_observe_site *) ((unsigned char *) hdr + hdr->sites_offset);
	view->site_count = zend_mm_observe_ring_read_site_count(hdr);
	view->strings = (const char *) hdr + hdr->strings_offset;
	view->strings_len = zend_mm_observe_ring_read_strings_len(hdr);
	view->events = (const unsigned char *) hdr + hdr->events_offset;
	view->path_frames = (const zend_mm_observe_path_frame *) ((unsigned char *) hdr + hdr->paths_offset);
	view->path_frame_count = zend_mm_observe_ring_read_path_frame_count(hdr);
	view->paths = (const zend_mm_observe_path *) ((unsigned char *) hdr + zend_mm_observe_ring_path_table(hdr));
	view->path_count = zend_mm_observe_ring_read_path_count(hdr);
}

ZEND_API void zend_mm_observe_ring_view_live(zend_mm_observe_ring_view *view)
{
	zend_mm_observe_ring_view_fill(view, zr.hdr);
}

ZEND_API zend_result zend_mm_observe_ring_check(const zend_mm_observe_ring_header *hdr, uint64_t file_len,
	char *err, size_t err_len)
{
	zend_mm_observe_ring_header want;

	if (file_len < 8 || memcmp(hdr->magic, ZEND_MM_OBSERVE_RING_MAGIC, 8) != 0) {
		snprintf(err, err_len, "is not an mm_observe ring file (no MMOBRING magic)");
		return FAILURE;
	}
	if (file_len < ZEND_MM_OBSERVE_RING_HEADER_SIZE) {
		snprintf(err, err_len, "is truncated (%llu bytes; the header alone is %d)",
			(unsigned long long) file_len, ZEND_MM_OBSERVE_RING_HEADER_SIZE);
		return FAILURE;
	}
	if (hdr->endian_check != ZEND_MM_OBSERVE_RING_ENDIAN) {
		snprintf(err, err_len, "was written on a machine of another byte order");
		return FAILURE;
	}
	if (hdr->compat_version > ZEND_MM_OBSERVE_RING_VERSION) {
		snprintf(err, err_len, "was written by a newer mm_observe (ring version %u, readable from version %u; this build reads version %d)",
			hdr->version, hdr->compat_version, ZEND_MM_OBSERVE_RING_VERSION);
		return FAILURE;
	}
	if (hdr->site_size != sizeof(zend_mm_observe_site) || hdr->run_size != sizeof(zend_mm_observe_run)
			|| hdr->event_header_size != sizeof(zend_mm_observe_event) || hdr->header_size != ZEND_MM_OBSERVE_RING_HEADER_SIZE
			|| hdr->path_frame_size != sizeof(zend_mm_observe_path_frame) || hdr->path_size != sizeof(zend_mm_observe_path)) {
		snprintf(err, err_len, "was written by another build of mm_observe (record sizes differ: site %u, run %u; this build: %zu, %zu)",
			hdr->site_size, hdr->run_size, sizeof(zend_mm_observe_site), sizeof(zend_mm_observe_run));
		return FAILURE;
	}
	/* The layout is a function of two bounded numbers: recompute it and
	 * require every offset to be where this build puts it.  With
	 * events_size <= 1 GiB and site_capacity <= 2^20 nothing below can
	 * overflow, and every region ends at or before file_size. */
	if (hdr->events_size < ZEND_MM_OBSERVE_RING_MIN || hdr->events_size > ZEND_MM_OBSERVE_RING_MAX
			|| hdr->events_size % 4096 || hdr->site_capacity == 0 || hdr->site_capacity > ZEND_MM_OBSERVE_RING_SITES_MAX) {
		snprintf(err, err_len, "has an inconsistent header (event area of %llu bytes, %u sites: corrupt)",
			(unsigned long long) hdr->events_size, hdr->site_capacity);
		return FAILURE;
	}
	memset(&want, 0, sizeof(want));
	zend_mm_observe_ring_layout_for(&want, hdr->site_capacity, hdr->events_size);
	if (hdr->events_offset != want.events_offset || hdr->sites_offset != want.sites_offset
			|| hdr->strings_offset != want.strings_offset || hdr->strings_capacity != want.strings_capacity
			|| hdr->paths_offset != want.paths_offset || hdr->path_frame_capacity != want.path_frame_capacity
			|| hdr->path_capacity != want.path_capacity || hdr->file_size != want.file_size) {
		snprintf(err, err_len, "has an inconsistent header (its regions are not where they belong: corrupt)");
		return FAILURE;
	}
	/* Published counts within their regions; the pending records within
	 * the area, on record boundaries. */
	if (hdr->site_count > hdr->site_capacity || hdr->strings_len > hdr->strings_capacity
			|| hdr->path_frame_count > hdr->path_frame_capacity || hdr->path_count > hdr->path_capacity
			|| hdr->tail > hdr->head || hdr->head - hdr->tail > hdr->events_size
			|| hdr->tail % 16 || hdr->head % 16) {
		snprintf(err, err_len, "has an inconsistent header (counts or positions out of range: corrupt)");
		return FAILURE;
	}
	if (file_len < hdr->file_size) {
		snprintf(err, err_len, "is truncated (%llu bytes of %llu)", (unsigned long long) file_len, (unsigned long long) hdr->file_size);
		return FAILURE;
	}
	return SUCCESS;
}

/* pread() of exactly `len` bytes; false on a short read (the file shrank). */
static bool zend_mm_observe_ring_pread(int fd, void *buf, uint64_t len, uint64_t offset)
{
	while (len > 0) {
		ssize_t n = pread(fd, buf, (size_t) MIN(len, (uint64_t) 1 << 30), (off_t) offset);
		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			return false;
		}
		buf = (unsigned char *) buf + n;
		len -= (uint64_t) n;
		offset += (uint64_t) n;
	}
	return true;
}

static const char *zend_mm_observe_ring_file_type(mode_t mode)
{
	if (S_ISFIFO(mode)) {
		return "a FIFO";
	}
	if (S_ISDIR(mode)) {
		return "a directory";
	}
	if (S_ISSOCK(mode)) {
		return "a socket";
	}
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		return "a device";
	}
	return "not a regular file";
}

/* Terminates every text field of a header copy. */
static void zend_mm_observe_ring_terminate(zend_mm_observe_ring_header *hdr)
{
	hdr->database[sizeof(hdr->database) - 1] = '\0';
	hdr->script[sizeof(hdr->script) - 1] = '\0';
	hdr->sapi[sizeof(hdr->sapi) - 1] = '\0';
	hdr->php_version[sizeof(hdr->php_version) - 1] = '\0';
	hdr->run_tag[sizeof(hdr->run_tag) - 1] = '\0';
	hdr->method[sizeof(hdr->method) - 1] = '\0';
	hdr->uri[sizeof(hdr->uri) - 1] = '\0';
	hdr->final_status[sizeof(hdr->final_status) - 1] = '\0';
	hdr->args[sizeof(hdr->args) - 1] = '\0';
}

ZEND_API void zend_mm_observe_ring_read_close(zend_mm_observe_ring_reader *r)
{
	if (r->fd >= 0) {
		close(r->fd);
	}
	free(r->header);
	free(r->sites);
	free(r->strings);
	free(r->path_frames);
	free(r->paths);
	if (r->events) {
		munmap(r->events, r->events_len);
	}
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* What an opened candidate must be before anything of it is read: a
 * regular, non-empty file; with READ_OWN, ours and private. */
static bool zend_mm_observe_ring_file_ok(const struct stat *st, int flags, char *err, size_t err_len)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, err_len, "is %s, not a ring file", zend_mm_observe_ring_file_type(st->st_mode));
		return false;
	}
	if ((flags & ZEND_MM_OBSERVE_RING_READ_OWN) && st->st_uid != geteuid()) {
		snprintf(err, err_len, "belongs to uid %ld, not to you (uid %ld); only its owner imports it",
			(long) st->st_uid, (long) geteuid());
		return false;
	}
	if ((flags & ZEND_MM_OBSERVE_RING_READ_OWN) && (st->st_mode & 077)) {
		snprintf(err, err_len, "has mode %04o; a ring file is mode 0600 (others could have written it)",
			(unsigned) (st->st_mode & 07777));
		return false;
	}
	if (st->st_size == 0) {
		snprintf(err, err_len, "is empty: not an mm_observe ring file");
		return false;
	}
	return true;
}

/* The pending records of a validated ring: the whole area, zero pages but
 * for [tail, head). */
static bool zend_mm_observe_ring_read_events(zend_mm_observe_ring_reader *r, char *err, size_t err_len)
{
	const zend_mm_observe_ring_header *hdr = r->header;
	uint64_t n = hdr->events_size;
	void *ev = mmap(NULL, (size_t) n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (ev == MAP_FAILED) {
		snprintf(err, err_len, "cannot be read (out of memory for %llu bytes of records)", (unsigned long long) n);
		return false;
	}
	r->events = ev;
	r->events_len = (size_t) n;
	for (uint64_t from = hdr->tail; from < hdr->head; ) {
		uint64_t off = from % n;
		uint64_t chunk = MIN(hdr->head - from, n - off);
		if (!zend_mm_observe_ring_pread(r->fd, (unsigned char *) ev + off, chunk, hdr->events_offset + off)) {
			snprintf(err, err_len, "is truncated (it shrank while being read)");
			return false;
		}
		from += chunk;
	}
	return true;
}

ZEND_API zend_result zend_mm_observe_ring_read_open(zend_mm_observe_ring_reader *r, const char *path, int flags,
	char *err, size_t err_len)
{
	struct stat st;
	char why[256];

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP) {
			snprintf(err, err_len, "is a symbolic link; refusing to follow it");
		} else {
			snprintf(err, err_len, "cannot be opened (%s)", strerror(errno));
		}
		return FAILURE;
	}
	r->fd = fd;
	if (fstat(fd, &st) != 0) {
		snprintf(err, err_len, "cannot be examined (%s)", strerror(errno));
		goto fail;
	}
	if (!zend_mm_observe_ring_file_ok(&st, flags, err, err_len)) {
		goto fail;
	}
	r->uid = st.st_uid;
	r->size = (uint64_t) st.st_size;

	/* The header: a private copy, then checked. */
	r->header = calloc(1, ZEND_MM_OBSERVE_RING_HEADER_SIZE);
	if (!r->header) {
		snprintf(err, err_len, "cannot be read (out of memory)");
		goto fail;
	}
	uint64_t have = MIN(r->size, (uint64_t) ZEND_MM_OBSERVE_RING_HEADER_SIZE);
	if (!zend_mm_observe_ring_pread(fd, r->header, have, 0)) {
		snprintf(err, err_len, "cannot be read (%s)", errno ? strerror(errno) : "short read");
		goto fail;
	}
	zend_mm_observe_ring_header *hdr = r->header;
	if (zend_mm_observe_ring_check(hdr, have < ZEND_MM_OBSERVE_RING_HEADER_SIZE ? have : r->size, why, sizeof(why)) == FAILURE) {
		snprintf(err, err_len, "%s", why);
		goto fail;
	}
	zend_mm_observe_ring_terminate(hdr);

	/* The regions the header publishes, each checked above to lie inside
	 * the file; a short read means the file changed under us. */
	uint64_t sites_len = (uint64_t) hdr->site_count * hdr->site_size;
	uint64_t frames_len = (uint64_t) hdr->path_frame_count * hdr->path_frame_size;
	uint64_t paths_len = (uint64_t) hdr->path_count * hdr->path_size;
	r->sites = malloc(MAX(sites_len, 1));
	r->strings = malloc((size_t) hdr->strings_len + 1);
	r->path_frames = malloc(MAX(frames_len, 1));
	r->paths = malloc(MAX(paths_len, 1));
	if (!r->sites || !r->strings || !r->path_frames || !r->paths) {
		snprintf(err, err_len, "cannot be read (out of memory)");
		goto fail;
	}
	if (!zend_mm_observe_ring_pread(fd, r->sites, sites_len, hdr->sites_offset)
			|| !zend_mm_observe_ring_pread(fd, r->strings, hdr->strings_len, hdr->strings_offset)
			|| !zend_mm_observe_ring_pread(fd, r->path_frames, frames_len, hdr->paths_offset)
			|| !zend_mm_observe_ring_pread(fd, r->paths, paths_len, zend_mm_observe_ring_path_table(hdr))) {
		snprintf(err, err_len, "is truncated (it shrank while being read)");
		goto fail;
	}
	((char *) r->strings)[hdr->strings_len] = '\0';
	if ((flags & ZEND_MM_OBSERVE_RING_READ_EVENTS) && !zend_mm_observe_ring_read_events(r, err, err_len)) {
		goto fail;
	}
	r->view.hdr = hdr;
	r->view.sites = r->sites;
	r->view.site_count = hdr->site_count;
	r->view.strings = r->strings;
	r->view.strings_len = hdr->strings_len;
	r->view.events = r->events;
	r->view.path_frames = r->path_frames;
	r->view.path_frame_count = hdr->path_frame_count;
	r->view.paths = r->paths;
	r->view.path_count = hdr->path_count;
	return SUCCESS;

fail:
	zend_mm_observe_ring_read_close(r);
	return FAILURE;
}

ZEND_API const zend_mm_observe_event *zend_mm_observe_ring_next(const zend_mm_observe_ring_view *view,
	uint64_t *pos, uint64_t head, bool *torn)
{
	uint64_t n = view->hdr->events_size;

	while (*pos < head) {
		uint64_t off = *pos % n;
		const zend_mm_observe_event *ev = (const zend_mm_observe_event *) (view->events + off);
		if (!view->events || off % 16 || off + sizeof(*ev) > n) {
			*torn = true;
			return NULL;
		}
		if (!zend_mm_observe_ring_record_committed(ev, *pos)) {
			*torn = true;
			return NULL;
		}
		uint32_t size = ev->size; /* read after the commit mark (acquire) */
		if (size < sizeof(*ev) || size % 16 || off + size > n || *pos + size > head
				|| ev->type == 0 || ev->type > ZEND_MM_OBSERVE_EVENT_LAST) {
			*torn = true;
			return NULL;
		}
		*pos += size;
		if (ev->type != ZEND_MM_OBSERVE_EVENT_PAD) {
			return ev;
		}
	}
	return NULL;
}

ZEND_API const char *zend_mm_observe_ring_str(const zend_mm_observe_ring_view *view, uint32_t offset)
{
	if (offset == 0 || offset >= view->strings_len || !view->strings) {
		return "";
	}
	/* A string is NUL-terminated inside the published part. */
	if (!memchr(view->strings + offset, '\0', view->strings_len - offset)) {
		return "";
	}
	return view->strings + offset;
}

#endif /* ZEND_MM_OBSERVE */
