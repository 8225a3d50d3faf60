/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: what its files share                            |
   +----------------------------------------------------------------------+
   | Internal to ext/mm_observe; the exporter's contract with the rest of |
   | PHP is php_mm_export.h.                                              |
   +----------------------------------------------------------------------+

   The exporter is split by job, each file with the invariants it keeps:

     php_mm_export.c         the life of a run: open at RINIT, drains,
                             finish at the engine's callback, worker mode
                             (per-request summaries, the detail policy),
                             messages
     php_mm_export_schema.c  the report database: opening it, deciding it
                             is ours, creating and upgrading its schema
                             (mm_schema.sql, compiled in)
     php_mm_export_write.c   writing a ring into it: strings, sites, one
                             writer per record type, the run row, the
                             retention and size budgets
     php_mm_export_import.c  rings left by dead processes: php --mm-import
                             and the scan for orphans next to a database
     php_mm_export_agg.c     a worker's per-endpoint aggregates, in memory

   They share one state (the open database, XS(); worker mode, XW()), as
   php-src's files share EG() and PG().  Nothing here allocates through
   ZendMM: the exporter runs while the request heap is shut down.
*/

#ifndef PHP_MM_EXPORT_INT_H
#define PHP_MM_EXPORT_INT_H

#include "php.h"
#include "zend_mm_observe.h"
#include "zend_mm_observe_ring.h"
#include "php_mm_export.h"
#include "php_mm_export_agg.h"
#include "php_mm_export_hash.h"

#include <sqlite3.h>
#include <sys/types.h>
#include <time.h>

/* Worker mode (php_mm_export_settings.worker): what outlives a request. */
#define PHP_MM_EXPORT_LOG_MAX       32      /* distinct messages a worker logs (each once) */
#define PHP_MM_EXPORT_LOG_PENDING   4       /* ... waiting for a point where PHP's log may be used */
#define PHP_MM_EXPORT_LOG_LINE      768     /* one message, cut */
#define PHP_MM_EXPORT_RETRY_NS      (10 * 1000000000ull) /* a database that failed is tried again after this */
#define PHP_MM_EXPORT_BUDGET_NS     (10 * 1000000000ull) /* how often the size budget is checked ... */
#define PHP_MM_EXPORT_BUDGET_WRITES 100                  /* ... or after this many transactions */
#define PHP_MM_EXPORT_DETAIL_KEEP   10                   /* the newest runs with detail the budget spares */
#define PHP_MM_EXPORT_WINDOW_DEFAULT 300                 /* seconds, when zend.mm_observe_window is unset */

/* Opcode names are interned once per map: one slot per opcode, and one
 * for compile sites ("COMPILE"). */
#define PHP_MM_EXPORT_OPCODE_COMPILE 256
#define PHP_MM_EXPORT_OPCODE_SLOTS   (PHP_MM_EXPORT_OPCODE_COMPILE + 1)

/* Ring string offsets (unique per string in one ring) to mm_strings ids. */
typedef struct _php_mm_export_strmap {
	php_mm_hash index;         /* by offset */
	uint32_t *offsets;         /* per entry: the offset in the ring's arena */
	sqlite3_int64 *ids;        /* ... and its str_id */
	uint32_t count, cap;
	sqlite3_stmt *insert, *select;
	sqlite3_int64 opcode_ids[PHP_MM_EXPORT_OPCODE_SLOTS]; /* -1: not yet interned */
} php_mm_export_strmap;

/* The open database and the run being written (every mode). */
typedef struct _php_mm_export_db {
	sqlite3 *db;
	char *path;                /* absolute (resolved once, at request start) */
	sqlite3_int64 run_id;      /* 0 until the row is inserted (invariant 2) */
	bool full_shutdown;        /* for a row inserted late */
	dev_t dev;                 /* the database file we opened: a drain */
	ino_t ino;                 /*   refuses to write into an unlinked one */
	bool gone_warned;
	bool faulted;              /* the last failed step was an injected fault */
	pid_t pid;                 /* the process that opened db */
	bool script_ended;         /* RSHUTDOWN ran */
	bool fatal_error;          /* the request ended in a fatal error */
	int exit_status;
	zend_long max_runs;        /* zend.mm_observe_max_runs (0: keep all) */
	char error[256];           /* SQLite's message for the last failed write (before the rollback) */
	bool quiet;                /* an import run by php --mm-import: its caller reports */
	const char *detail;        /* mm_runs.detail of the run being written */
	uint16_t http_status;      /* web SAPIs: the response status, read at RSHUTDOWN */
	php_mm_export_strmap strs; /* the live ring's strings, kept across a run's drains */
} php_mm_export_db;

/* Worker mode: what outlives a request. */
typedef struct _php_mm_export_worker {
	php_mm_export_settings cfg;
	php_mm_agg agg;            /* the requests in the ring not yet drained (invariant 7) */
	uint64_t token_base;       /* random per process: a request's run_token is token_base + seq */
	uint64_t last_drain_ns;
	uint64_t last_budget_ns;
	bool over_budget;          /* the last check found the database too big */
	uint32_t writes;           /* transactions since the last check */
	uint32_t budget_every;     /* check after this many */
	uint64_t retry_ns;         /* the database failed: not tried again before this */
	bool ring_failed;          /* the ring file could not be made: in memory for good */
	char *scanned;             /* the database whose orphans were imported (once per process and database) */
	uint64_t lost;             /* request summaries the full ring could not take */
	uint32_t logged[PHP_MM_EXPORT_LOG_MAX];   /* hashes of the messages logged so far */
	uint32_t logged_count;
	char pending[PHP_MM_EXPORT_LOG_PENDING][PHP_MM_EXPORT_LOG_LINE];
	uint32_t pending_count;
} php_mm_export_worker;

extern php_mm_export_db php_mm_export_db_state;
extern php_mm_export_worker php_mm_export_worker_state;
#define XS(field) (php_mm_export_db_state.field)
#define XW(field) (php_mm_export_worker_state.field)

/* What draining the ring found, for the run row; and how to drain it. */
typedef struct _php_mm_export_drain {
	uint64_t events;           /* records written */
	uint64_t last_ns;          /* latest timestamp seen in a record (from the request start) */
	uint64_t peak;             /* highest peak seen in a sample */
	bool torn;
	uint64_t requests;         /* REQUEST records written */
	/* Records before this position that are not REQUEST records belong to
	 * no run any more (a worker request whose detail could not be
	 * written): skipped.  0 in script mode: every record is the run's. */
	uint64_t own_from;
	php_mm_agg *fold;          /* importer: REQUEST records also fold in here */
} php_mm_export_drain;

/* A counter from a ring into SQLite's signed 64-bit INTEGER: an imported
 * ring may hold anything (php_mm_export_import.c, invariant 1). */
static zend_always_inline sqlite3_int64 php_mm_export_u64(uint64_t v)
{
	return v > (uint64_t) INT64_MAX ? INT64_MAX : (sqlite3_int64) v;
}

/* Wall-clock time, for started_at / ended_at / imported_at and the worker's
 * timers; every t_ns is zend_hrtime() from the run start instead. */
static zend_always_inline uint64_t php_mm_export_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* php_mm_export.c */
void php_mm_export_warn(const char *path, const char *fmt, ...) ZEND_ATTRIBUTE_FORMAT(printf, 2, 3);

/* php_mm_export_schema.c: opens and adopts the database at `path` into
 * XS(db) (no run yet); later writes wait at most `wait_ms` for another
 * process's lock.  close: forgets the run and closes it. */
bool php_mm_export_open_db(const char *path, int wait_ms);
void php_mm_export_close(void);
bool php_mm_export_db_linked(void);
bool php_mm_export_exec(const char *sql, const char *what);
bool php_mm_export_pragma_int(const char *sql, sqlite3_int64 *out);

/* php_mm_export_write.c */
int php_mm_export_step(sqlite3_stmt *st);
bool php_mm_export_txn(const char *sql);
bool php_mm_export_note_error(int wait_ms);
void php_mm_export_iso8601(uint64_t ns, char *buf, size_t len);
bool php_mm_export_strmap_init(php_mm_export_strmap *m);
void php_mm_export_strmap_release(php_mm_export_strmap *m);
void php_mm_export_strmap_forget(php_mm_export_strmap *m);
sqlite3_int64 php_mm_export_insert_run(const zend_mm_observe_ring_header *hdr, bool full_shutdown, const char *ring_path);
bool php_mm_export_write_events(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	uint64_t snapshot_now, uint64_t *end, php_mm_export_drain *d);
bool php_mm_export_write_agg(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, const php_mm_agg *a);
bool php_mm_export_write_sites(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v);
bool php_mm_export_write_paths(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v);
bool php_mm_export_write_oom(const zend_mm_observe_run *run);
bool php_mm_export_write_run(const zend_mm_observe_ring_view *v, const zend_mm_observe_run *run,
	const char *status, const php_mm_export_drain *d, bool imported);
bool php_mm_export_write(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	const zend_mm_observe_run *run, const char *status, uint64_t snapshot_now, int wait_ms, bool *busy,
	php_mm_export_drain *d);
void php_mm_export_retention(void);
void php_mm_export_budget(void);

/* php_mm_export_import.c */
void php_mm_export_import_orphans(void);

#endif /* PHP_MM_EXPORT_INT_H */
