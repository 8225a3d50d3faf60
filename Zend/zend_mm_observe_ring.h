/*
   +----------------------------------------------------------------------+
   | mm_observe: the ring file (site table + event ring in a file mapping)|
   +----------------------------------------------------------------------+
   | The whole contract of zend_mm_observe_ring.c, and the file format.   |
   +----------------------------------------------------------------------+

   Why a file
   ----------
   While a request is observed, everything the observer records lives in one
   MAP_SHARED mapping of a file next to the report database:

       <database path>.<pid>.mmring        (e.g. /tmp/x.sqlite.4711.mmring)

   A process killed by SIGKILL, a segfault or the OOM killer leaves the file
   and its page-cache contents behind, complete up to its last store; a
   reader (php --mm-top) can read it while the process runs.  The exporter
   (ext/mm_observe) drains the ring into SQLite at safe points and removes
   the file at request end; php --mm-import, or the next observed request
   that finds an orphan next to its database, imports a file left by a dead
   process with mm_runs.status = 'crashed'.

   Until the exporter attaches the file (module RINIT, once the database is
   known to be usable), the same layout lives in an anonymous private
   mapping; attaching copies what is used so far into the file and switches
   the pointers.  So the file layout (zend_mm_observe_format.h) is also the
   in-memory layout.

   The format itself (header, records, site table) is in
   zend_mm_observe_format.h; this header is its life cycle and the API of
   its writer and its readers.

   Worker mode (zend_mm_observe_persistent: php-fpm and the other SAPIs
   serving many requests per process).  The file is made at the first
   observed request and kept, mapped, for the life of the process: a
   request makes no file, no mapping and no fsync.  The site table and the
   string arena are kept too (each request's counters start from zero:
   zend_mm_observe.c, invariant 7).  At its end every request leaves a
   REQUEST record (its summary); the records of a request whose detail is
   not kept (samples, GC passes) are dropped again by rewinding head to
   where the request started (zend_mm_observe_ring_rewind(): only while
   no drain has consumed any of them, so a reader never sees a record
   vanish from [tail, head)).  The exporter drains the REQUEST records in
   batches, and when the process exits; an importer of a dead worker's
   ring imports them, and, if it died mid-request (state 1 or 2), that
   request as a crashed run.

   Reading a file (importer, php --mm-top): zend_mm_observe_ring_read_open()
   trusts nothing in it.  The file is opened O_NONBLOCK|O_NOFOLLOW and must
   be a regular file (an importer also wants it owned by the effective uid,
   with no group or other permission bits); the header is read with
   pread() into private memory and every field is checked against the
   layout this build would write for the same event area and site
   capacity, with overflow-safe arithmetic (a > size || b > size - a),
   before any region is read; the regions are then read with pread() into
   private memory too, so a file truncated or rewritten under the reader
   gives a short read (a clear error), never SIGBUS, and a value changed
   after validation is never seen.  Every fixed-size text field of the
   copy is NUL-terminated by the reader.

   The lock.  The writer holds flock(LOCK_EX) on the file for as long as it
   has it mapped; the kernel drops it when the process dies, however it
   dies.  An importer takes the lock with LOCK_NB first: it never touches
   the ring of a live process, and two importers never import one file.

   Producer / consumer ordering (written down because it is the whole
   crash-safety argument).  Every shared field of a mapped ring is read
   and written through the helpers at the end of this header, never with
   a plain access or a raw __atomic builtin elsewhere; each release store
   on the left pairs with the acquire load on the right:

     producer (the observed process, one thread)   consumer (drain, --mm-top)
     -------------------------------------------   --------------------------
     payload, size, type of the record
     ring_commit_record(ev, pos)        ---rel-->  ring_record_committed(ev, pos)
     ring_publish_head(hdr, pos)        ---rel-->  ring_read_head(hdr)
     a site's record and its strings
     ring_publish_strings(hdr, len)     ---rel-->  ring_read_strings_len(hdr)
     ring_publish_sites(hdr, count)     ---rel-->  ring_read_site_count(hdr)
     a path frame's or a path's record
     ring_publish_path_frames(hdr, n)   ---rel-->  ring_read_path_frame_count(hdr)
     ring_publish_paths(hdr, n)         ---rel-->  ring_read_path_count(hdr)
     ring_set_state(hdr, state)         ---rel-->  (the importer's pread copy)
     ring_read_tail(hdr)                <--rel---  ring_write_tail(hdr, pos),
                                                   after the rows are COMMITted

     1. a consumer reads records in [tail, head) only; it checks each
        record's commit mark, size and type, and stops at the first record
        that fails (a torn record: it is counted in `torn`, never imported);
     2. only the exporter of the same process, or an importer holding the
        lock, consumes: it advances tail after the records are committed to
        SQLite.  Re-importing after a crash between COMMIT and the tail
        store is harmless: every row an event makes has a primary key
        derived from the event (INSERT OR IGNORE);
     3. the producer reads tail (acquire) before it reuses space, so it
        never overwrites a record a consumer has not finished with; a full
        ring drops the new record and counts it (events_lost, bytes_lost).
   Counters of published sites are updated in place by plain stores; a
   reader may see a site mid-update (alloc_count bumped, alloc_bytes not
   yet): off by one allocation, never garbage.
*/

#ifndef ZEND_MM_OBSERVE_RING_H
#define ZEND_MM_OBSERVE_RING_H

#include "zend_portability.h"
#include <sys/types.h>
#include "zend_types.h"
#include "zend_mm_observe_format.h"

#ifdef ZEND_MM_OBSERVE

/* zend.mm_observe_ring_size: default and bounds (bytes of the event ring). */
#define ZEND_MM_OBSERVE_RING_DEFAULT      (1024 * 1024)
#define ZEND_MM_OBSERVE_RING_MIN          (16 * 1024)
#define ZEND_MM_OBSERVE_RING_MAX          (1024 * 1024 * 1024)
/* Past this share of the ring, the exporter is asked to drain it. */
#define ZEND_MM_OBSERVE_RING_HIGH_WATER(size) ((size) / 4 * 3)
/* Regions of the file are reserved on disk in steps of this many bytes. */
#define ZEND_MM_OBSERVE_RING_GROW         (256 * 1024)
/* Capacity of the string arena. */
#define ZEND_MM_OBSERVE_RING_STRINGS      (32u * 1024 * 1024)

/* A ring, as the exporter reads it: the live one of this process, or a
 * file read by an importer or by --mm-top (zend_mm_observe_ring_read_open). */
typedef struct _zend_mm_observe_ring_view {
	zend_mm_observe_ring_header *hdr;
	const zend_mm_observe_site *sites;
	uint32_t site_count;
	const char *strings;
	uint32_t strings_len;
	const unsigned char *events;
	/* the call paths: frames and paths [1, count) (a reader validates
	 * every reference in them before use: they come from the file) */
	const zend_mm_observe_path_frame *path_frames;
	uint32_t path_frame_count;
	const zend_mm_observe_path *paths;
	uint32_t path_count;
} zend_mm_observe_ring_view;

/* A ring file read into private memory (zend_mm_observe_ring_read_open). */
typedef struct _zend_mm_observe_ring_reader {
	int fd;                          /* open O_RDONLY; an importer flock()s it */
	uid_t uid;                       /* the file's owner */
	uint64_t size;                   /* its size when opened */
	zend_mm_observe_ring_view view;  /* regions: the private copies below */
	void *header;                    /* header_size bytes */
	void *sites;                     /* site_count sites */
	void *strings;                   /* strings_len bytes */
	void *path_frames;               /* path_frame_count frames */
	void *paths;                     /* path_count paths */
	void *events;                    /* events_size bytes, [tail, head) read */
	size_t events_len;               /* ... its mapping's length */
} zend_mm_observe_ring_reader;

/* Flags of zend_mm_observe_ring_read_open(). */
#define ZEND_MM_OBSERVE_RING_READ_OWN    (1 << 0) /* refuse a file of another uid, or one with group/other permissions */
#define ZEND_MM_OBSERVE_RING_READ_EVENTS (1 << 1) /* read the pending records too (importer) */

/* Fault injection seams (tests only; see zend_mm_observe_fault()). */
typedef enum {
	ZEND_MM_OBSERVE_FAULT_MMAP,
	ZEND_MM_OBSERVE_FAULT_FTRUNCATE,
	ZEND_MM_OBSERVE_FAULT_FALLOCATE,
	ZEND_MM_OBSERVE_FAULT_PWRITE,
	ZEND_MM_OBSERVE_FAULT_LINK,
	ZEND_MM_OBSERVE_FAULT_FLOCK,
	ZEND_MM_OBSERVE_FAULT_SQLITE,
	ZEND_MM_OBSERVE_FAULT_KINDS
} zend_mm_observe_fault_kind;


BEGIN_EXTERN_C()

/* ---- engine side (zend_mm_observe.c) ------------------------------------ */

/* Settings, fixed at module startup by ext/mm_observe. */
ZEND_API void zend_mm_observe_ring_configure(size_t events_size, uint64_t sample_bytes);
/* The mapping's layout for `site_capacity` sites (fills the size fields). */
void zend_mm_observe_ring_layout(zend_mm_observe_ring_header *hdr, uint32_t site_capacity);
/* Reserves the in-memory layout (anonymous) for this process; NULL on failure. */
zend_mm_observe_ring_header *zend_mm_observe_ring_anon(uint32_t site_capacity);
/* Makes sure [0, end) of the region starting at `offset` is backed (on
 * disk, when attached); false when the disk is full. */
bool zend_mm_observe_ring_reserve(uint64_t offset, uint64_t end);
/* Appends one record; false (and counted) when the ring is full. */
ZEND_API bool zend_mm_observe_event_push(uint16_t type, const void *payload, uint32_t len,
	const void *extra, uint32_t extra_len);
/* Worker mode.  next_request: a request starts on the ring of the last
 * one (per-run header fields start over, the rest stays).  idle: the
 * request is over and its sites zeroed (writer_state IDLE). */
void zend_mm_observe_ring_next_request(void);
void zend_mm_observe_ring_idle(void);
/* Drops the records the current request pushed, unless a drain already
 * consumed some of them (then false, and they stay). */
ZEND_API bool zend_mm_observe_ring_rewind(void);
/* In the child of a fork (the observer's pthread_atfork child handler):
 * keeps a private copy of what the child goes on using and forgets the
 * parent's file; false when the child cannot go on observing. */
bool zend_mm_observe_ring_fork_child(void);
/* Bytes of records not yet drained. */
ZEND_API uint64_t zend_mm_observe_ring_pending(void);
/* The ring passed its high-water mark since the last drain. */
extern ZEND_API bool zend_mm_observe_drain_wanted;

/* ---- exporter side ------------------------------------------------------ */

/* Moves the live layout into a new file at `path` (O_EXCL, O_NOFOLLOW, mode
 * 0600, locked); on failure fills `err` and the request goes on in memory
 * (not crash-safe).  The header's run_id and strings are set by the caller
 * through zend_mm_observe_ring_live(). */
ZEND_API zend_result zend_mm_observe_ring_attach(const char *path, char *err, size_t err_len);
/* The live ring of this process (NULL when not observing). */
ZEND_API zend_mm_observe_ring_header *zend_mm_observe_ring_live(void);
/* Whether the live ring is the file (attached) and owned by this process. */
ZEND_API bool zend_mm_observe_ring_is_file(void);
ZEND_API const char *zend_mm_observe_ring_path(void);
/* After the run is exported: marks the file EXPORTED, unmaps and removes it. */
ZEND_API void zend_mm_observe_ring_remove(void);
/* The run could not be written: unmaps and unlocks the file but leaves it,
 * an orphan for php --mm-import or the next observed request. */
ZEND_API void zend_mm_observe_ring_keep(void);

/* A view of the live ring of this process. */
ZEND_API void zend_mm_observe_ring_view_live(zend_mm_observe_ring_view *view);
/* Checks a header (a private copy) against the length of its file: on
 * failure `err` says exactly why, e.g. "is not an mm_observe ring file". */
ZEND_API zend_result zend_mm_observe_ring_check(const zend_mm_observe_ring_header *hdr, uint64_t file_len,
	char *err, size_t err_len);
/* Opens, validates and reads the ring file at `path` (flags: READ_*).  On
 * failure `err` says why (the text follows the quoted path: "'P' is a
 * FIFO, not a ring file") and `r` holds nothing. */
ZEND_API zend_result zend_mm_observe_ring_read_open(zend_mm_observe_ring_reader *r, const char *path, int flags,
	char *err, size_t err_len);
ZEND_API void zend_mm_observe_ring_read_close(zend_mm_observe_ring_reader *r);

/* Fault injection.  The environment variable MM_OBSERVE_FAULT=N makes the
 * Nth call of any seam fail (N+: the Nth and every later one of its kind);
 * MM_OBSERVE_FAULT_LOG=1 prints "mm_observe fault seam N: KIND" for each
 * call on stderr.  Unset (always, outside tests): one predictable branch
 * on paths that make a system call anyway. */
ZEND_API bool zend_mm_observe_fault_slow(zend_mm_observe_fault_kind kind);
extern ZEND_API bool zend_mm_observe_faults;
static zend_always_inline bool zend_mm_observe_fault(zend_mm_observe_fault_kind kind)
{
	return UNEXPECTED(zend_mm_observe_faults) && zend_mm_observe_fault_slow(kind);
}
/* The next record in [*pos, head): NULL at the end or at a torn record
 * (then *torn is set).  PAD records are skipped. */
ZEND_API const zend_mm_observe_event *zend_mm_observe_ring_next(const zend_mm_observe_ring_view *view,
	uint64_t *pos, uint64_t head, bool *torn);
/* The string at `offset` of a view ("" when out of range). */
ZEND_API const char *zend_mm_observe_ring_str(const zend_mm_observe_ring_view *view, uint32_t offset);

END_EXTERN_C()

/* ---- the ordering contract (see the pairs at the top) -------------------- */

static zend_always_inline void zend_mm_observe_ring_commit_record(zend_mm_observe_event *ev, uint64_t pos)
{
	__atomic_store_n(&ev->commit, zend_mm_observe_event_mark(pos), __ATOMIC_RELEASE);
}
static zend_always_inline bool zend_mm_observe_ring_record_committed(const zend_mm_observe_event *ev, uint64_t pos)
{
	return __atomic_load_n(&ev->commit, __ATOMIC_ACQUIRE) == zend_mm_observe_event_mark(pos);
}
static zend_always_inline void zend_mm_observe_ring_publish_head(zend_mm_observe_ring_header *hdr, uint64_t pos)
{
	__atomic_store_n(&hdr->head, pos, __ATOMIC_RELEASE);
}
static zend_always_inline uint64_t zend_mm_observe_ring_read_head(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->head, __ATOMIC_ACQUIRE);
}
static zend_always_inline void zend_mm_observe_ring_write_tail(zend_mm_observe_ring_header *hdr, uint64_t pos)
{
	__atomic_store_n(&hdr->tail, pos, __ATOMIC_RELEASE);
}
static zend_always_inline uint64_t zend_mm_observe_ring_read_tail(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->tail, __ATOMIC_ACQUIRE);
}
static zend_always_inline void zend_mm_observe_ring_publish_sites(zend_mm_observe_ring_header *hdr, uint32_t count)
{
	__atomic_store_n(&hdr->site_count, count, __ATOMIC_RELEASE);
}
static zend_always_inline uint32_t zend_mm_observe_ring_read_site_count(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->site_count, __ATOMIC_ACQUIRE);
}
static zend_always_inline void zend_mm_observe_ring_publish_strings(zend_mm_observe_ring_header *hdr, uint32_t len)
{
	__atomic_store_n(&hdr->strings_len, len, __ATOMIC_RELEASE);
}
static zend_always_inline uint32_t zend_mm_observe_ring_read_strings_len(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->strings_len, __ATOMIC_ACQUIRE);
}
static zend_always_inline void zend_mm_observe_ring_publish_path_frames(zend_mm_observe_ring_header *hdr, uint32_t count)
{
	__atomic_store_n(&hdr->path_frame_count, count, __ATOMIC_RELEASE);
}

static zend_always_inline uint32_t zend_mm_observe_ring_read_path_frame_count(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->path_frame_count, __ATOMIC_ACQUIRE);
}

static zend_always_inline void zend_mm_observe_ring_publish_paths(zend_mm_observe_ring_header *hdr, uint32_t count)
{
	__atomic_store_n(&hdr->path_count, count, __ATOMIC_RELEASE);
}

static zend_always_inline uint32_t zend_mm_observe_ring_read_path_count(const zend_mm_observe_ring_header *hdr)
{
	return __atomic_load_n(&hdr->path_count, __ATOMIC_ACQUIRE);
}

/* Where the paths (after the frames) start: a function of the layout. */
static zend_always_inline uint64_t zend_mm_observe_ring_path_table(const zend_mm_observe_ring_header *hdr)
{
	return hdr->paths_offset + (((uint64_t) hdr->path_frame_capacity * hdr->path_frame_size + 4095) & ~(uint64_t) 4095);
}

static zend_always_inline void zend_mm_observe_ring_set_state(zend_mm_observe_ring_header *hdr, uint32_t state)
{
	__atomic_store_n(&hdr->writer_state, state, __ATOMIC_RELEASE);
}

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_RING_H */
