/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the site table into SQLite                      |
   +----------------------------------------------------------------------+

   The whole contract of the exporter.  It owns the report database: opening
   and validating it, its schema (the public contract, see
   UPGRADING.observability), and writing one run per observed request.

   Engine phases
   -------------
   php_mm_export_open()    module RINIT of an observed request.  Opens or
                           creates the database, refuses anything that is
                           not ours, makes the ring file, then inserts the
                           run with status 'running' (or, when another
                           process holds the write lock, at the first write
                           that gets it: the request never waits).
   php_mm_export_finish()  called by the engine (zend_mm_observe_exporter_t)
                           at the top of zend_mm_shutdown(), observation
                           stopped.  Writes the sites, completes the run,
                           closes the database.  Uses malloc only: ZendMM is
                           being torn down.
   php_mm_export_abort()   drop the open database without writing.
   php_mm_export_shutdown() module shutdown: a worker's last drain.

   Worker mode (php-fpm, the CLI server, ...) keeps the database, the ring
   and the site table for the life of the process; every request leaves a
   summary row and folds into per-endpoint aggregates, and only the
   requests that matter keep their per-site detail (php_mm_export.c).

   Errors are reported once, on stderr, naming the path and the reason; the
   script always runs on and existing files are never modified unless they
   are our own database.
*/

#ifndef PHP_MM_EXPORT_H
#define PHP_MM_EXPORT_H

#include "zend_mm_observe.h"

/* The database format.  application_id 'mmob'; user_version is the schema
 * version: readers refuse newer ones. */
/* How long a writer waits for another process's lock, in milliseconds:
 * php --mm-import, and creating or upgrading the schema (once per
 * database). */
#define PHP_MM_EXPORT_BUSY_TIMEOUT_MS 10000
/* ... an observed request at its start and at the drains the engine asks
 * for (the ring's high-water mark): never (the records stay in the ring
 * for the next drain) ... */
#define PHP_MM_EXPORT_REQUEST_WAIT_MS 0
/* ... at the drains the script asks for (mm_observe_flush(),
 * mm_observe_snapshot(), whose per-site counters exist only now) and at its
 * end, before the ring is kept for a later import: briefly. */
#define PHP_MM_EXPORT_SHORT_WAIT_MS 1000

typedef struct _php_mm_export_run_meta {
	const char *sapi;          /* sapi_module.name */
	const char *script;        /* the script path, or a description ("Command line code") */
	const char *php_version;   /* PHP_VERSION */
	const char *run_tag;       /* zend.mm_observe_run_tag, or NULL */
	bool full_shutdown;        /* zend.mm_observe_full_shutdown is on */
	const char *method;        /* web SAPIs: the request method, else NULL */
	const char *uri;           /* ... and the URI without its query string */
	const char *args;          /* command line: the arguments after the script (zend.mm_observe_args), or "" */
	zend_long max_runs;        /* zend.mm_observe_max_runs: finished runs kept (0: all) */
} php_mm_export_run_meta;

/* Settings fixed at module startup (zend.mm_observe_* of ext/mm_observe). */
typedef struct _php_mm_export_settings {
	bool worker;               /* worker mode: zend_mm_observe_persistent (php_mm_export.c, "Worker mode") */
	bool detail_all;           /* zend.mm_observe_detail=all: every request keeps its per-site detail */
	zend_long detail_every;    /* zend.mm_observe_detail_every: 1 request in N keeps it (0: none) */
	zend_long detail_peak;     /* zend.mm_observe_detail_peak: ... and any whose peak reaches this (0: off) */
	zend_long detail_ms;       /* zend.mm_observe_detail_ms: ... or that runs this long (0: off) */
	zend_long window;          /* zend.mm_observe_window: seconds per endpoint aggregate window */
	zend_long drain_ms;        /* zend.mm_observe_drain_ms: a worker writes its summaries this often */
	zend_long max_db_size;     /* zend.mm_observe_max_db_size: bytes (0: unbounded) */
	int file_mode;             /* zend.mm_observe_file_mode: a database we create (0600, 0640 or 0660; 0: 0600) */
	zend_long file_gid;        /* zend.mm_observe_file_group: its group (-1: the creating process's) */
} php_mm_export_settings;

/* Module startup. */
void php_mm_export_configure(const php_mm_export_settings *settings);
/* Opens `path` for this request; on failure prints the reason and returns
 * FAILURE (the request then goes unobserved).  In worker mode the database
 * and the ring stay open from one request to the next, and failures go to
 * PHP's error log, once per process and message. */
zend_result php_mm_export_open(const char *path, const php_mm_export_run_meta *meta);
/* Module RSHUTDOWN: how the script ended, read before the engine clears it;
 * http_status: the response status of a web SAPI (0: none). */
void php_mm_export_script_ended(bool fatal_error, int exit_status, int http_status);
/* Module shutdown (a worker exits): writes what the ring still holds and
 * removes it (or leaves it, imported later, when that fails). */
void php_mm_export_shutdown(void);
void php_mm_export_finish(const zend_mm_observe_run *run);
/* Whether this request is being recorded into a database (its run row
 * may not be written yet, invariant 2 of php_mm_export.c). */
bool php_mm_export_recording(void);
void php_mm_export_abort(void);
/* "PATH run N" while a run is open, else NULL (the error log line of a memory error). */
const char *php_mm_export_describe(void);
/* A safe point mid-request (mm_observe_flush(), mm_observe_snapshot(), the
 * ring's high-water mark): drains the ring and writes the counters as of
 * now, run still 'running'.  `snapshot_now`: a snapshot just recorded whose
 * per-site counters are to be written (0: none).  reason: ZEND_MM_OBSERVE_FLUSH_*. */
bool php_mm_export_flush(int reason, uint64_t snapshot_now);
/* php --mm-import / mm_observe_import(): imports the ring file of a dead
 * process into `db` (NULL: the database the ring's file name belongs to,
 * <db>.<pid>.mmring; never a path read from the ring).  Only a ring owned
 * by the effective uid, mode 0600, is imported.  Returns the run id, 0 if
 * there was nothing to import, -1 on error; `msg` says what happened in
 * one line. */
int64_t php_mm_export_import(const char *ring, const char *db, char *msg, size_t msg_len);

#endif /* PHP_MM_EXPORT_H */
