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

   Invariants
   ----------
   1. Nothing here allocates through ZendMM.
   2. The file is reserved on disk (posix_fallocate) before any page of it
      is touched through the mapping, so a full disk is a refused
      reservation, never SIGBUS.
   3. Only the process that created the file (zr.owner) writes or removes
      it.
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
#include <pthread.h>
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

ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, head) == 88, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, run_id) == 128, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, torn) == 200, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, run) == 256, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, database) == 2048, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, uri) == 6512, "ring header layout");
ZEND_STATIC_ASSERT(offsetof(zend_mm_observe_ring_header, exit_status) == 7552, "ring header layout");
ZEND_STATIC_ASSERT(sizeof(zend_mm_observe_ring_header) <= ZEND_MM_OBSERVE_RING_HEADER_SIZE, "ring header size");
ZEND_STATIC_ASSERT(sizeof(zend_mm_observe_event) == 16, "event header size");

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
	bool atfork;
} zr = { NULL, 0, ZEND_MM_OBSERVE_RING_DEFAULT, 0, -1, NULL, 0, 0, 0, false };

ZEND_API void zend_mm_observe_ring_configure(size_t events_size, uint64_t sample_bytes)
{
	zr.events_size = ZEND_MM_ALIGNED_SIZE_EX(events_size, 4096);
	zr.sample_bytes = sample_bytes;
}

void zend_mm_observe_ring_layout(zend_mm_observe_ring_header *hdr, uint32_t site_capacity)
{
	memcpy(hdr->magic, ZEND_MM_OBSERVE_RING_MAGIC, sizeof(hdr->magic));
	hdr->version = ZEND_MM_OBSERVE_RING_VERSION;
	hdr->compat_version = ZEND_MM_OBSERVE_RING_COMPAT;
	hdr->header_size = ZEND_MM_OBSERVE_RING_HEADER_SIZE;
	hdr->endian_check = ZEND_MM_OBSERVE_RING_ENDIAN;
	hdr->site_size = sizeof(zend_mm_observe_site);
	hdr->site_capacity = site_capacity;
	hdr->events_offset = ZEND_MM_OBSERVE_RING_HEADER_SIZE;
	hdr->events_size = zr.events_size;
	hdr->sites_offset = hdr->events_offset + hdr->events_size;
	hdr->strings_offset = ZEND_MM_ALIGNED_SIZE_EX(hdr->sites_offset + (uint64_t) site_capacity * sizeof(zend_mm_observe_site), 4096);
	hdr->strings_capacity = ZEND_MM_OBSERVE_RING_STRINGS;
	hdr->file_size = hdr->strings_offset + hdr->strings_capacity;
	hdr->run_size = sizeof(zend_mm_observe_run);
	hdr->event_header_size = sizeof(zend_mm_observe_event);
	hdr->sample_bytes = zr.sample_bytes;
}

/* A fresh private anonymous range at `at` (MAP_FIXED) or anywhere. */
static void *zend_mm_observe_ring_map_anon(void *at, size_t len)
{
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | (at ? MAP_FIXED : 0);
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
	if (end > want || posix_fallocate(zr.fd, (off_t) (offset + *reserved), (off_t) (want - *reserved)) != 0) {
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
	return zend_mm_observe_ring_back(offset, end, hdr->strings_capacity, &zr.reserved_strings);
}

ZEND_API bool zend_mm_observe_event_push(uint16_t type, const void *payload, uint32_t len,
	const void *extra, uint32_t extra_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;
	uint64_t n = hdr->events_size;
	uint64_t size = ZEND_MM_ALIGNED_SIZE_EX((uint64_t) sizeof(zend_mm_observe_event) + len + extra_len, 16);
	uint64_t head = hdr->head;
	uint64_t tail = __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE);
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
		__atomic_store_n(&p->commit, zend_mm_observe_event_mark(head), __ATOMIC_RELEASE);
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
	__atomic_store_n(&ev->commit, zend_mm_observe_event_mark(head), __ATOMIC_RELEASE);
	__atomic_store_n(&hdr->head, head + size, __ATOMIC_RELEASE);
	if (!zend_mm_observe_drain_wanted && head + size - tail > ZEND_MM_OBSERVE_RING_HIGH_WATER(n)) {
		/* Drain at the next safe point: the VM calls zend_interrupt_function
		 * (ext/mm_observe hooks it) before its next opline. */
		zend_mm_observe_drain_wanted = true;
		zend_atomic_bool_store_ex(&EG(vm_interrupt), true);
	}
	return true;
}

/* ---- the file ----------------------------------------------------------- */

/* Child of a fork: keep a private copy of the used parts, drop the file. */
static void zend_mm_observe_ring_atfork_child(void)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	if (zr.fd < 0 || !hdr) {
		return;
	}
	size_t sites_len = (size_t) hdr->site_count * hdr->site_size;
	size_t used[3][2] = {
		{ 0, hdr->events_offset + hdr->events_size },   /* header and events */
		{ hdr->sites_offset, sites_len },
		{ hdr->strings_offset, hdr->strings_len },
	};
	size_t total = used[0][1] + used[1][1] + used[2][1];
	unsigned char *copy = malloc(total);
	unsigned char *p = copy;
	if (copy) {
		for (int i = 0; i < 3; i++) {
			memcpy(p, (unsigned char *) hdr + used[i][0], used[i][1]);
			p += used[i][1];
		}
	}
	if (!zend_mm_observe_ring_map_anon(hdr, zr.len)) {
		/* Cannot happen short of address-space exhaustion; the child would
		 * fault on the table: stop observing it instead. */
		zend_mm_observe_abandon();
	} else if (copy) {
		p = copy;
		for (int i = 0; i < 3; i++) {
			memcpy((unsigned char *) hdr + used[i][0], p, used[i][1]);
			p += used[i][1];
		}
	} else {
		zend_mm_observe_abandon();
	}
	free(copy);
	close(zr.fd);
	zr.fd = -1;
	free(zr.path);
	zr.path = NULL;
}

static void zend_mm_observe_ring_fail(char *err, size_t err_len, const char *what, int error)
{
	snprintf(err, err_len, "%s (%s)", what, strerror(error));
}

ZEND_API zend_result zend_mm_observe_ring_attach(const char *path, char *err, size_t err_len)
{
	zend_mm_observe_ring_header *hdr = zr.hdr;

	if (!hdr || zr.fd >= 0) {
		snprintf(err, err_len, "no ring to attach");
		return FAILURE;
	}
	if (!zr.atfork) {
		pthread_atfork(NULL, NULL, zend_mm_observe_ring_atfork_child);
		zr.atfork = true;
	}
	/* Made under a temporary name, locked, then linked to its name: a
	 * reader scanning for orphans never sees it unlocked or half made,
	 * and link() refuses (never follows) anything already at `path`. */
	char tmp[MAXPATHLEN];
	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int) sizeof(tmp)) {
		snprintf(err, err_len, "path too long");
		return FAILURE;
	}
	int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST) {
		/* Left by an earlier process with this pid that died here. */
		unlink(tmp);
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	}
	if (fd < 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be created", errno);
		return FAILURE;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be locked", errno);
		goto fail;
	}
	if (ftruncate(fd, (off_t) hdr->file_size) != 0) {
		zend_mm_observe_ring_fail(err, err_len, "cannot be sized", errno);
		goto fail;
	}
	zr.fd = fd;
	zr.reserved_sites = zr.reserved_strings = 0;
	int e = posix_fallocate(fd, 0, (off_t) (hdr->events_offset + hdr->events_size));
	if (e != 0) {
		zr.fd = -1;
		zend_mm_observe_ring_fail(err, err_len, "cannot be reserved on disk", e);
		goto fail;
	}
	uint64_t sites_len = (uint64_t) hdr->site_count * hdr->site_size;
	if (!zend_mm_observe_ring_reserve(hdr->sites_offset, sites_len)
			|| !zend_mm_observe_ring_reserve(hdr->strings_offset, hdr->strings_len)) {
		zr.fd = -1;
		zend_mm_observe_ring_fail(err, err_len, "cannot be reserved on disk", ENOSPC);
		goto fail;
	}
	hdr->pid = (int32_t) getpid();
	hdr->writer_state = ZEND_MM_OBSERVE_RING_RECORDING;
	/* The used parts, then the mapping over them.  Events: the whole used
	 * span (at most the area). */
	uint64_t n = hdr->events_size;
	uint64_t from = hdr->tail, to = hdr->head;
	bool ok = pwrite(fd, hdr, hdr->header_size, 0) == (ssize_t) hdr->header_size;
	while (ok && from < to) {
		uint64_t off = from % n;
		uint64_t chunk = MIN(to - from, n - off);
		ok = pwrite(fd, (unsigned char *) hdr + hdr->events_offset + off, chunk, (off_t) (hdr->events_offset + off)) == (ssize_t) chunk;
		from += chunk;
	}
	ok = ok && pwrite(fd, (unsigned char *) hdr + hdr->sites_offset, sites_len, (off_t) hdr->sites_offset) == (ssize_t) sites_len;
	ok = ok && pwrite(fd, (unsigned char *) hdr + hdr->strings_offset, hdr->strings_len, (off_t) hdr->strings_offset) == (ssize_t) hdr->strings_len;
	if (!ok) {
		zr.fd = -1;
		zend_mm_observe_ring_fail(err, err_len, "cannot be written", errno);
		goto fail;
	}
	if (link(tmp, path) != 0) {
		struct stat st;
		zr.fd = -1;
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
			|| mmap(hdr, zr.len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, mfd, 0) == MAP_FAILED) {
		/* MAP_FIXED failing leaves the range as it was. */
		zr.fd = -1;
		zend_mm_observe_ring_fail(err, err_len, "cannot be mapped", mfd < 0 ? errno : EBUSY);
		if (mfd >= 0) {
			close(mfd);
		}
		unlink(path);
		goto fail;
	}
	close(mfd);
	zr.path = strdup(path);
	zr.owner = getpid();
	return SUCCESS;

fail:
	unlink(tmp);
	close(fd);
	return FAILURE;
}

ZEND_API zend_mm_observe_ring_header *zend_mm_observe_ring_live(void)
{
	return zr.hdr;
}

ZEND_API bool zend_mm_observe_ring_is_file(void)
{
	return zr.fd >= 0 && zr.owner == getpid();
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
		__atomic_store_n(&zr.hdr->writer_state, ZEND_MM_OBSERVE_RING_EXPORTED, __ATOMIC_RELEASE);
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
	view->site_count = __atomic_load_n(&hdr->site_count, __ATOMIC_ACQUIRE);
	view->strings = (const char *) hdr + hdr->strings_offset;
	view->strings_len = __atomic_load_n(&hdr->strings_len, __ATOMIC_ACQUIRE);
	view->events = (const unsigned char *) hdr + hdr->events_offset;
}

ZEND_API void zend_mm_observe_ring_view_live(zend_mm_observe_ring_view *view)
{
	zend_mm_observe_ring_view_fill(view, zr.hdr);
}

ZEND_API zend_result zend_mm_observe_ring_view_map(zend_mm_observe_ring_view *view, void *base, size_t len,
	char *err, size_t err_len)
{
	zend_mm_observe_ring_header *hdr = base;

	if (len < 8 || memcmp(hdr->magic, ZEND_MM_OBSERVE_RING_MAGIC, 8) != 0) {
		snprintf(err, err_len, "is not an mm_observe ring file (no MMOBRING magic)");
		return FAILURE;
	}
	if (len < sizeof(*hdr)) {
		snprintf(err, err_len, "is truncated (%zu bytes; the header alone is %zu)", len, sizeof(*hdr));
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
			|| hdr->event_header_size != sizeof(zend_mm_observe_event) || hdr->header_size != ZEND_MM_OBSERVE_RING_HEADER_SIZE) {
		snprintf(err, err_len, "was written by another build of mm_observe (record sizes differ: site %u, run %u; this build: %zu, %zu)",
			hdr->site_size, hdr->run_size, sizeof(zend_mm_observe_site), sizeof(zend_mm_observe_run));
		return FAILURE;
	}
	if (hdr->events_offset != hdr->header_size || hdr->events_size < ZEND_MM_OBSERVE_RING_MIN
			|| hdr->events_size > ZEND_MM_OBSERVE_RING_MAX || hdr->events_size % 4096
			|| hdr->sites_offset != hdr->events_offset + hdr->events_size
			|| hdr->strings_offset < hdr->sites_offset + (uint64_t) hdr->site_capacity * hdr->site_size
			|| hdr->file_size != hdr->strings_offset + hdr->strings_capacity
			|| hdr->site_count > hdr->site_capacity || hdr->strings_len > hdr->strings_capacity
			|| hdr->tail > hdr->head || hdr->head - hdr->tail > hdr->events_size) {
		snprintf(err, err_len, "has an inconsistent header (corrupt)");
		return FAILURE;
	}
	if (len < hdr->file_size) {
		snprintf(err, err_len, "is truncated (%zu bytes of %llu)", len, (unsigned long long) hdr->file_size);
		return FAILURE;
	}
	zend_mm_observe_ring_view_fill(view, hdr);
	return SUCCESS;
}

ZEND_API const zend_mm_observe_event *zend_mm_observe_ring_next(const zend_mm_observe_ring_view *view,
	uint64_t *pos, uint64_t head, bool *torn)
{
	uint64_t n = view->hdr->events_size;

	while (*pos < head) {
		uint64_t off = *pos % n;
		const zend_mm_observe_event *ev = (const zend_mm_observe_event *) (view->events + off);
		uint32_t size = ev->size;
		if (__atomic_load_n(&ev->commit, __ATOMIC_ACQUIRE) != zend_mm_observe_event_mark(*pos)
				|| size < sizeof(*ev) || size % 16 || off + size > n || *pos + size > head
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
	if (offset == 0 || offset >= view->strings_len) {
		return "";
	}
	/* A string is NUL-terminated inside the published part. */
	if (!memchr(view->strings + offset, '\0', view->strings_len - offset)) {
		return "";
	}
	return view->strings + offset;
}

#endif /* ZEND_MM_OBSERVE */
