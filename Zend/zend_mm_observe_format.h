/*
   +----------------------------------------------------------------------+
   | mm_observe: the format, and every name the layers share              |
   +----------------------------------------------------------------------+
   | The bottom layer, as perf keeps perf_event.h: types and constants    |
   | only, no functions but pure inline ones.  The observer (zend_mm_     |
   | observe.c), the GC probes, the ring (zend_mm_observe_ring.c), the    |
   | exporter and the readers (ext/mm_observe) all include it; it         |
   | includes nothing of theirs.                                          |
   +----------------------------------------------------------------------+

   What is here
   ------------
     - the site record (the site table of the ring file), its kinds and
       flags, and the pseudo sites with their fixed indexes and names;
     - the request summary and the memory-error record;
     - the ring file: its header, the event record header, the record
       types and their payloads (including the GC pass);
     - the enums a record carries (status, detail, flush reason, GC
       trigger) and the one place that names them for SQLite and the
       reports (zend_mm_observe_*_name());
     - the report database's identity (application_id, user_version).

   How the file is produced and read (the ordering contract, the lock,
   worker mode, validation) is the ring's: zend_mm_observe_ring.h.

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
       paths_offset      path_frame_capacity * path_frame_size, rounded up
                                            to 4096: zend_mm_observe_path_frame[]
                                            (index 0 unused), then
                         path_capacity *    zend_mm_observe_path[] (index 0
                         path_size          unused): the call paths

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
       224  uint64   paths_offset       the call paths' regions (frames, then paths)
       232  uint32   path_frame_capacity
       236  uint32   path_capacity
       240  uint32   path_frame_count   frames published: [1, count) are valid
       244  uint32   path_count         paths published: [1, count) are valid
       248  uint32   path_frame_size    sizeof(zend_mm_observe_path_frame)
       252  uint32   path_size          sizeof(zend_mm_observe_path)
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
       7560 uint64   heartbeat_ns       CLOCK_REALTIME (coarse) of the writer's
                                        last sign of life: stamped every
                                        ZEND_MM_OBSERVE_HEARTBEAT_SAMPLES call-path
                                        samples and at every memory sample
                                        (0: none, a ring of an older build)
       7568 char     args[512]          command-line runs: the arguments after
                                        the script, shell-quoted, cut with
                                        "..." (zend.mm_observe_args), or ""
       ... zero up to header_size (8192)

   file_size is the end of the paths region.

   Writer states (writer_state): 1 RECORDING, the request is running;
   2 ENDED, observation stopped and the exporter is writing the run;
   3 EXPORTED, everything is in the database (the file is about to go);
   4 IDLE, worker mode between two requests: the sites' counters are zero
   and the ring holds only REQUEST records not yet drained.
   A file in state 1, 2 or 4 whose writer holds no lock is an orphan.


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

*/

#ifndef ZEND_MM_OBSERVE_FORMAT_H
#define ZEND_MM_OBSERVE_FORMAT_H

#include "zend_portability.h"
#include "zend_types.h"

#ifdef ZEND_MM_OBSERVE

/* ---- the report database ----------------------------------------------- */

/* PRAGMA application_id of every database we write ("mmob"); a file with
 * another id is never written (php_mm_export_schema.c, invariant 1). */
#define ZEND_MM_OBSERVE_DB_APPLICATION_ID 0x6D6D6F62
/* PRAGMA user_version: the schema version this build writes and reads. */
#define ZEND_MM_OBSERVE_DB_SCHEMA_VERSION 7

/* ---- sites -------------------------------------------------------------- */

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
#define ZEND_MM_OBSERVE_SITE_UNOBSERVED      (1u << 3) /* {unobserved}: blocks live before the request was observed;
                                                          left out of every per-request total */

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
	/* reallocs made here: the blocks they returned (part of alloc_bytes)
	 * and how much each grew the block it replaced (its new size less the
	 * old one, 0 for a shrink).  alloc_bytes - realloc_bytes +
	 * realloc_growth_bytes counts a growing string once, not once per
	 * append (what the report calls "allocated"). */
	uint64_t    realloc_bytes;
	uint64_t    realloc_growth_bytes;
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
	uint64_t started_ns;        /* CLOCK_REALTIME at zend_activate(): started_at only */
	uint64_t ended_ns;          /* CLOCK_REALTIME when observation stopped: ended_at only */
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
	uint64_t duration_ns;       /* from start to end, on the monotonic clock of every t_ns (zend_hrtime) */
	/* call paths (zend_mm_observe.h, "call paths") */
	bool     paths;             /* recorded (zend.mm_observe_call_paths) */
	uint64_t path_sample_bytes; /* the sampling's mean; 0: every block */
	uint64_t path_samples;      /* blocks sampled */
	uint64_t paths_dropped;     /* ... whose path could not be kept (regions full, out of memory) */
	uint64_t paths_truncated;   /* ... whose path was cut at zend.mm_observe_path_depth */
	zend_mm_observe_oom oom;
} zend_mm_observe_run;

/* ---- call paths ---------------------------------------------------------- */

typedef struct _zend_mm_observe_path_frame {
	const void *key_opline;    /* the caller's opline: compared, never dereferenced */
	const void *key_callee;    /* the internal function it is in, or NULL */
	const void *key_file;
	uint32_t    parent;        /* the caller's frame; 0: a root frame */
	uint32_t    next;          /* hash chain */
	uint32_t    line;          /* the line of the call */
	uint32_t    depth;         /* 1 for a root frame */
	uint32_t    function_str;  /* strings of the ring's arena (zend_mm_observe_ring_str) */
	uint32_t    file_str;
	uint32_t    callee_str;
	uint32_t    reserved;
} zend_mm_observe_path_frame;

typedef struct _zend_mm_observe_path {
	uint32_t frame;            /* innermost caller frame; 0: the site had no caller */
	uint32_t site;             /* the allocating site */
	uint32_t next;             /* hash chain */
	uint32_t reserved;
	uint64_t samples;          /* sampled blocks (not estimated) */
	uint64_t peak_epoch;
	/* estimates (exact with a mean of 0) */
	double   alloc_count, alloc_bytes;
	double   live_count, live_bytes;
	double   peak_live_bytes;  /* live_bytes when the heap reached its peak */
	double   end_live_count, end_live_bytes; /* at the end of the script */
	double   realloc_bytes, realloc_growth_bytes; /* as the site's */
} zend_mm_observe_path;

#define ZEND_MM_OBSERVE_NAME_TRUNCATED "{truncated}"


/* Pseudo sites: fixed indexes at the start of every site table, each with
 * its canonical name (what mm_sites.function says for it). */
enum {
	ZEND_MM_OBSERVE_IDX_STARTUP = 1,    /* request startup, before any user code ran */
	ZEND_MM_OBSERVE_IDX_ENGINE = 2,     /* no frame, after user code started, not yet shutting down */
	ZEND_MM_OBSERVE_IDX_SHUTDOWN = 3,   /* no frame, request shutdown */
	ZEND_MM_OBSERVE_IDX_OVERFLOW = 4,   /* the table is full */
	ZEND_MM_OBSERVE_IDX_UNOBSERVED = 5, /* blocks live before observation started */
	ZEND_MM_OBSERVE_PSEUDO_LAST = 5,
};
#define ZEND_MM_OBSERVE_NAME_STARTUP    "{startup}"
#define ZEND_MM_OBSERVE_NAME_ENGINE     "{engine}"
#define ZEND_MM_OBSERVE_NAME_SHUTDOWN   "{shutdown}"
#define ZEND_MM_OBSERVE_NAME_OVERFLOW   "{overflow}"
#define ZEND_MM_OBSERVE_NAME_UNOBSERVED "{unobserved}"
/* The function of code outside any function: a script, an include, an eval. */
#define ZEND_MM_OBSERVE_NAME_MAIN       "{main}"
#define ZEND_MM_OBSERVE_NAME_EVAL       "{eval}"

/* ---- the ring file ------------------------------------------------------ */

#define ZEND_MM_OBSERVE_RING_MAGIC        "MMOBRING"
#define ZEND_MM_OBSERVE_RING_VERSION      4
#define ZEND_MM_OBSERVE_RING_COMPAT       4
#define ZEND_MM_OBSERVE_RING_HEADER_SIZE  8192
/* The command-line arguments kept for a run (ring header, mm_runs.args). */
#define ZEND_MM_OBSERVE_ARGS_MAX          512
#define ZEND_MM_OBSERVE_RING_ENDIAN       0x01020304u
#define ZEND_MM_OBSERVE_RING_SUFFIX       ".mmring"

/* The largest site table a reader accepts (the writer uses the site
 * table's capacity, ZEND_MM_OBSERVE_SITE_CAPACITY in zend_mm_observe.c). */
#define ZEND_MM_OBSERVE_RING_SITES_MAX    (1u << 20)
/* The call paths' regions: frames and paths (records, index 0 unused). */
#define ZEND_MM_OBSERVE_RING_PATH_FRAMES  (1u << 16)
#define ZEND_MM_OBSERVE_RING_PATHS        (1u << 16)

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
	uint64_t paths_offset;
	uint32_t path_frame_capacity;
	uint32_t path_capacity;
	uint32_t path_frame_count;
	uint32_t path_count;
	uint32_t path_frame_size;
	uint32_t path_size;
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
	uint32_t pad2;
	uint64_t heartbeat_ns;
	char     args[ZEND_MM_OBSERVE_ARGS_MAX];
} zend_mm_observe_ring_header;

/* heartbeat_ns is stamped once per this many call-path samples (with the
 * default mean of 2 KiB, once per ~128 KiB allocated).  Not by a thread:
 * a second thread makes unshare(CLONE_NEWUSER) fail (pcntl_unshare). */
#define ZEND_MM_OBSERVE_HEARTBEAT_SAMPLES 64

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

typedef enum _zend_gc_observe_trigger {
	ZEND_GC_OBSERVE_TRIGGER_OTHER = 0,     /* an extension called gc_collect_cycles() */
	ZEND_GC_OBSERVE_TRIGGER_THRESHOLD = 1, /* the root buffer reached its threshold */
	ZEND_GC_OBSERVE_TRIGGER_EXPLICIT = 2,  /* PHP's gc_collect_cycles() */
	ZEND_GC_OBSERVE_TRIGGER_SHUTDOWN = 3,  /* during request shutdown */
} zend_gc_observe_trigger;

/* One pass of the collector. */
typedef struct _zend_gc_observe_pass {
	uint32_t call;             /* 1-based number of the zend_gc_collect_cycles() call in the request */
	uint8_t  trigger;          /* zend_gc_observe_trigger */
	uint8_t  rerun;            /* 1: the pass rerun after the destructors of the previous one */
	uint8_t  aborted;          /* 1: the call ended early (GC protected after destructors) */
	uint8_t  reserved;
	uint32_t seq;              /* 1-based pass number in the request */
	uint32_t site;             /* mm_observe site index executing when the call started */
	uint32_t roots;            /* root buffer entries at the start of the pass */
	uint32_t collected;        /* what the pass freed (what gc_status()['collected'] adds) */
	uint32_t buffer_size;      /* root buffer size at the start of the pass */
	uint32_t threshold_before; /* GC threshold when the call started */
	uint32_t threshold_after;  /* ... after the call (and the threshold adjustment) */
	uint64_t mem_before;       /* zend_memory_usage(false) at the start of the pass */
	uint64_t mem_after;        /* ... at its end */
	uint64_t started_ns;       /* start of the pass, from the start of the request */
	uint64_t mark_ns, scan_ns, collect_ns, destructor_ns, free_ns, compact_ns, total_ns;
} zend_gc_observe_pass;

static zend_always_inline uint32_t zend_mm_observe_event_mark(uint64_t pos)
{
	return (uint32_t) ((pos >> 4) * 0x9E3779B1u) ^ 0x4D4D4F42u;
}

/* ---- names --------------------------------------------------------------- */

/* The text each enum is stored as in the database (a column value, part of
 * the public contract: UPGRADING.observability section 4). */
static zend_always_inline const char *zend_mm_observe_kind_name(uint8_t kind)
{
	switch (kind) {
		case ZEND_MM_OBSERVE_KIND_VM: return "vm";
		case ZEND_MM_OBSERVE_KIND_COMPILE: return "compile";
		default: return "pseudo";
	}
}

/* writer_state, as php --mm-top and mm_observe_ring_read() show it. */
static zend_always_inline const char *zend_mm_observe_state_name(uint32_t state)
{
	switch (state) {
		case ZEND_MM_OBSERVE_RING_RECORDING: return "recording";
		case ZEND_MM_OBSERVE_RING_ENDED: return "ended";
		case ZEND_MM_OBSERVE_RING_EXPORTED: return "exported";
		case ZEND_MM_OBSERVE_RING_IDLE: return "idle";
		default: return "unknown";
	}
}

static zend_always_inline const char *zend_mm_observe_trigger_name(uint8_t trigger)
{
	switch (trigger) {
		case ZEND_GC_OBSERVE_TRIGGER_THRESHOLD: return "threshold";
		case ZEND_GC_OBSERVE_TRIGGER_EXPLICIT: return "explicit";
		case ZEND_GC_OBSERVE_TRIGGER_SHUTDOWN: return "shutdown";
		default: return "other";
	}
}

static zend_always_inline const char *zend_mm_observe_status_name(uint8_t status)
{
	switch (status) {
		case ZEND_MM_OBSERVE_STATUS_OK: return "ok";
		case ZEND_MM_OBSERVE_STATUS_OOM: return "oom";
		default: return "error";
	}
}

/* NULL for ZEND_MM_OBSERVE_DETAIL_NONE (mm_runs.detail is NULL then). */
static zend_always_inline const char *zend_mm_observe_detail_name(uint8_t detail)
{
	switch (detail) {
		case ZEND_MM_OBSERVE_DETAIL_ALL: return "all";
		case ZEND_MM_OBSERVE_DETAIL_OOM: return "oom";
		case ZEND_MM_OBSERVE_DETAIL_ERROR: return "error";
		case ZEND_MM_OBSERVE_DETAIL_PEAK: return "peak";
		case ZEND_MM_OBSERVE_DETAIL_SLOW: return "slow";
		case ZEND_MM_OBSERVE_DETAIL_SAMPLED: return "sampled";
		case ZEND_MM_OBSERVE_DETAIL_FLUSHED: return "flushed";
		default: return NULL;
	}
}

static zend_always_inline const char *zend_mm_observe_flush_reason_name(uint32_t reason)
{
	switch (reason) {
		case ZEND_MM_OBSERVE_FLUSH_EXPLICIT: return "explicit";
		case ZEND_MM_OBSERVE_FLUSH_HIGH_WATER: return "high_water";
		case ZEND_MM_OBSERVE_FLUSH_SNAPSHOT: return "snapshot";
		default: return "end";
	}
}

#endif /* ZEND_MM_OBSERVE */

#endif /* ZEND_MM_OBSERVE_FORMAT_H */
