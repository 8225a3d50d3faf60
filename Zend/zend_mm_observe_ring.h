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
   the pointers.  So the layout below is also the in-memory layout.

   File layout (native byte order and alignment; a reader checks
   endian_check, version and the record sizes and refuses anything else)
   ----------------------------------------------------------------------
       offset            size               content
       0                 header_size        zend_mm_observe_ring_header
       events_offset     events_size        the event ring (records below)
       sites_offset      site_capacity *    zend_mm_observe_site[]
                         site_size          (zend_mm_observe.h); index 0 unused
       strings_offset    strings_capacity   the string arena: NUL-terminated
                                            strings, addressed by offset;
                                            offset 0 is ""

   The file is sparse: regions are reserved with posix_fallocate() in steps
   as they fill (ZEND_MM_OBSERVE_RING_GROW), so a full disk shows as a
   counted loss ({overflow} site, events_lost) and never as SIGBUS.

   Header (all offsets in bytes from the start of the file)
       0    char     magic[8]           "MMOBRING"
       8    uint32   version            layout version (ZEND_MM_OBSERVE_RING_VERSION)
       12   uint32   compat_version     oldest reader version that can read it
       16   uint32   header_size
       20   uint32   endian_check       0x01020304 as written by the writer
       24   uint32   site_size          sizeof(zend_mm_observe_site)
       28   uint32   site_capacity
       32   uint64   events_offset
       40   uint64   events_size        multiple of 4096
       48   uint64   sites_offset
       56   uint64   strings_offset
       64   uint64   strings_capacity
       72   uint64   file_size          offset of the end of the strings region
       80   int32    pid                the writer
       84   uint32   writer_state       ZEND_MM_OBSERVE_RING_* below
       88   uint64   head               bytes ever appended to the ring (producer)
       96   uint64   tail               bytes ever consumed (exporter)
       104  uint64   events_lost        records dropped because the ring was full
       112  uint64   bytes_lost         ... and their size
       120  uint32   site_count         sites published: [1, site_count) are valid
       124  uint32   strings_len        arena bytes published
       128  int64    run_id             mm_runs.run_id in the database, 0 = none yet
       136  uint64   started_ns         CLOCK_REALTIME at request start
       144  uint64   updated_ns         CLOCK_REALTIME of the last flush
       152  uint64   flushes            drains done so far
       160  uint32   run_size           sizeof(zend_mm_observe_run)
       164  uint32   event_header_size  sizeof(zend_mm_observe_event)
       168  uint64   sample_bytes       a memory sample every this many bytes allocated
       176  uint64   allocated          bytes allocated so far (drives the samples)
       184  uint64   flush_ns           time spent draining, in total
       192  uint64   flush_ns_max       ... the longest drain
       200  uint32   torn               records found torn by the last reader
       204  uint32   worker             1: worker mode (see below), 0: one run per process
       208  uint64   run_token          random, also in mm_runs.ring_token: the
                                        proof that the ring owns that run row
                                        (0: none; an importer never merges then)
       216  uint64   request_head       head when the current request started
                                        (worker mode; 0 in script mode): its
                                        records are the ones at or after it
       256  zend_mm_observe_run run     the request summary (zend_mm_observe.h)
       2048 char     database[2048]     absolute path of the report database
       4096 char     script[2048]       the script path (never its contents)
       6144 char     sapi[64]
       6208 char     php_version[32]
       6240 char     run_tag[256]
       6496 char     method[16]         the request method (web SAPIs), or ""
       6512 char     uri[1024]          the request URI without its query string
       7536 char     final_status[16]   set when the run ended but could not be
                                        written: the status it was to get ("ok", ...)
       7552 int32    exit_status        ... and its exit status
       ... zero up to header_size (8192)

   Writer states (writer_state): 1 RECORDING, the request is running;
   2 ENDED, observation stopped and the exporter is writing the run;
   3 EXPORTED, everything is in the database (the file is about to go);
   4 IDLE, worker mode between two requests: the sites' counters are zero
   and the ring holds only REQUEST records not yet drained.
   A file in state 1, 2 or 4 whose writer holds no lock is an orphan.

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

   Event records
   -------------
   The ring is a byte area of events_size bytes; positions are free-running
   64-bit counters (head, tail, a record's own position) and the byte of
   position p is at events_offset + p % events_size.  A record is
   zend_mm_observe_event (16 bytes) followed by its payload, padded to a
   multiple of 16, and never wraps: when it would, a PAD record fills the
   rest of the area first (16 bytes always fit, since every size is a
   multiple of 16).

       0   uint32 size      of header + payload, multiple of 16
       4   uint16 type      ZEND_MM_OBSERVE_EVENT_*
       6   uint16 reserved
       8   uint32 commit    zend_mm_observe_event_mark(position), written last
       12  uint32 reserved2

   Producer / consumer ordering (written down because it is the whole
   crash-safety argument):
     1. the producer (the observed process, one thread) writes the payload,
        then size and type, then commit, then publishes head with a release
        store;
     2. a consumer loads head with an acquire load and reads records in
        [tail, head) only; it checks each record's commit mark, size and
        type, and stops at the first record that fails (a torn record: it is
        counted in `torn`, never imported);
     3. only the exporter of the same process, or an importer holding the
        lock, consumes: it advances tail (release store) after the records
        are committed to SQLite.  Re-importing after a crash between COMMIT
        and the tail store is harmless: every row an event makes has a
        primary key derived from the event (INSERT OR IGNORE).
   Sites are published the same way: a new site's record and strings are
   written first, then site_count (release).  Counters of published sites
   are updated in place by plain stores; a reader may see a site mid-update
   (alloc_count bumped, alloc_bytes not yet): off by one allocation, never
   garbage.  A full ring drops the new record and counts it (events_lost,
   bytes_lost); it never overwrites.
*/

#ifndef ZEND_MM_OBSERVE_RING_H
#define ZEND_MM_OBSERVE_RING_H

#include "zend_portability.h"
#include <sys/types.h>
#include "zend_types.h"
#include "zend_mm_observe.h"

#ifdef ZEND_MM_OBSERVE

#define ZEND_MM_OBSERVE_RING_MAGIC        "MMOBRING"
#define ZEND_MM_OBSERVE_RING_VERSION      2
#define ZEND_MM_OBSERVE_RING_COMPAT       2
#define ZEND_MM_OBSERVE_RING_HEADER_SIZE  8192
#define ZEND_MM_OBSERVE_RING_ENDIAN       0x01020304u
#define ZEND_MM_OBSERVE_RING_SUFFIX       ".mmring"

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
/* The largest site table a reader accepts (the writer uses the site
 * table's capacity, ZEND_MM_OBSERVE_SITE_CAPACITY in zend_mm_observe.c). */
#define ZEND_MM_OBSERVE_RING_SITES_MAX    (1u << 20)

enum {
	ZEND_MM_OBSERVE_RING_RECORDING = 1,
	ZEND_MM_OBSERVE_RING_ENDED = 2,
	ZEND_MM_OBSERVE_RING_EXPORTED = 3,
	ZEND_MM_OBSERVE_RING_IDLE = 4,
};

typedef struct _zend_mm_observe_ring_header {
	char     magic[8];
	uint32_t version;
	uint32_t compat_version;
	uint32_t header_size;
	uint32_t endian_check;
	uint32_t site_size;
	uint32_t site_capacity;
	uint64_t events_offset;
	uint64_t events_size;
	uint64_t sites_offset;
	uint64_t strings_offset;
	uint64_t strings_capacity;
	uint64_t file_size;
	int32_t  pid;
	uint32_t writer_state;
	uint64_t head;
	uint64_t tail;
	uint64_t events_lost;
	uint64_t bytes_lost;
	uint32_t site_count;
	uint32_t strings_len;
	int64_t  run_id;
	uint64_t started_ns;
	uint64_t updated_ns;
	uint64_t flushes;
	uint32_t run_size;
	uint32_t event_header_size;
	uint64_t sample_bytes;
	uint64_t allocated;
	uint64_t flush_ns;
	uint64_t flush_ns_max;
	uint32_t torn;
	uint32_t worker;
	uint64_t run_token;
	uint64_t request_head;
	char     pad0[256 - 224];
	zend_mm_observe_run run;
	char     pad1[2048 - 256 - sizeof(zend_mm_observe_run)];
	char     database[2048];
	char     script[2048];
	char     sapi[64];
	char     php_version[32];
	char     run_tag[256];
	char     method[16];
	char     uri[1024];
	char     final_status[16];
	int32_t  exit_status;
} zend_mm_observe_ring_header;

typedef struct _zend_mm_observe_event {
	uint32_t size;
	uint16_t type;
	uint16_t reserved;
	uint32_t commit;
	uint32_t reserved2;
} zend_mm_observe_event;

enum {
	ZEND_MM_OBSERVE_EVENT_PAD = 1,      /* filler up to the end of the area */
	ZEND_MM_OBSERVE_EVENT_GC_PASS = 2,  /* zend_gc_observe_pass */
	ZEND_MM_OBSERVE_EVENT_SAMPLE = 3,   /* zend_mm_observe_sample */
	ZEND_MM_OBSERVE_EVENT_SNAPSHOT = 4, /* zend_mm_observe_snapshot_event */
	ZEND_MM_OBSERVE_EVENT_OOM = 5,      /* zend_mm_observe_oom (also kept in header.run.oom) */
	ZEND_MM_OBSERVE_EVENT_FLUSH = 6,    /* zend_mm_observe_flush_event */
	ZEND_MM_OBSERVE_EVENT_REQUEST = 7,  /* zend_mm_observe_request_event: a finished request (worker mode) */
	ZEND_MM_OBSERVE_EVENT_LAST = 7,
};

/* A point of the memory timeline: every sample_bytes allocated. */
typedef struct _zend_mm_observe_sample {
	uint64_t seq;            /* 1-based in the run */
	uint64_t t_ns;           /* from the start of the request */
	uint64_t usage;          /* memory_get_usage() */
	uint64_t peak;           /* memory_get_peak_usage() so far */
	uint64_t allocated;      /* bytes allocated since the request started */
	uint32_t site;           /* the site allocating when the sample was taken */
	uint32_t reserved;
} zend_mm_observe_sample;

typedef struct _zend_mm_observe_snapshot_event {
	uint64_t id;             /* 1-based in the run (mm_observe_snapshot()'s result) */
	uint64_t t_ns;
	uint64_t usage;
	uint32_t site;           /* where mm_observe_snapshot() was called */
	uint32_t label_len;      /* bytes of label that follow (no NUL) */
} zend_mm_observe_snapshot_event;

typedef struct _zend_mm_observe_flush_event {
	uint64_t seq;            /* 1-based in the run */
	uint64_t t_ns;           /* when it started, from the start of the request */
	uint64_t duration_ns;    /* how long the drain paused the script */
	uint64_t events;         /* records it wrote */
	uint32_t reason;         /* ZEND_MM_OBSERVE_FLUSH_* */
	uint32_t reserved;
} zend_mm_observe_flush_event;

/* The summary of a finished request (worker mode), followed by the
 * request method (method_len bytes), the URI without its query
 * (uri_len) and the script path (script_len), no NULs. */
typedef struct _zend_mm_observe_request_event {
	uint64_t seq;            /* 1-based number of the request in its process */
	uint64_t token;          /* its run_token: mm_runs.ring_token of its row when it has detail */
	uint64_t started_ns;     /* CLOCK_REALTIME */
	uint64_t duration_ns;
	uint64_t usage_start;
	uint64_t usage_end;
	uint64_t peak_usage;
	uint64_t alloc_count;    /* {unobserved} left out */
	uint64_t alloc_bytes;
	int64_t  end_live_bytes; /* live at the end of the script */
	uint64_t gc_passes;
	uint64_t gc_ns;
	uint64_t site_count;
	int32_t  exit_status;
	uint16_t http_status;    /* 0 when the SAPI has none */
	uint8_t  status;         /* ZEND_MM_OBSERVE_STATUS_* */
	uint8_t  detail;         /* ZEND_MM_OBSERVE_DETAIL_*: why its detail is kept (0: summary only) */
	uint8_t  script_ended;
	uint8_t  zend_mm;
	uint16_t method_len;
	uint16_t uri_len;
	uint16_t script_len;
	uint32_t reserved;
	uint32_t reserved2;
} zend_mm_observe_request_event;

enum {
	ZEND_MM_OBSERVE_STATUS_OK = 0,
	ZEND_MM_OBSERVE_STATUS_ERROR = 1,    /* fatal error, uncaught exception, bailout */
	ZEND_MM_OBSERVE_STATUS_OOM = 2,      /* a memory error */
};

/* Why a request's full detail (sites, samples, GC passes) is kept. */
enum {
	ZEND_MM_OBSERVE_DETAIL_NONE = 0,     /* summary row and endpoint aggregates only */
	ZEND_MM_OBSERVE_DETAIL_ALL = 1,      /* zend.mm_observe_detail=all (and every CLI run) */
	ZEND_MM_OBSERVE_DETAIL_OOM = 2,
	ZEND_MM_OBSERVE_DETAIL_ERROR = 3,
	ZEND_MM_OBSERVE_DETAIL_PEAK = 4,     /* peak over zend.mm_observe_detail_peak */
	ZEND_MM_OBSERVE_DETAIL_SLOW = 5,     /* duration over zend.mm_observe_detail_ms */
	ZEND_MM_OBSERVE_DETAIL_SAMPLED = 6,  /* one in zend.mm_observe_detail_every */
	ZEND_MM_OBSERVE_DETAIL_FLUSHED = 7,  /* the script drained mid-request (mm_observe_flush(), snapshots, a full ring) */
	ZEND_MM_OBSERVE_DETAIL_LAST = 7,
};

enum {
	ZEND_MM_OBSERVE_FLUSH_END = 0,        /* request end */
	ZEND_MM_OBSERVE_FLUSH_EXPLICIT = 1,   /* mm_observe_flush() */
	ZEND_MM_OBSERVE_FLUSH_HIGH_WATER = 2, /* the ring passed its high-water mark */
	ZEND_MM_OBSERVE_FLUSH_SNAPSHOT = 3,   /* mm_observe_snapshot() */
};

/* A ring, as the exporter reads it: the live one of this process, or a
 * file read by an importer or by --mm-top (zend_mm_observe_ring_read_open). */
typedef struct _zend_mm_observe_ring_view {
	zend_mm_observe_ring_header *hdr;
	const zend_mm_observe_site *sites;
	uint32_t site_count;
	const char *strings;
	uint32_t strings_len;
	const unsigned char *events;
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

static zend_always_inline uint32_t zend_mm_observe_event_mark(uint64_t pos)
{
	return (uint32_t) ((pos >> 4) * 0x9E3779B1u) ^ 0x4D4D4F42u;
}

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

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_RING_H */
