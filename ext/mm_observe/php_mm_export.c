/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the site table into SQLite                      |
   +----------------------------------------------------------------------+

   Design
   ======
   One report database holds any number of runs (one per observed request),
   appended by any number of processes.  Schema version 4 (versions 1 to 3
   are upgraded in place: later versions only add columns, tables and
   views):

     mm_runs           one row per run; status 'running' until the request
                       ends, then 'ok' or 'error' (fatal error / bailout)
     mm_strings        interned text: file names, function names, opcodes
     mm_site_counters  one row per (run, site): the counters, string ids
     mm_sites          view: mm_site_counters with its strings resolved
     mm_lines          view: mm_sites summed per (run, file, line)

   The exact columns are in kSchema below and documented for users in
   UPGRADING.observability; names are a public contract (add, never rename).

   Invariants
   ----------
   1. We write only to a database that is empty or carries our
      application_id; anything else (another program's SQLite file, a file
      that is not SQLite, a newer schema, one of our tables replaced by a
      view, any trigger) is refused and left untouched.
   2. The ring file exists before the run row: the row is inserted after
      the ring is made (or, if another process holds the write lock, in the
      first transaction that gets it), with the ring's random run_token.
      So a kill at any point leaves a ring that imports (merging into its
      row when there is one), and an importer merges a ring into a row only
      when their tokens match (the ring proves it owns the run).  The run
      is completed in one transaction with all its sites when it ends, so a
      reader sees a run's sites all or not at all.
   3. Nothing here allocates through ZendMM after php_mm_export_open()
      returns: php_mm_export_finish() runs while the heap is shut down.
   4. Σ(alloc_bytes − free_bytes) over a run's sites equals
      usage_end − usage_start of its mm_runs row when zend_mm = 1
      (zend_mm_observe.c, invariant 4); the tests check it.
   5. An observed request never waits for another process's lock but at
      its end and at the drains its script asks for, and then briefly
      (PHP_MM_EXPORT_SHORT_WAIT_MS): what cannot be written stays in the
      ring, drained later or imported by the next process.
   6. Everything read from a ring file is hostile until checked: the ring
      module validates the layout (zend_mm_observe_ring_read_open()), the
      importer clamps every counter into SQLite's INTEGER range and reads
      no path from it.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php.h"
#include "zend_mm_observe.h"
#include "zend_vm_opcodes.h"
#include "php_mm_export.h"
#include "php_mm_export_agg.h"
#include "zend_gc_observe.h"
#include "zend_mm_observe_ring.h"
#include "zend_hrtime.h"
#include "ext/random/php_random_csprng.h"

#include <fcntl.h>
#include <dirent.h>
#include <sys/file.h>
#include <sys/mman.h>

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <errno.h>
#include <libgen.h>
#include <syslog.h>

/* Columns added to mm_runs by schema version 2 (also used to migrate a
 * version 1 database with ALTER TABLE, kMigrateV1). */
#define kRunsV2Columns \
	" run_tag TEXT,"                  /* zend.mm_observe_run_tag: lets a harness find its run */ \
	" full_shutdown INTEGER,"         /* 1: zend.mm_observe_full_shutdown freed everything one by one */ \
	" test_path TEXT,"                /* set by run-tests.php --mm-observe: the .phpt file */ \
	" test_title TEXT,"               /* ... its --TEST-- title */ \
	" test_result TEXT"               /* ... PASS, FAIL, SKIP, BORK, LEAK, WARN, XFAIL, ... */

/* Columns added to mm_runs by schema version 3 (the ring, kMigrateV2). */
#define kRunsV3Columns \
	" ring_path TEXT,"                /* the ring file while recording (NULL: kept in memory only) */ \
	" events_lost INTEGER,"           /* ring records dropped because the ring was full */ \
	" events_torn INTEGER,"           /* ring records found half-written (crash import), skipped */ \
	" flushes INTEGER,"               /* drains of the ring into the database */ \
	" flush_ns INTEGER,"              /* time the drains paused the script, in total */ \
	" flush_max_ns INTEGER,"          /* ... the longest one */ \
	" request_method TEXT,"           /* web SAPIs: GET, POST, ... */ \
	" request_uri TEXT,"              /* web SAPIs: the URI without its query string */ \
	" imported_at TEXT"               /* set when a crashed run was imported from its ring */

/* Columns added to mm_runs by schema version 4 (kMigrateV3). */
#define kRunsV4Columns \
	" ring_token INTEGER"             /* the ring's random run_token: an importer merges a ring into this row only if they match */

/* Columns added to mm_runs by schema version 5 (worker mode, kMigrateV4). */
#define kRunsV5Columns \
	" detail TEXT,"                   /* why its per-site detail is kept: all, oom, error, peak, slow, sampled, flushed; */ \
	                                  /* NULL: summary row only (worker mode); rolled_up: dropped for zend.mm_observe_max_db_size */ \
	" duration_ns INTEGER,"           /* from request start to its end */ \
	" http_status INTEGER,"           /* web SAPIs: the response status */ \
	" alloc_count INTEGER,"           /* blocks the request allocated ({unobserved} left out) */ \
	" alloc_bytes INTEGER," \
	" end_live_bytes INTEGER,"        /* ... of which live at the end of the script */ \
	" gc_passes INTEGER,"             /* collector passes */ \
	" gc_ns INTEGER,"                 /* ... and their time */ \
	" request_seq INTEGER"            /* the request's number in its process (1-based) */

static const char kMigrateV4[] =
	"ALTER TABLE mm_runs ADD COLUMN detail TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN duration_ns INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN http_status INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN alloc_count INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN alloc_bytes INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN end_live_bytes INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN gc_passes INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN gc_ns INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN request_seq INTEGER;";

static const char kMigrateV3[] =
	"ALTER TABLE mm_runs ADD COLUMN ring_token INTEGER;";

static const char kMigrateV2[] =
	"ALTER TABLE mm_runs ADD COLUMN ring_path TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN events_lost INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN events_torn INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN flushes INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN flush_ns INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN flush_max_ns INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN request_method TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN request_uri TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN imported_at TEXT;";

static const char kMigrateV1[] =
	"ALTER TABLE mm_runs ADD COLUMN run_tag TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN full_shutdown INTEGER;"
	"ALTER TABLE mm_runs ADD COLUMN test_path TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN test_title TEXT;"
	"ALTER TABLE mm_runs ADD COLUMN test_result TEXT;";

static const char kSchema[] =
	"CREATE TABLE IF NOT EXISTS mm_runs ("
	" run_id INTEGER PRIMARY KEY AUTOINCREMENT,"
	" pid INTEGER NOT NULL,"
	" sapi TEXT NOT NULL,"
	" script TEXT,"
	" started_at TEXT NOT NULL,"      /* ISO 8601, UTC, milliseconds */
	" ended_at TEXT,"
	" php_version TEXT NOT NULL,"
	" status TEXT NOT NULL,"          /* running | ok | error (fatal error, uncaught exception, bailout) */
	" peak_usage INTEGER,"            /* memory_get_peak_usage() at request end */
	" usage_start INTEGER,"           /* memory_get_usage() when observation started */
	" usage_end INTEGER,"             /* ... and when it stopped */
	" exit_status INTEGER,"
	" site_count INTEGER,"
	" sites_dropped INTEGER,"         /* allocations billed to {overflow}: the table was full */
	" observer_bytes INTEGER,"        /* address space reserved by the observer, outside ZendMM */
	" zend_mm INTEGER,"               /* 1: ZendMM was the heap; 0: USE_ZEND_ALLOC=0 */
	" peak_observed INTEGER,"         /* highest usage the observer saw: sum of the sites' peak_live_bytes */
	" blocks_untracked INTEGER,"      /* blocks the block map could not record (out of memory) */
	" script_ended INTEGER,"          /* 1: leak_* columns are set (the script reached request shutdown) */
	" gc_idle_ns INTEGER,"            /* time in gc_collect_cycles() calls that found nothing to collect */
	kRunsV2Columns ","
	kRunsV3Columns ","
	kRunsV4Columns ","
	kRunsV5Columns
	");"
	"CREATE TABLE IF NOT EXISTS mm_strings ("
	" str_id INTEGER PRIMARY KEY,"
	" str TEXT NOT NULL UNIQUE"
	");"
	"CREATE TABLE IF NOT EXISTS mm_site_counters ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" site_id INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"            /* vm | compile | pseudo */
	" file_id INTEGER NOT NULL,"
	" line INTEGER NOT NULL,"
	" function_id INTEGER NOT NULL,"
	" opcode_id INTEGER,"
	" callee_id INTEGER,"
	" flags INTEGER NOT NULL,"
	" alloc_count INTEGER NOT NULL,"
	" alloc_bytes INTEGER NOT NULL,"
	" free_count INTEGER NOT NULL,"
	" free_bytes INTEGER NOT NULL,"
	" realloc_count INTEGER NOT NULL,"
	" live_count INTEGER NOT NULL,"
	" live_bytes INTEGER NOT NULL,"
	" peak_live_bytes INTEGER NOT NULL,"
	" leak_count INTEGER NOT NULL,"
	" leak_bytes INTEGER NOT NULL,"
	" gc_alloc_count INTEGER NOT NULL,"
	" gc_alloc_bytes INTEGER NOT NULL,"
	" gc_free_count INTEGER NOT NULL,"
	" gc_free_bytes INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, site_id)"
	") WITHOUT ROWID;"
	"CREATE VIEW IF NOT EXISTS mm_sites AS SELECT"
	" c.run_id, c.site_id, c.kind, f.str AS file, c.line, fn.str AS function,"
	" op.str AS opcode, ca.str AS callee, c.flags,"
	" c.alloc_count, c.alloc_bytes, c.free_count, c.free_bytes, c.realloc_count,"
	" c.live_count, c.live_bytes, c.peak_live_bytes, c.leak_count, c.leak_bytes,"
	" c.gc_alloc_count, c.gc_alloc_bytes, c.gc_free_count, c.gc_free_bytes"
	" FROM mm_site_counters c"
	" JOIN mm_strings f ON f.str_id = c.file_id"
	" JOIN mm_strings fn ON fn.str_id = c.function_id"
	" LEFT JOIN mm_strings op ON op.str_id = c.opcode_id"
	" LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id;"
	"CREATE VIEW IF NOT EXISTS mm_lines AS SELECT"
	" run_id, file, line,"
	" SUM(alloc_count) AS alloc_count, SUM(alloc_bytes) AS alloc_bytes,"
	" SUM(free_count) AS free_count, SUM(free_bytes) AS free_bytes,"
	" SUM(realloc_count) AS realloc_count,"
	" SUM(live_count) AS live_count, SUM(live_bytes) AS live_bytes,"
	" SUM(peak_live_bytes) AS peak_live_bytes,"
	" SUM(leak_count) AS leak_count, SUM(leak_bytes) AS leak_bytes, COUNT(*) AS sites"
	" FROM mm_sites GROUP BY run_id, file, line;"
	"CREATE VIEW IF NOT EXISTS mm_leaks AS SELECT"
	" run_id, site_id, kind, file, line, function, opcode, callee, leak_count, leak_bytes,"
	" live_count, live_bytes"
	" FROM mm_sites WHERE leak_count > 0 OR leak_bytes > 0;"
	"CREATE TABLE IF NOT EXISTS mm_gc_passes ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"          /* 1-based pass number in the run */
	" call INTEGER NOT NULL,"         /* 1-based zend_gc_collect_cycles() call in the run */
	" rerun INTEGER NOT NULL,"        /* 1: the automatic rerun after the destructors of the previous pass */
	" aborted INTEGER NOT NULL,"
	" trigger TEXT NOT NULL,"         /* threshold | explicit | shutdown | other */
	" file_id INTEGER NOT NULL, line INTEGER NOT NULL, function_id INTEGER NOT NULL,"
	" roots INTEGER NOT NULL, collected INTEGER NOT NULL, buffer_size INTEGER NOT NULL,"
	" threshold_before INTEGER NOT NULL, threshold_after INTEGER NOT NULL,"
	" mem_before INTEGER NOT NULL, mem_after INTEGER NOT NULL, started_ns INTEGER NOT NULL,"
	" mark_ns INTEGER NOT NULL, scan_ns INTEGER NOT NULL, collect_ns INTEGER NOT NULL,"
	" destructor_ns INTEGER NOT NULL, free_ns INTEGER NOT NULL, compact_ns INTEGER NOT NULL,"
	" total_ns INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, seq)"
	") WITHOUT ROWID;"
	"CREATE VIEW IF NOT EXISTS mm_gc_runs AS SELECT"
	" g.run_id, g.seq, g.call, g.rerun, g.aborted, g.trigger, f.str AS file, g.line, fn.str AS function,"
	" g.roots, g.collected, g.buffer_size, g.threshold_before, g.threshold_after,"
	" g.mem_before, g.mem_after, g.started_ns, g.mark_ns, g.scan_ns, g.collect_ns,"
	" g.destructor_ns, g.free_ns, g.compact_ns, g.total_ns"
	" FROM mm_gc_passes g"
	" JOIN mm_strings f ON f.str_id = g.file_id"
	" JOIN mm_strings fn ON fn.str_id = g.function_id;"
	"CREATE VIEW IF NOT EXISTS mm_gc_summary AS SELECT"
	" run_id, COUNT(*) AS gc_runs, SUM(collected) AS collected,"
	" SUM(total_ns) AS total_pause_ns, MAX(total_ns) AS max_pause_ns,"
	" ROUND(1.0 * SUM(mark_ns) / MAX(SUM(total_ns), 1), 4) AS mark_share,"
	" ROUND(1.0 * SUM(scan_ns) / MAX(SUM(total_ns), 1), 4) AS scan_share,"
	" ROUND(1.0 * SUM(collect_ns) / MAX(SUM(total_ns), 1), 4) AS collect_share,"
	" ROUND(1.0 * SUM(destructor_ns) / MAX(SUM(total_ns), 1), 4) AS destructor_share,"
	" ROUND(1.0 * SUM(free_ns) / MAX(SUM(total_ns), 1), 4) AS free_share,"
	" ROUND(1.0 * SUM(compact_ns) / MAX(SUM(total_ns), 1), 4) AS compact_share,"
	" ROUND(SUM(collected) * 1e6 / MAX(SUM(total_ns), 1), 1) AS collected_per_ms"
	" FROM mm_gc_passes GROUP BY run_id;"
	/* Version 2. */
	"CREATE INDEX IF NOT EXISTS mm_runs_run_tag ON mm_runs(run_tag) WHERE run_tag IS NOT NULL;"
	"CREATE INDEX IF NOT EXISTS mm_runs_test_path ON mm_runs(test_path) WHERE test_path IS NOT NULL;"
	/* Per run: the request's own counters ({unobserved}, what was live
	 * before observation started, left out) and its GC figures. */
	"CREATE VIEW IF NOT EXISTS mm_run_totals AS SELECT"
	" r.run_id,"
	" COALESCE(SUM(c.alloc_count), 0) AS alloc_count, COALESCE(SUM(c.alloc_bytes), 0) AS alloc_bytes,"
	" COALESCE(SUM(c.free_count), 0) AS free_count, COALESCE(SUM(c.free_bytes), 0) AS free_bytes,"
	" COALESCE(SUM(c.realloc_count), 0) AS realloc_count,"
	" COALESCE(SUM(c.live_count), 0) AS live_count, COALESCE(SUM(c.live_bytes), 0) AS live_bytes,"
	" COALESCE(SUM(c.leak_count), 0) AS leak_count, COALESCE(SUM(c.leak_bytes), 0) AS leak_bytes,"
	" (SELECT COUNT(*) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_runs,"
	" (SELECT COALESCE(SUM(collected), 0) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_collected,"
	" (SELECT COALESCE(SUM(total_ns), 0) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_ns"
	" FROM mm_runs r LEFT JOIN mm_site_counters c ON c.run_id = r.run_id"
	" AND NOT (c.kind = 'pseudo' AND c.function_id IN (SELECT str_id FROM mm_strings WHERE str = '{unobserved}'))"
	" GROUP BY r.run_id;"
	"CREATE VIEW IF NOT EXISTS mm_tests AS SELECT"
	" r.run_id, r.test_path, r.test_title, r.test_result, r.status, r.started_at, r.peak_usage, r.full_shutdown,"
	" t.alloc_count, t.alloc_bytes, t.free_count, t.free_bytes, t.realloc_count,"
	" t.live_count, t.live_bytes, t.leak_count, t.leak_bytes, t.gc_runs, t.gc_collected, t.gc_ns"
	" FROM mm_runs r JOIN mm_run_totals t ON t.run_id = r.run_id WHERE r.test_path IS NOT NULL;"
	/* The request's memory error (memory_limit or the system), recorded
	 * before the bailout, and the sites that held the most then. */
	"CREATE TABLE IF NOT EXISTS mm_oom_events ("
	" run_id INTEGER PRIMARY KEY REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" kind TEXT NOT NULL,"            /* memory_limit | system */
	" site_id INTEGER NOT NULL,"      /* the site that made the failing request */
	" requested INTEGER NOT NULL, memory_limit INTEGER NOT NULL, usage INTEGER NOT NULL,"
	" at TEXT NOT NULL"
	");"
	"CREATE TABLE IF NOT EXISTS mm_oom_top ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" rank INTEGER NOT NULL, site_id INTEGER NOT NULL, live_bytes INTEGER NOT NULL, live_count INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, rank)"
	") WITHOUT ROWID;"
	"CREATE VIEW IF NOT EXISTS mm_oom AS SELECT"
	" o.run_id, o.kind, s.file, s.line, s.function, s.opcode, s.callee, o.requested, o.memory_limit, o.usage, o.at"
	" FROM mm_oom_events o JOIN mm_sites s ON s.run_id = o.run_id AND s.site_id = o.site_id;"
	"CREATE VIEW IF NOT EXISTS mm_oom_top_sites AS SELECT"
	" t.run_id, t.rank, s.kind, s.file, s.line, s.function, s.opcode, s.callee, t.live_bytes, t.live_count"
	" FROM mm_oom_top t JOIN mm_sites s ON s.run_id = t.run_id AND s.site_id = t.site_id;"
	/* Version 3: the ring's events. */
	"CREATE TABLE IF NOT EXISTS mm_samples ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"          /* 1-based in the run */
	" t_ns INTEGER NOT NULL,"         /* from the start of the request */
	" usage INTEGER NOT NULL, peak INTEGER NOT NULL,"
	" allocated INTEGER NOT NULL,"    /* bytes allocated since the request started */
	" site_id INTEGER NOT NULL,"      /* the site allocating when the sample was taken */
	" PRIMARY KEY (run_id, seq)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS mm_snapshots ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" snapshot_id INTEGER NOT NULL,"  /* 1-based in the run: mm_observe_snapshot()'s result */
	" label TEXT NOT NULL,"
	" t_ns INTEGER NOT NULL, usage INTEGER NOT NULL,"
	" site_id INTEGER NOT NULL,"      /* where mm_observe_snapshot() was called */
	" PRIMARY KEY (run_id, snapshot_id)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS mm_snapshot_counters ("
	" run_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, site_id INTEGER NOT NULL,"
	" alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL,"
	" free_count INTEGER NOT NULL, free_bytes INTEGER NOT NULL,"
	" live_count INTEGER NOT NULL, live_bytes INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, snapshot_id, site_id),"
	" FOREIGN KEY (run_id, snapshot_id) REFERENCES mm_snapshots(run_id, snapshot_id) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS mm_flushes ("
	" run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL,"
	" reason TEXT NOT NULL,"          /* explicit | high_water | snapshot */
	" t_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, events INTEGER NOT NULL,"
	" PRIMARY KEY (run_id, seq)"
	") WITHOUT ROWID;"
	"CREATE VIEW IF NOT EXISTS mm_snapshot_sites AS SELECT"
	" c.run_id, c.snapshot_id, n.label, s.file, s.line, s.function,"
	" c.alloc_count, c.alloc_bytes, c.live_count, c.live_bytes, s.callee, s.opcode, s.site_id"
	" FROM mm_snapshot_counters c"
	" JOIN mm_snapshots n ON n.run_id = c.run_id AND n.snapshot_id = c.snapshot_id"
	" JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id;"
	/* Per site, the change of live bytes from each snapshot's predecessor in
	 * the run (a site absent from the previous snapshot had 0). */
	"CREATE VIEW IF NOT EXISTS mm_growth AS SELECT"
	" c.run_id, c.snapshot_id, p.snapshot_id AS prev_snapshot_id, c.label, c.file, c.line, c.function, c.callee,"
	" c.live_bytes, c.live_bytes - COALESCE(pc.live_bytes, 0) AS live_bytes_growth,"
	" c.live_count - COALESCE(pc.live_count, 0) AS live_count_growth,"
	" c.alloc_bytes - COALESCE(pc.alloc_bytes, 0) AS alloc_bytes_growth, c.site_id"
	" FROM mm_snapshot_sites c"
	" JOIN mm_snapshots p ON p.run_id = c.run_id AND p.snapshot_id ="
	"  (SELECT MAX(snapshot_id) FROM mm_snapshots q WHERE q.run_id = c.run_id AND q.snapshot_id < c.snapshot_id)"
	" LEFT JOIN mm_snapshot_counters pc ON pc.run_id = c.run_id AND pc.snapshot_id = p.snapshot_id AND pc.site_id = c.site_id;"
	"CREATE VIEW IF NOT EXISTS mm_timeline AS SELECT"
	" s.run_id, s.seq, s.t_ns, s.usage, s.peak, s.allocated, t.file, t.line, t.function"
	" FROM mm_samples s LEFT JOIN mm_sites t ON t.run_id = s.run_id AND t.site_id = s.site_id;"
	/* Version 4. */
	"CREATE INDEX IF NOT EXISTS mm_runs_ring_token ON mm_runs(ring_token) WHERE ring_token IS NOT NULL;"
	/* Version 5: worker mode.  Every request of a worker folds into its
	 * endpoint (method, URI without the query) per time window; the sums
	 * equal the sums of the requests' mm_runs rows (invariant 7). */
	"CREATE TABLE IF NOT EXISTS mm_endpoint_windows ("
	" window_start INTEGER NOT NULL," /* Unix seconds: start of the window (zend.mm_observe_window) */
	" method TEXT NOT NULL, uri TEXT NOT NULL,"
	" requests INTEGER NOT NULL, errors INTEGER NOT NULL, ooms INTEGER NOT NULL,"
	" detailed INTEGER NOT NULL,"     /* requests whose per-site detail is kept (mm_runs.detail) */
	" duration_ns INTEGER NOT NULL, duration_max_ns INTEGER NOT NULL,"
	" alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL,"
	" peak_sum INTEGER NOT NULL, peak_max INTEGER NOT NULL,"
	" end_live_bytes INTEGER NOT NULL," /* Σ of the requests' bytes live at the end of the script */
	" gc_passes INTEGER NOT NULL, gc_ns INTEGER NOT NULL,"
	" PRIMARY KEY (window_start, method, uri)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS mm_endpoint_peaks ("
	" window_start INTEGER NOT NULL, method TEXT NOT NULL, uri TEXT NOT NULL,"
	" bucket INTEGER NOT NULL,"       /* peaks in [2^bucket, 2^(bucket+1)) bytes */
	" requests INTEGER NOT NULL,"
	" PRIMARY KEY (window_start, method, uri, bucket)"
	") WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS mm_endpoint_site_counters ("
	" window_start INTEGER NOT NULL, method TEXT NOT NULL, uri TEXT NOT NULL,"
	" kind TEXT NOT NULL, file_id INTEGER NOT NULL, line INTEGER NOT NULL, function_id INTEGER NOT NULL,"
	" opcode_id INTEGER NOT NULL,"    /* 0: none (pseudo sites) */
	" callee_id INTEGER NOT NULL,"    /* 0: none */
	" requests INTEGER NOT NULL,"     /* requests that allocated or freed here */
	" alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL, realloc_count INTEGER NOT NULL,"
	" leak_count INTEGER NOT NULL, leak_bytes INTEGER NOT NULL," /* live at the end of the script, summed */
	" peak_live_bytes INTEGER NOT NULL," /* live at each request's peak, summed */
	" PRIMARY KEY (window_start, method, uri, kind, file_id, line, function_id, opcode_id, callee_id)"
	") WITHOUT ROWID;"
	"CREATE VIEW IF NOT EXISTS mm_endpoints AS SELECT"
	" method, uri, SUM(requests) AS requests, SUM(errors) AS errors, SUM(ooms) AS ooms, SUM(detailed) AS detailed,"
	" SUM(duration_ns) AS duration_ns, MAX(duration_max_ns) AS duration_max_ns,"
	" SUM(alloc_count) AS alloc_count, SUM(alloc_bytes) AS alloc_bytes,"
	" SUM(peak_sum) / SUM(requests) AS peak_avg, MAX(peak_max) AS peak_max,"
	" SUM(end_live_bytes) AS end_live_bytes, SUM(gc_passes) AS gc_passes, SUM(gc_ns) AS gc_ns,"
	" MIN(window_start) AS first_window, MAX(window_start) AS last_window"
	" FROM mm_endpoint_windows GROUP BY method, uri;"
	"CREATE VIEW IF NOT EXISTS mm_endpoint_sites AS SELECT"
	" c.window_start, c.method, c.uri, c.kind, f.str AS file, c.line, fn.str AS function,"
	" op.str AS opcode, ca.str AS callee, c.requests, c.alloc_count, c.alloc_bytes, c.realloc_count,"
	" c.leak_count, c.leak_bytes, c.peak_live_bytes"
	" FROM mm_endpoint_site_counters c"
	" JOIN mm_strings f ON f.str_id = c.file_id"
	" JOIN mm_strings fn ON fn.str_id = c.function_id"
	" LEFT JOIN mm_strings op ON op.str_id = c.opcode_id"
	" LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id;";

/* The tables we write: in a database of ours each must be a table (not a
 * view standing in for it), and no trigger may exist (we create none; one
 * would run its code on our writes).  Invariant 1. */
static const char kOurTablesCheck[] =
	"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger'),"
	" (SELECT count(*) FROM sqlite_master WHERE type <> 'table' AND name IN ('mm_runs', 'mm_strings',"
	" 'mm_site_counters', 'mm_gc_passes', 'mm_oom_events', 'mm_oom_top', 'mm_samples', 'mm_snapshots',"
	" 'mm_snapshot_counters', 'mm_flushes', 'mm_endpoint_windows', 'mm_endpoint_peaks', 'mm_endpoint_site_counters'))";

static struct {
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
} xs;

/* Worker mode (php_mm_export_settings.worker): what outlives a request. */
#define PHP_MM_EXPORT_LOG_MAX      32      /* distinct messages a worker logs (each once) */
#define PHP_MM_EXPORT_RETRY_NS     (10 * 1000000000ull) /* a database that failed is tried again after this */
#define PHP_MM_EXPORT_BUDGET_NS    (10 * 1000000000ull) /* how often the size budget is checked ... */
#define PHP_MM_EXPORT_BUDGET_WRITES 100                 /* ... or after this many transactions */
#define PHP_MM_EXPORT_DETAIL_KEEP  10                   /* the newest runs with detail the budget spares */
static struct {
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
	char *scanned;             /* the database whose orphans were imported */
	uint64_t lost;             /* request summaries the full ring could not take */
	uint32_t logged[PHP_MM_EXPORT_LOG_MAX];   /* hashes of the messages logged so far */
	uint32_t logged_count;
	char pending[4][768];      /* messages waiting for a point where PHP's log may be used */
	uint32_t pending_count;
} xw;

static void php_mm_export_warn(const char *path, const char *fmt, ...) ZEND_ATTRIBUTE_FORMAT(printf, 2, 3);

/* One line on stderr: never through the output layer (it may be gone, and
 * the script's own output must stay byte-identical). */
static void php_mm_export_warn(const char *path, const char *fmt, ...)
{
	va_list ap;

	if (xw.cfg.worker && !xs.quiet) {
		/* Worker mode: through PHP's error log (the FPM error log by
		 * default), once per process and message, at the next point
		 * where it may run (php_mm_export_log_flush). */
		char msg[768];
		int n = snprintf(msg, sizeof(msg), "mm_observe: report database '%s': ", path);
		va_start(ap, fmt);
		if (n >= 0 && (size_t) n < sizeof(msg)) {
			vsnprintf(msg + n, sizeof(msg) - (size_t) n, fmt, ap);
		}
		va_end(ap);
		uint32_t h = 2166136261u;
		for (const char *p = msg; *p; p++) {
			h = (h ^ (uint8_t) *p) * 16777619u;
		}
		for (uint32_t i = 0; i < xw.logged_count; i++) {
			if (xw.logged[i] == h) {
				return;
			}
		}
		if (xw.logged_count < PHP_MM_EXPORT_LOG_MAX && xw.pending_count < sizeof(xw.pending) / sizeof(xw.pending[0])) {
			xw.logged[xw.logged_count++] = h;
			memcpy(xw.pending[xw.pending_count++], msg, sizeof(msg));
		}
		return;
	}
	fprintf(stderr, "Warning: mm_observe: report database '%s': ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* Worker mode: the queued messages into PHP's error log.  Only where the
 * engine may allocate (module RINIT, MSHUTDOWN), never from the exporter
 * callback (ZendMM is shutting down there). */
static void php_mm_export_log_flush(void)
{
	for (uint32_t i = 0; i < xw.pending_count; i++) {
		int fd = -1;
		if (!PG(error_log) && zend_mm_observe_log_file && zend_mm_observe_log_file[0] == '/') {
			fd = open(zend_mm_observe_log_file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			php_log_err_with_severity(xw.pending[i], LOG_WARNING);
			continue;
		}
		/* The SAPI's log (php-fpm's error_log), in its own line format. */
		char line[1024], when[64];
		time_t now = time(NULL);
		struct tm tm;
		if (!localtime_r(&now, &tm) || !strftime(when, sizeof(when), "%d-%b-%Y %H:%M:%S", &tm)) {
			when[0] = '\0';
		}
		int n = snprintf(line, sizeof(line), "[%s] WARNING: [pid %ld] %s\n", when, (long) getpid(), xw.pending[i]);
		if (n > 0) {
			ssize_t w = write(fd, line, MIN((size_t) n, sizeof(line) - 1));
			(void) w;
		}
		close(fd);
	}
	xw.pending_count = 0;
}

static void php_mm_export_iso8601(uint64_t ns, char *buf, size_t len)
{
	/* A drain formats two per request, mostly within the same second. */
	static time_t last_sec = (time_t) -1;
	static char last[32];
	time_t sec = (time_t) (ns / 1000000000u);
	struct tm tm;

	if (sec != last_sec) {
		if (!gmtime_r(&sec, &tm) || strftime(last, sizeof(last), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
			/* A time from an imported ring that no calendar holds. */
			snprintf(buf, len, "invalid");
			return;
		}
		last_sec = sec;
	}
	unsigned ms = (unsigned) ((ns / 1000000u) % 1000u);
	size_t n = strlen(last);
	if (len < n + 6) {
		snprintf(buf, len, "invalid");
		return;
	}
	memcpy(buf, last, n);
	buf[n] = '.';
	buf[n + 1] = (char) ('0' + ms / 100);
	buf[n + 2] = (char) ('0' + ms / 10 % 10);
	buf[n + 3] = (char) ('0' + ms % 10);
	buf[n + 4] = 'Z';
	buf[n + 5] = '\0';
}

static void php_mm_export_strmap_free(void);

static void php_mm_export_close(void)
{
	if (xs.db) {
		sqlite3_close_v2(xs.db);
		xs.db = NULL;
	}
	free(xs.path);
	xs.path = NULL;
	xs.run_id = 0;
	xs.gone_warned = false;
	xs.script_ended = false;
	xs.fatal_error = false;
	xs.exit_status = 0;
	php_mm_export_strmap_free();
}

/* Checks what is at `path` before SQLite touches it, so the message names
 * the real reason.  Returns false (after warning) when it cannot be ours. */
static bool php_mm_export_check_path(const char *path)
{
	struct stat st;

	if (!*path) {
		php_mm_export_warn(path, "the path is empty (set zend.mm_observe_output or --mm-observe=FILE)");
		return false;
	}
	if (lstat(path, &st) == 0) {
		if (S_ISLNK(st.st_mode)) {
			php_mm_export_warn(path, "is a symbolic link; refusing to follow it");
			return false;
		}
		if (S_ISDIR(st.st_mode)) {
			php_mm_export_warn(path, "is a directory");
			return false;
		}
		if (!S_ISREG(st.st_mode)) {
			php_mm_export_warn(path, "is not a regular file");
			return false;
		}
		if (access(path, R_OK | W_OK) != 0) {
			php_mm_export_warn(path, "cannot be opened for writing (%s)", strerror(errno));
			return false;
		}
		return true;
	}
	if (errno != ENOENT) {
		php_mm_export_warn(path, "cannot be examined (%s)", strerror(errno));
		return false;
	}
	char *copy = strdup(path);
	if (!copy) {
		php_mm_export_warn(path, "out of memory");
		return false;
	}
	const char *dir = dirname(copy);
	bool ok = true;
	if (stat(dir, &st) != 0) {
		php_mm_export_warn(path, "directory '%s' does not exist", dir);
		ok = false;
	} else if (!S_ISDIR(st.st_mode)) {
		php_mm_export_warn(path, "'%s' is not a directory", dir);
		ok = false;
	} else if (access(dir, W_OK | X_OK) != 0) {
		php_mm_export_warn(path, "cannot create a file in '%s' (%s)", dir, strerror(errno));
		ok = false;
	}
	free(copy);
	return ok;
}

/* Runs `sql`; on failure warns "<what> (<SQLite's reason>)". */
static bool php_mm_export_exec(const char *sql, const char *what)
{
	char *err = NULL;
	if (sqlite3_exec(xs.db, sql, NULL, NULL, &err) != SQLITE_OK) {
		php_mm_export_warn(xs.path, "%s (%s)", what, err ? err : sqlite3_errmsg(xs.db));
		sqlite3_free(err);
		return false;
	}
	return true;
}

static bool php_mm_export_pragma_int(const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(xs.db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		int code = sqlite3_errcode(xs.db);
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
			php_mm_export_warn(xs.path, "is not a SQLite database; left untouched");
		} else {
			php_mm_export_warn(xs.path, "cannot be read (%s)", sqlite3_errmsg(xs.db));
		}
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_finalize(st);
	return true;
}

/* Decides whether the open database is ours (or empty, and becomes ours),
 * and brings it to the current schema.  Invariant 1. */
static bool php_mm_export_adopt(void)
{
	sqlite3_int64 app_id = 0, version = 0, objects = 0;

	/* One read transaction: the three figures from one state of the file,
	 * even while another writer creates the schema. */
	sqlite3_exec(xs.db, "BEGIN", NULL, NULL, NULL);
	sqlite3_int64 triggers = 0, not_tables = 0;
	bool read = php_mm_export_pragma_int("PRAGMA application_id", &app_id)
		&& php_mm_export_pragma_int("PRAGMA user_version", &version)
		&& php_mm_export_pragma_int("SELECT count(*) FROM sqlite_master", &objects);
	if (read) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(xs.db, kOurTablesCheck, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
			triggers = sqlite3_column_int64(st, 0);
			not_tables = sqlite3_column_int64(st, 1);
		} else {
			php_mm_export_warn(xs.path, "cannot be read (%s)", sqlite3_errmsg(xs.db));
			read = false;
		}
		sqlite3_finalize(st);
	}
	sqlite3_exec(xs.db, "COMMIT", NULL, NULL, NULL);
	if (!read) {
		return false;
	}
	if (app_id != PHP_MM_EXPORT_APPLICATION_ID && (app_id != 0 || objects != 0)) {
		php_mm_export_warn(xs.path, "is a SQLite database of another application; left untouched");
		return false;
	}
	if (triggers || not_tables) {
		php_mm_export_warn(xs.path, "has objects mm_observe never creates (%lld trigger(s), %lld of its tables replaced by views or indexes); left untouched",
			(long long) triggers, (long long) not_tables);
		return false;
	}
	if (version > PHP_MM_EXPORT_SCHEMA_VERSION) {
		php_mm_export_warn(xs.path, "was written by a newer mm_observe (schema version %lld; this build writes version %d); left untouched",
			(long long) version, PHP_MM_EXPORT_SCHEMA_VERSION);
		return false;
	}
	if (app_id == PHP_MM_EXPORT_APPLICATION_ID && version == PHP_MM_EXPORT_SCHEMA_VERSION) {
		return true;
	}
	/* Empty (create the schema) or an older version of ours (migrate it).
	 * Concurrent writers serialize on the IMMEDIATE lock and look again
	 * under it, so only the first one creates or migrates.  A new file
	 * gives pages freed by zend.mm_observe_max_db_size back to the file
	 * system (it must be set before the first table exists). */
	if (objects == 0) {
		sqlite3_exec(xs.db, "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL);
	}
	char pragmas[128];
	snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		PHP_MM_EXPORT_APPLICATION_ID, PHP_MM_EXPORT_SCHEMA_VERSION);
	if (!php_mm_export_exec("BEGIN IMMEDIATE", "cannot lock the database to create or upgrade its schema")) {
		return false;
	}
	bool ok = php_mm_export_pragma_int("PRAGMA user_version", &version);
	if (ok && version == 1) {
		ok = php_mm_export_exec(kMigrateV1, "cannot upgrade the schema from version 1");
	}
	if (ok && version >= 1 && version <= 2) {
		ok = php_mm_export_exec(kMigrateV2, "cannot upgrade the schema to version 3");
	}
	if (ok && version >= 1 && version <= 3) {
		ok = php_mm_export_exec(kMigrateV3, "cannot upgrade the schema to version 4");
	}
	if (ok && version >= 1 && version <= 4) {
		ok = php_mm_export_exec(kMigrateV4, "cannot upgrade the schema to version 5");
	}
	if (ok && version < PHP_MM_EXPORT_SCHEMA_VERSION) {
		ok = php_mm_export_exec(kSchema, "cannot create the schema")
			&& php_mm_export_exec(pragmas, "cannot create the schema");
	}
	if (!ok || !php_mm_export_exec("COMMIT", "cannot create the schema")) {
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	return true;
}

static uint64_t php_mm_export_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Creates the database file ourselves when it does not exist, mode 0600
 * and never through a symbolic link (SQLite would create it 0644); its
 * -wal and -shm files take the same mode. */
static bool php_mm_export_create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		close(fd);
		return true;
	}
	if (errno == EEXIST) {
		return true; /* created by a concurrent writer meanwhile: checked as any existing file */
	}
	php_mm_export_warn(path, "cannot be created (%s)", strerror(errno));
	return false;
}

/* Opens and adopts the database at `path` into xs.db (no run yet); later
 * writes wait at most `wait_ms` for another process's lock. */
static bool php_mm_export_open_db(const char *path, int wait_ms)
{
	struct stat st;

	php_mm_export_close();
	if (!php_mm_export_check_path(path) || !php_mm_export_create_private(path)) {
		return false;
	}
	xs.path = strdup(path);
	if (!xs.path) {
		return false;
	}
	int flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &xs.db, flags, NULL) != SQLITE_OK) {
		php_mm_export_warn(path, "cannot be opened (%s)", xs.db ? sqlite3_errmsg(xs.db) : "out of memory");
		php_mm_export_close();
		return false;
	}
	/* Views and triggers in a file are data, not code we run: no SQL
	 * function with side effects from the schema. */
	sqlite3_exec(xs.db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	/* Creating or upgrading the schema happens once per database and is
	 * worth a wait; nothing else is (invariant 5). */
	sqlite3_busy_timeout(xs.db, PHP_MM_EXPORT_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(xs.db, 0);
	if (!php_mm_export_adopt()) {
		php_mm_export_close();
		return false;
	}
	/* Many writers (FPM workers, run-tests -j) share one database: WAL lets
	 * readers run beside the one writer, and each flush is one short
	 * transaction.  Persistent in the file; a no-op once set. */
	sqlite3_busy_timeout(xs.db, wait_ms);
	sqlite3_exec(xs.db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	/* In WAL mode NORMAL never corrupts the database; a power cut may lose
	 * the last transactions, which the ring file keeps anyway.  FULL would
	 * fsync at every drain. */
	sqlite3_exec(xs.db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (stat(path, &st) == 0) {
		xs.dev = st.st_dev;
		xs.ino = st.st_ino;
	}
	xs.pid = getpid();
	return true;
}

/* Whether the database file we opened is still the one at its path: one
 * deleted (or replaced) mid-run would swallow the run into an unlinked
 * inode (xs.error says so). */
static bool php_mm_export_db_linked(void)
{
	struct stat st;

	if (stat(xs.path, &st) == 0 && st.st_dev == xs.dev && st.st_ino == xs.ino && st.st_nlink > 0) {
		return true;
	}
	snprintf(xs.error, sizeof(xs.error), "the database file was deleted or replaced during the run");
	return false;
}

/* A SQLite step on the drain path, a fault seam (zend_mm_observe_fault()). */
static int php_mm_export_step(sqlite3_stmt *st)
{
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_SQLITE)) {
		xs.faulted = true;
		return SQLITE_IOERR;
	}
	return sqlite3_step(st);
}

/* BEGIN / COMMIT on the drain path, the same seam. */
static bool php_mm_export_txn(const char *sql)
{
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_SQLITE)) {
		xs.faulted = true;
		return false;
	}
	return sqlite3_exec(xs.db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* A counter from a ring into SQLite's signed 64-bit INTEGER: an imported
 * ring may hold anything (invariant 6). */
static zend_always_inline sqlite3_int64 php_mm_export_u64(uint64_t v)
{
	return v > (uint64_t) INT64_MAX ? INT64_MAX : (sqlite3_int64) v;
}

/* src into dst[len], cut and always terminated (once per request in
 * worker mode: no formatting). */
static void php_mm_export_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
}

/* Inserts the row of the run a ring header describes (status 'running',
 * or as given), with its run_token; the new run_id, 0 on failure. */
static sqlite3_int64 php_mm_export_insert_run(const zend_mm_observe_ring_header *hdr, bool full_shutdown,
	const char *ring_path)
{
	const zend_mm_observe_run *run = &hdr->run;
	char started[40];
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id = 0;

	php_mm_export_iso8601(hdr->started_ns ? hdr->started_ns : run->started_ns, started, sizeof(started));
	if (sqlite3_prepare_v2(xs.db,
			"INSERT INTO mm_runs (pid, sapi, script, started_at, php_version, status, usage_start, zend_mm,"
			" run_tag, full_shutdown, request_method, request_uri, ring_token, ring_path)"
			" VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", -1, &st, NULL) != SQLITE_OK) {
		return 0;
	}
	sqlite3_bind_int64(st, 1, hdr->pid);
	sqlite3_bind_text(st, 2, hdr->sapi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, hdr->script, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, hdr->php_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, php_mm_export_u64(run->usage_start));
	sqlite3_bind_int(st, 7, run->zend_mm_heap ? 1 : 0);
	if (hdr->run_tag[0]) {
		sqlite3_bind_text(st, 8, hdr->run_tag, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 9, full_shutdown ? 1 : 0);
	if (hdr->method[0]) {
		sqlite3_bind_text(st, 10, hdr->method, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 11, hdr->uri, -1, SQLITE_TRANSIENT);
	}
	if (hdr->run_token) {
		sqlite3_bind_int64(st, 12, (sqlite3_int64) hdr->run_token);
	}
	if (ring_path) {
		sqlite3_bind_text(st, 13, ring_path, -1, SQLITE_TRANSIENT);
	}
	if (php_mm_export_step(st) == SQLITE_DONE) {
		id = sqlite3_last_insert_rowid(xs.db);
	}
	sqlite3_finalize(st);
	return id;
}

/* `path` made absolute against the current directory, once, at request
 * start: a script's chdir() must not move its database or its ring
 * (malloc'd; NULL when out of memory or the directory is gone). */
static char *php_mm_export_absolute(const char *path)
{
	if (path[0] == '/') {
		return strdup(path);
	}
	char *cwd = getcwd(NULL, 0);
	if (!cwd) {
		return NULL;
	}
	size_t len = strlen(cwd) + 1 + strlen(path) + 1;
	char *abs = malloc(len);
	if (abs) {
		snprintf(abs, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, path);
	}
	free(cwd);
	return abs;
}

static void php_mm_export_import_orphans(void);
static zend_result php_mm_export_open_worker(const char *given, const php_mm_export_run_meta *meta);

/* The header fields of the run about to start (its token is set by the caller). */
static void php_mm_export_describe_run(zend_mm_observe_ring_header *hdr, const char *path, const php_mm_export_run_meta *meta)
{
	hdr->run_id = 0;
	if (strcmp(hdr->database, path) != 0) {
		php_mm_export_copy(hdr->database, sizeof(hdr->database), path);
	}
	php_mm_export_copy(hdr->script, sizeof(hdr->script), meta->script);
	php_mm_export_copy(hdr->sapi, sizeof(hdr->sapi), meta->sapi);
	php_mm_export_copy(hdr->php_version, sizeof(hdr->php_version), meta->php_version);
	php_mm_export_copy(hdr->run_tag, sizeof(hdr->run_tag), meta->run_tag);
	php_mm_export_copy(hdr->method, sizeof(hdr->method), meta->method);
	php_mm_export_copy(hdr->uri, sizeof(hdr->uri), meta->uri);
	hdr->pid = (int32_t) zend_mm_observe_getpid();
}

/* Makes the ring file <path>.<pid>.mmring (invariant 2); false when the
 * run goes on in memory (said once). */
static bool php_mm_export_make_ring(const char *path)
{
	char ring[MAXPATHLEN], err[256];

	if (snprintf(ring, sizeof(ring), "%s.%ld" ZEND_MM_OBSERVE_RING_SUFFIX, path, (long) getpid()) >= (int) sizeof(ring)) {
		php_mm_export_warn(path, "the ring file's name would be too long; recording in memory (not crash-safe)");
		return false;
	}
	if (zend_mm_observe_ring_attach(ring, err, sizeof(err)) == FAILURE) {
		php_mm_export_warn(path, "ring file '%s' %s; recording in memory (not crash-safe)", ring, err);
		return false;
	}
	return true;
}

zend_result php_mm_export_open(const char *given, const php_mm_export_run_meta *meta)
{
	if (xw.cfg.worker) {
		zend_result r = php_mm_export_open_worker(given, meta);
		php_mm_export_log_flush();
		return r;
	}
	char *path = *given ? php_mm_export_absolute(given) : strdup(given);
	if (!path) {
		php_mm_export_warn(given, "cannot be resolved against the current directory (%s)", strerror(errno));
		return FAILURE;
	}
	bool opened = php_mm_export_open_db(path, PHP_MM_EXPORT_REQUEST_WAIT_MS);
	if (!opened) {
		free(path);
		return FAILURE;
	}
	/* Once per process and database: a worker serving thousands of
	 * requests looks at its directory on its first request only. */
	static char *scanned;
	if (!scanned || strcmp(scanned, path) != 0) {
		free(scanned);
		scanned = strdup(path);
		php_mm_export_import_orphans();
	}
	xs.max_runs = meta->max_runs;
	xs.full_shutdown = meta->full_shutdown;

	/* Invariant 2: the ring first, with a token only this process knows. */
	zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
	uint64_t token = 0;
	while (!token) {
		if (php_random_bytes_silent(&token, sizeof(token)) == FAILURE) {
			token = (uint64_t) php_mm_export_now_ns() ^ ((uint64_t) getpid() << 32) ^ (uint64_t) (uintptr_t) &token;
		}
	}
	hdr->run_token = token;
	php_mm_export_describe_run(hdr, path, meta);
	php_mm_export_make_ring(path);
	free(path);
	xs.detail = "all";

	/* Then the row, if the lock is free right now; else the first drain
	 * that gets it inserts it (invariant 5). */
	xs.run_id = php_mm_export_insert_run(hdr, xs.full_shutdown, zend_mm_observe_ring_path());
	hdr->run_id = xs.run_id;
	return SUCCESS;
}

void php_mm_export_script_ended(bool fatal_error, int exit_status, int http_status)
{
	xs.script_ended = true;
	xs.fatal_error = fatal_error;
	xs.exit_status = exit_status;
	xs.http_status = http_status > 0 && http_status < 1000 ? (uint16_t) http_status : 0;
}

void php_mm_export_abort(void)
{
	php_mm_export_close();
}

/* ---- writing a run ------------------------------------------------------ */

/* Maps arena offsets (unique per string in one ring) to str_ids. */
typedef struct {
	uint32_t *keys;            /* offset + 1; 0 = empty slot */
	sqlite3_int64 *ids;
	uint32_t cap, used;
	sqlite3_stmt *insert, *select;
	sqlite3_int64 opcode_ids[256 + 1];
} php_mm_export_strmap;

/* The live request's map, kept across its flushes. */
static php_mm_export_strmap xs_strs;

static void php_mm_export_strmap_release(php_mm_export_strmap *m)
{
	sqlite3_finalize(m->insert);
	sqlite3_finalize(m->select);
	free(m->keys);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

static void php_mm_export_strmap_free(void)
{
	php_mm_export_strmap_release(&xs_strs);
}

static bool php_mm_export_strmap_init(php_mm_export_strmap *m)
{
	if (m->keys) {
		return true;
	}
	m->cap = 1024;
	m->used = 0;
	m->keys = calloc(m->cap, sizeof(*m->keys));
	m->ids = calloc(m->cap, sizeof(*m->ids));
	for (size_t i = 0; i < sizeof(m->opcode_ids) / sizeof(m->opcode_ids[0]); i++) {
		m->opcode_ids[i] = -1;
	}
	if (!m->keys || !m->ids
			|| sqlite3_prepare_v2(xs.db, "INSERT OR IGNORE INTO mm_strings (str) VALUES (?1)", -1, &m->insert, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "SELECT str_id FROM mm_strings WHERE str = ?1", -1, &m->select, NULL) != SQLITE_OK) {
		php_mm_export_strmap_release(m);
		return false;
	}
	return true;
}

static sqlite3_int64 php_mm_export_intern_text(php_mm_export_strmap *m, const char *text)
{
	sqlite3_int64 id = -1;

	sqlite3_bind_text(m->insert, 1, text, -1, SQLITE_STATIC);
	if (php_mm_export_step(m->insert) != SQLITE_DONE) {
		sqlite3_reset(m->insert);
		return -1;
	}
	sqlite3_reset(m->insert);
	sqlite3_bind_text(m->select, 1, text, -1, SQLITE_STATIC);
	if (php_mm_export_step(m->select) == SQLITE_ROW) {
		id = sqlite3_column_int64(m->select, 0);
	}
	sqlite3_reset(m->select);
	return id;
}

/* Doubles the map when half full. */
static bool php_mm_export_strmap_grow(php_mm_export_strmap *m)
{
	uint32_t cap = m->cap * 2;
	uint32_t *keys = calloc(cap, sizeof(*keys));
	sqlite3_int64 *ids = calloc(cap, sizeof(*ids));
	if (!keys || !ids) {
		free(keys);
		free(ids);
		return false;
	}
	for (uint32_t i = 0; i < m->cap; i++) {
		if (m->keys[i]) {
			uint32_t j = ((m->keys[i] - 1) * 2654435761u) & (cap - 1);
			while (keys[j]) {
				j = (j + 1) & (cap - 1);
			}
			keys[j] = m->keys[i];
			ids[j] = m->ids[i];
		}
	}
	free(m->keys);
	free(m->ids);
	m->keys = keys;
	m->ids = ids;
	m->cap = cap;
	return true;
}

static sqlite3_int64 php_mm_export_intern(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, uint32_t offset)
{
	if (m->used * 2 >= m->cap && !php_mm_export_strmap_grow(m)) {
		return -1;
	}
	uint32_t i = (offset * 2654435761u) & (m->cap - 1);
	while (m->keys[i]) {
		if (m->keys[i] == offset + 1) {
			return m->ids[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	sqlite3_int64 id = php_mm_export_intern_text(m, zend_mm_observe_ring_str(v, offset));
	if (id >= 0) {
		m->keys[i] = offset + 1;
		m->ids[i] = id;
		m->used++;
	}
	return id;
}

/* Binds v[0..n) to parameters first..first+n-1. */
static void php_mm_export_bind_int64s(sqlite3_stmt *st, int first, const sqlite3_int64 *v, int n)
{
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(st, first + i, v[i]);
	}
}

static const char *php_mm_export_kind(uint8_t kind)
{
	switch (kind) {
		case ZEND_MM_OBSERVE_KIND_COMPILE: return "compile";
		case ZEND_MM_OBSERVE_KIND_PSEUDO: return "pseudo";
		default: return "vm";
	}
}

/* The str_id of a site's opcode name ("CONCAT", "COMPILE"); 0 for pseudo
 * sites, -1 on failure. */
static sqlite3_int64 php_mm_export_opcode_id(php_mm_export_strmap *m, const zend_mm_observe_site *s)
{
	if (s->kind == ZEND_MM_OBSERVE_KIND_PSEUDO) {
		return 0;
	}
	size_t slot = s->kind == ZEND_MM_OBSERVE_KIND_COMPILE ? 256 : s->opcode;
	if (m->opcode_ids[slot] < 0) {
		const char *name = slot == 256 ? "COMPILE" : zend_get_opcode_name(s->opcode);
		if (!name) {
			name = "UNKNOWN";
		} else if (strncmp(name, "ZEND_", sizeof("ZEND_") - 1) == 0) {
			name += sizeof("ZEND_") - 1; /* "ZEND_CONCAT" -> "CONCAT" */
		}
		m->opcode_ids[slot] = php_mm_export_intern_text(m, name);
	}
	return m->opcode_ids[slot];
}

/* The str_ids naming a site (callee and opcode 0 when it has none). */
static bool php_mm_export_site_ids(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, const zend_mm_observe_site *s,
	sqlite3_int64 *file, sqlite3_int64 *func, sqlite3_int64 *callee, sqlite3_int64 *opcode)
{
	*file = php_mm_export_intern(m, v, s->file_str);
	*func = php_mm_export_intern(m, v, s->function_str);
	*callee = s->callee_str ? php_mm_export_intern(m, v, s->callee_str) : 0;
	*opcode = php_mm_export_opcode_id(m, s);
	return *file >= 0 && *func >= 0 && *callee >= 0 && *opcode >= 0;
}

/* A rolled-back transaction may have taken strings with it: forget every
 * id the map learnt. */
static void php_mm_export_strmap_forget(php_mm_export_strmap *m)
{
	if (m->keys) {
		memset(m->keys, 0, sizeof(*m->keys) * m->cap);
	}
	m->used = 0;
	for (size_t i = 0; i < sizeof(m->opcode_ids) / sizeof(m->opcode_ids[0]); i++) {
		m->opcode_ids[i] = -1;
	}
}

/* Every site with something to show, as of now (INSERT OR REPLACE: a flush
 * rewrites what the previous one wrote). */
static bool php_mm_export_write_sites(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v)
{
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (sqlite3_prepare_v2(xs.db,
			"INSERT OR REPLACE INTO mm_site_counters (run_id, site_id, kind, file_id, line, function_id, opcode_id, callee_id,"
			" flags, alloc_count, alloc_bytes, free_count, free_bytes, realloc_count,"
			" live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes,"
			" gc_alloc_count, gc_alloc_bytes, gc_free_count, gc_free_bytes)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
			" ?20, ?21, ?22, ?23)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 1; ok && i < v->site_count; i++) {
		const zend_mm_observe_site *s = &v->sites[i];
		if (!s->alloc_count && !s->free_count && !s->alloc_bytes) {
			continue; /* a pseudo site nothing happened at */
		}
		sqlite3_int64 file, func, callee, opcode;
		if (!php_mm_export_site_ids(m, v, s, &file, &func, &callee, &opcode)) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, xs.run_id);
		sqlite3_bind_int64(st, 2, i);
		sqlite3_bind_text(st, 3, php_mm_export_kind(s->kind), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, file);
		sqlite3_bind_int64(st, 5, s->line);
		sqlite3_bind_int64(st, 6, func);
		if (s->kind == ZEND_MM_OBSERVE_KIND_PSEUDO) {
			sqlite3_bind_null(st, 7);
		} else {
			sqlite3_bind_int64(st, 7, opcode);
		}
		if (s->callee_str) {
			sqlite3_bind_int64(st, 8, callee);
		} else {
			sqlite3_bind_null(st, 8);
		}
		sqlite3_bind_int(st, 9, s->flags);
		const sqlite3_int64 counters[] = {
			php_mm_export_u64(s->alloc_count), php_mm_export_u64(s->alloc_bytes),
			php_mm_export_u64(s->free_count), php_mm_export_u64(s->free_bytes), php_mm_export_u64(s->realloc_count),
			s->live_count, s->live_bytes, s->peak_live_bytes, s->end_live_count, s->end_live_bytes,
			php_mm_export_u64(s->gc_alloc_count), php_mm_export_u64(s->gc_alloc_bytes),
			php_mm_export_u64(s->gc_free_count), php_mm_export_u64(s->gc_free_bytes),
		};
		php_mm_export_bind_int64s(st, 10, counters, (int) (sizeof(counters) / sizeof(counters[0])));
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* The per-site counters at snapshot `id` (the live table, right now). */
static bool php_mm_export_write_snapshot_counters(const zend_mm_observe_ring_view *v, uint64_t id)
{
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (sqlite3_prepare_v2(xs.db,
			"INSERT OR IGNORE INTO mm_snapshot_counters (run_id, snapshot_id, site_id, alloc_count, alloc_bytes,"
			" free_count, free_bytes, live_count, live_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 1; ok && i < v->site_count; i++) {
		const zend_mm_observe_site *s = &v->sites[i];
		if (!s->alloc_count && !s->live_count) {
			continue;
		}
		const sqlite3_int64 row[] = {
			xs.run_id, php_mm_export_u64(id), i, php_mm_export_u64(s->alloc_count), php_mm_export_u64(s->alloc_bytes),
			php_mm_export_u64(s->free_count), php_mm_export_u64(s->free_bytes), s->live_count, s->live_bytes,
		};
		php_mm_export_bind_int64s(st, 1, row, (int) (sizeof(row) / sizeof(row[0])));
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

static const char *php_mm_export_trigger(uint8_t trigger)
{
	switch (trigger) {
		case ZEND_GC_OBSERVE_TRIGGER_THRESHOLD: return "threshold";
		case ZEND_GC_OBSERVE_TRIGGER_EXPLICIT: return "explicit";
		case ZEND_GC_OBSERVE_TRIGGER_SHUTDOWN: return "shutdown";
		default: return "other";
	}
}

static const char *php_mm_export_flush_reason(uint32_t reason)
{
	switch (reason) {
		case ZEND_MM_OBSERVE_FLUSH_EXPLICIT: return "explicit";
		case ZEND_MM_OBSERVE_FLUSH_HIGH_WATER: return "high_water";
		case ZEND_MM_OBSERVE_FLUSH_SNAPSHOT: return "snapshot";
		default: return "end";
	}
}

/* What draining the ring found, for the run row; and how to drain it. */
typedef struct {
	uint64_t events;         /* records written */
	uint64_t last_ns;        /* latest timestamp seen in a record (from the request start) */
	uint64_t peak;           /* highest peak seen in a sample */
	bool torn;
	uint64_t requests;       /* REQUEST records written */
	/* Records before this position that are not REQUEST records belong to
	 * no run any more (a worker request whose detail could not be
	 * written): skipped.  0 in script mode: every record is the run's. */
	uint64_t own_from;
	php_mm_agg *fold;        /* importer: REQUEST records also fold in here */
} php_mm_export_drain;

typedef struct {
	sqlite3_stmt *gc, *sample, *snapshot, *flush, *req_update, *req_insert;
} php_mm_export_event_stmts;

static const char *const php_mm_export_statuses[] = { "ok", "error", "oom" };
static const char *const php_mm_export_details[] = { NULL, "all", "oom", "error", "peak", "slow", "sampled", "flushed" };

/* A worker's finished request (EVENT_REQUEST): its summary row, unless it
 * has one already (its detail was written: the row carries its token). */
static bool php_mm_export_write_request(php_mm_export_event_stmts *q, const zend_mm_observe_ring_view *v,
	const zend_mm_observe_request_event *e, const char *strs, php_mm_export_drain *d)
{
	const zend_mm_observe_ring_header *hdr = v->hdr;
	const char *method = strs, *uri = strs + e->method_len, *script = uri + e->uri_len;
	const char *status = php_mm_export_statuses[e->status <= ZEND_MM_OBSERVE_STATUS_OOM ? e->status : 1];
	const char *detail = e->detail <= ZEND_MM_OBSERVE_DETAIL_LAST ? php_mm_export_details[e->detail] : NULL;
	const sqlite3_int64 figures[] = {
		php_mm_export_u64(e->duration_ns), e->http_status, php_mm_export_u64(e->alloc_count),
		php_mm_export_u64(e->alloc_bytes), e->end_live_bytes, php_mm_export_u64(e->gc_passes),
		php_mm_export_u64(e->gc_ns), php_mm_export_u64(e->seq),
	};

	if (d->fold) {
		php_mm_agg_request(d->fold, php_mm_agg_window(e->started_ns, (uint32_t) xw.cfg.window), e,
			method, e->method_len, uri, e->uri_len);
	}
	d->requests++;
	if (detail && e->token) {
		php_mm_export_bind_int64s(q->req_update, 1, figures, 8);
		sqlite3_bind_text(q->req_update, 9, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(q->req_update, 10, (sqlite3_int64) e->token);
		sqlite3_bind_int64(q->req_update, 11, hdr->pid);
		bool ok = php_mm_export_step(q->req_update) == SQLITE_DONE;
		sqlite3_reset(q->req_update);
		if (!ok) {
			return false;
		}
		if (sqlite3_changes(xs.db) > 0) {
			return true;
		}
		detail = NULL; /* its detail never reached the database */
	}
	char started[40], ended[40];
	php_mm_export_iso8601(e->started_ns, started, sizeof(started));
	php_mm_export_iso8601(e->started_ns + e->duration_ns, ended, sizeof(ended));
	sqlite3_stmt *st = q->req_insert;
	php_mm_export_bind_int64s(st, 1, figures, 8);
	sqlite3_bind_int64(st, 9, hdr->pid);
	sqlite3_bind_text(st, 10, hdr->sapi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, script, e->script_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, ended, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, hdr->php_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 15, status, -1, SQLITE_STATIC);
	const sqlite3_int64 usage[] = {
		php_mm_export_u64(e->peak_usage), php_mm_export_u64(e->usage_start), php_mm_export_u64(e->usage_end),
		e->exit_status, php_mm_export_u64(e->site_count), e->zend_mm ? 1 : 0, e->script_ended ? 1 : 0,
	};
	php_mm_export_bind_int64s(st, 16, usage, 7);
	if (hdr->run_tag[0]) {
		sqlite3_bind_text(st, 23, hdr->run_tag, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 23);
	}
	if (e->method_len) {
		sqlite3_bind_text(st, 24, method, e->method_len, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 25, uri, e->uri_len, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 24);
		sqlite3_bind_null(st, 25);
	}
	if (detail) {
		sqlite3_bind_text(st, 26, detail, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 26);
	}
	bool ok = php_mm_export_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

static bool php_mm_export_write_gc(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	sqlite3_stmt *st, const zend_gc_observe_pass *p)
{
	const zend_mm_observe_site *s = p->site && p->site < v->site_count ? &v->sites[p->site] : NULL;
	sqlite3_int64 file = php_mm_export_intern(m, v, s ? s->file_str : 0);
	sqlite3_int64 func = php_mm_export_intern(m, v, s ? s->function_str : 0);
	if (file < 0 || func < 0) {
		return false;
	}
	sqlite3_bind_int64(st, 1, xs.run_id);
	sqlite3_bind_int64(st, 2, php_mm_export_u64(p->seq));
	sqlite3_bind_int64(st, 3, php_mm_export_u64(p->call));
	sqlite3_bind_int(st, 4, p->rerun);
	sqlite3_bind_int(st, 5, p->aborted);
	sqlite3_bind_text(st, 6, php_mm_export_trigger(p->trigger), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, file);
	sqlite3_bind_int64(st, 8, s ? s->line : 0);
	sqlite3_bind_int64(st, 9, func);
	const sqlite3_int64 figures[] = {
		php_mm_export_u64(p->roots), php_mm_export_u64(p->collected), php_mm_export_u64(p->buffer_size),
		php_mm_export_u64(p->threshold_before), php_mm_export_u64(p->threshold_after),
		php_mm_export_u64(p->mem_before), php_mm_export_u64(p->mem_after), php_mm_export_u64(p->started_ns),
		php_mm_export_u64(p->mark_ns), php_mm_export_u64(p->scan_ns), php_mm_export_u64(p->collect_ns),
		php_mm_export_u64(p->destructor_ns), php_mm_export_u64(p->free_ns), php_mm_export_u64(p->compact_ns),
		php_mm_export_u64(p->total_ns),
	};
	php_mm_export_bind_int64s(st, 10, figures, (int) (sizeof(figures) / sizeof(figures[0])));
	bool ok = php_mm_export_step(st) == SQLITE_DONE;
	sqlite3_reset(st);
	return ok;
}

/* Writes the records in [tail, head) of the ring; *end is where it
 * stopped.  `snapshot_now`: the id of a snapshot taken right now, whose
 * counters are the live table's (0: none). */
static bool php_mm_export_write_events(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	uint64_t snapshot_now, uint64_t *end, php_mm_export_drain *d)
{
	php_mm_export_event_stmts q = {0};
	uint64_t pos = __atomic_load_n(&v->hdr->tail, __ATOMIC_ACQUIRE);
	uint64_t head = __atomic_load_n(&v->hdr->head, __ATOMIC_ACQUIRE);
	const zend_mm_observe_event *ev;
	bool ok = true;

	if (sqlite3_prepare_v2(xs.db,
			"INSERT OR IGNORE INTO mm_gc_passes (run_id, seq, call, rerun, aborted, trigger, file_id, line, function_id,"
			" roots, collected, buffer_size, threshold_before, threshold_after, mem_before, mem_after, started_ns,"
			" mark_ns, scan_ns, collect_ns, destructor_ns, free_ns, compact_ns, total_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
			" ?18, ?19, ?20, ?21, ?22, ?23, ?24)", -1, &q.gc, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT OR IGNORE INTO mm_samples (run_id, seq, t_ns, usage, peak, allocated, site_id)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &q.sample, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT OR IGNORE INTO mm_snapshots (run_id, snapshot_id, label, t_ns, usage, site_id)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &q.snapshot, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT OR IGNORE INTO mm_flushes (run_id, seq, reason, t_ns, duration_ns, events)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1, &q.flush, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "UPDATE mm_runs SET duration_ns = ?1, http_status = NULLIF(?2, 0), alloc_count = ?3,"
				" alloc_bytes = ?4, end_live_bytes = ?5, gc_passes = ?6, gc_ns = ?7, request_seq = ?8, detail = ?9"
				" WHERE ring_token = ?10 AND pid = ?11", -1, &q.req_update, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT INTO mm_runs (duration_ns, http_status, alloc_count, alloc_bytes, end_live_bytes,"
				" gc_passes, gc_ns, request_seq, pid, sapi, script, started_at, ended_at, php_version, status,"
				" peak_usage, usage_start, usage_end, exit_status, site_count, zend_mm, script_ended,"
				" run_tag, request_method, request_uri, detail, full_shutdown)"
				" VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
				" ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, 0)", -1, &q.req_insert, NULL) != SQLITE_OK) {
		ok = false;
	}
	while (ok && (ev = zend_mm_observe_ring_next(v, &pos, head, &d->torn)) != NULL) {
		const void *payload = ev + 1;
		size_t len = ev->size - sizeof(*ev);
		if (ev->type == ZEND_MM_OBSERVE_EVENT_REQUEST) {
			zend_mm_observe_request_event e;
			if (len >= sizeof(e)) {
				memcpy(&e, payload, sizeof(e));
				if ((size_t) e.method_len + e.uri_len + e.script_len <= len - sizeof(e)) {
					ok = php_mm_export_write_request(&q, v, &e, (const char *) payload + sizeof(e), d);
				}
			}
			d->events++;
			continue;
		}
		if (pos - ev->size < d->own_from || !xs.run_id) {
			/* A record of a request whose detail was not written. */
			continue;
		}
		switch (ev->type) {
			case ZEND_MM_OBSERVE_EVENT_GC_PASS: {
				zend_gc_observe_pass p;
				if (len < sizeof(p)) {
					break;
				}
				memcpy(&p, payload, sizeof(p));
				ok = php_mm_export_write_gc(m, v, q.gc, &p);
				d->last_ns = MAX(d->last_ns, p.started_ns + p.total_ns);
				break;
			}
			case ZEND_MM_OBSERVE_EVENT_SAMPLE: {
				zend_mm_observe_sample p;
				if (len < sizeof(p)) {
					break;
				}
				memcpy(&p, payload, sizeof(p));
				const sqlite3_int64 row[] = { xs.run_id, php_mm_export_u64(p.seq), php_mm_export_u64(p.t_ns),
					php_mm_export_u64(p.usage), php_mm_export_u64(p.peak), php_mm_export_u64(p.allocated), p.site };
				php_mm_export_bind_int64s(q.sample, 1, row, 7);
				ok = php_mm_export_step(q.sample) == SQLITE_DONE;
				sqlite3_reset(q.sample);
				d->last_ns = MAX(d->last_ns, p.t_ns);
				d->peak = MAX(d->peak, p.peak);
				break;
			}
			case ZEND_MM_OBSERVE_EVENT_SNAPSHOT: {
				zend_mm_observe_snapshot_event p;
				if (len < sizeof(p)) {
					break;
				}
				memcpy(&p, payload, sizeof(p));
				uint32_t label_len = (uint32_t) MIN((size_t) p.label_len, len - sizeof(p));
				sqlite3_bind_int64(q.snapshot, 1, xs.run_id);
				sqlite3_bind_int64(q.snapshot, 2, php_mm_export_u64(p.id));
				sqlite3_bind_text(q.snapshot, 3, (const char *) payload + sizeof(p), (int) label_len, SQLITE_TRANSIENT);
				sqlite3_bind_int64(q.snapshot, 4, php_mm_export_u64(p.t_ns));
				sqlite3_bind_int64(q.snapshot, 5, php_mm_export_u64(p.usage));
				sqlite3_bind_int64(q.snapshot, 6, p.site);
				ok = php_mm_export_step(q.snapshot) == SQLITE_DONE;
				sqlite3_reset(q.snapshot);
				if (ok && p.id == snapshot_now) {
					ok = php_mm_export_write_snapshot_counters(v, p.id);
				}
				d->last_ns = MAX(d->last_ns, p.t_ns);
				break;
			}
			case ZEND_MM_OBSERVE_EVENT_FLUSH: {
				zend_mm_observe_flush_event p;
				if (len < sizeof(p)) {
					break;
				}
				memcpy(&p, payload, sizeof(p));
				sqlite3_bind_int64(q.flush, 1, xs.run_id);
				sqlite3_bind_int64(q.flush, 2, php_mm_export_u64(p.seq));
				sqlite3_bind_text(q.flush, 3, php_mm_export_flush_reason(p.reason), -1, SQLITE_STATIC);
				sqlite3_bind_int64(q.flush, 4, php_mm_export_u64(p.t_ns));
				sqlite3_bind_int64(q.flush, 5, php_mm_export_u64(p.duration_ns));
				sqlite3_bind_int64(q.flush, 6, php_mm_export_u64(p.events));
				ok = php_mm_export_step(q.flush) == SQLITE_DONE;
				sqlite3_reset(q.flush);
				break;
			}
			default:
				/* EVENT_OOM: the run summary in the header holds it. */
				break;
		}
		d->events++;
	}
	*end = pos;
	sqlite3_finalize(q.gc);
	sqlite3_finalize(q.sample);
	sqlite3_finalize(q.snapshot);
	sqlite3_finalize(q.flush);
	sqlite3_finalize(q.req_update);
	sqlite3_finalize(q.req_insert);
	return ok;
}

/* Adds the aggregates of the requests being drained to the database's
 * (invariant 7).  Sites are named through the live ring `v` (a worker's
 * table never loses a site); an importer's aggregates have none. */
static bool php_mm_export_write_agg(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, const php_mm_agg *a)
{
	sqlite3_stmt *ep = NULL, *pk = NULL, *st = NULL;
	bool ok = true;

	if (!a->endpoint_count) {
		return true;
	}
	if (sqlite3_prepare_v2(xs.db, "INSERT INTO mm_endpoint_windows (window_start, method, uri, requests, errors, ooms, detailed,"
			" duration_ns, duration_max_ns, alloc_count, alloc_bytes, peak_sum, peak_max, end_live_bytes, gc_passes, gc_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
			" ON CONFLICT (window_start, method, uri) DO UPDATE SET requests = requests + excluded.requests,"
			" errors = errors + excluded.errors, ooms = ooms + excluded.ooms, detailed = detailed + excluded.detailed,"
			" duration_ns = duration_ns + excluded.duration_ns, duration_max_ns = MAX(duration_max_ns, excluded.duration_max_ns),"
			" alloc_count = alloc_count + excluded.alloc_count, alloc_bytes = alloc_bytes + excluded.alloc_bytes,"
			" peak_sum = peak_sum + excluded.peak_sum, peak_max = MAX(peak_max, excluded.peak_max),"
			" end_live_bytes = end_live_bytes + excluded.end_live_bytes, gc_passes = gc_passes + excluded.gc_passes,"
			" gc_ns = gc_ns + excluded.gc_ns", -1, &ep, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT INTO mm_endpoint_peaks (window_start, method, uri, bucket, requests)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (window_start, method, uri, bucket)"
			" DO UPDATE SET requests = requests + excluded.requests", -1, &pk, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "INSERT INTO mm_endpoint_site_counters (window_start, method, uri, kind, file_id, line,"
			" function_id, opcode_id, callee_id, requests, alloc_count, alloc_bytes, realloc_count, leak_count, leak_bytes,"
			" peak_live_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
			" ON CONFLICT (window_start, method, uri, kind, file_id, line, function_id, opcode_id, callee_id)"
			" DO UPDATE SET requests = requests + excluded.requests, alloc_count = alloc_count + excluded.alloc_count,"
			" alloc_bytes = alloc_bytes + excluded.alloc_bytes, realloc_count = realloc_count + excluded.realloc_count,"
			" leak_count = leak_count + excluded.leak_count, leak_bytes = leak_bytes + excluded.leak_bytes,"
			" peak_live_bytes = peak_live_bytes + excluded.peak_live_bytes", -1, &st, NULL) != SQLITE_OK) {
		ok = false;
	}
	for (uint32_t i = 0; ok && i < a->endpoint_count; i++) {
		const php_mm_agg_endpoint *e = &a->endpoints[i];
		sqlite3_bind_int64(ep, 1, e->window);
		sqlite3_bind_text(ep, 2, e->method, -1, SQLITE_STATIC);
		sqlite3_bind_text(ep, 3, e->uri, -1, SQLITE_STATIC);
		const sqlite3_int64 f[] = {
			php_mm_export_u64(e->requests), php_mm_export_u64(e->errors), php_mm_export_u64(e->ooms),
			php_mm_export_u64(e->detailed), php_mm_export_u64(e->duration_ns), php_mm_export_u64(e->duration_max_ns),
			php_mm_export_u64(e->alloc_count), php_mm_export_u64(e->alloc_bytes), php_mm_export_u64(e->peak_sum),
			php_mm_export_u64(e->peak_max), e->end_live_bytes, php_mm_export_u64(e->gc_passes), php_mm_export_u64(e->gc_ns),
		};
		php_mm_export_bind_int64s(ep, 4, f, 13);
		ok = php_mm_export_step(ep) == SQLITE_DONE;
		sqlite3_reset(ep);
		for (uint32_t b = 0; ok && b < PHP_MM_AGG_PEAK_BUCKETS; b++) {
			if (!e->peaks[b]) {
				continue;
			}
			sqlite3_bind_int64(pk, 1, e->window);
			sqlite3_bind_text(pk, 2, e->method, -1, SQLITE_STATIC);
			sqlite3_bind_text(pk, 3, e->uri, -1, SQLITE_STATIC);
			sqlite3_bind_int(pk, 4, (int) b);
			sqlite3_bind_int64(pk, 5, e->peaks[b]);
			ok = php_mm_export_step(pk) == SQLITE_DONE;
			sqlite3_reset(pk);
		}
	}
	for (uint32_t i = 0; ok && a->site_used && i < a->site_cap; i++) {
		const php_mm_agg_site *t = &a->sites[i];
		if (!t->endpoint || !v || t->site >= v->site_count) {
			continue;
		}
		const php_mm_agg_endpoint *e = &a->endpoints[t->endpoint - 1];
		const zend_mm_observe_site *s = &v->sites[t->site];
		sqlite3_int64 file, func, callee, opcode;
		if (!php_mm_export_site_ids(m, v, s, &file, &func, &callee, &opcode)) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, e->window);
		sqlite3_bind_text(st, 2, e->method, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->uri, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, php_mm_export_kind(s->kind), -1, SQLITE_STATIC);
		const sqlite3_int64 f[] = {
			file, s->line, func, opcode, callee, php_mm_export_u64(t->requests),
			php_mm_export_u64(t->alloc_count), php_mm_export_u64(t->alloc_bytes), php_mm_export_u64(t->realloc_count),
			t->leak_count, t->leak_bytes, t->peak_live_bytes,
		};
		php_mm_export_bind_int64s(st, 5, f, 12);
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(ep);
	sqlite3_finalize(pk);
	sqlite3_finalize(st);
	return ok;
}

static bool php_mm_export_write_run(const zend_mm_observe_ring_view *v, const zend_mm_observe_run *run,
	const char *status, const php_mm_export_drain *d, bool imported)
{
	const zend_mm_observe_ring_header *hdr = v->hdr;
	sqlite3_stmt *st = NULL;
	char ended[40], now[40];
	bool ok;

	if (sqlite3_prepare_v2(xs.db,
			"UPDATE mm_runs SET ended_at = ?2, status = ?3, peak_usage = ?4, usage_start = ?5, usage_end = ?6,"
			" exit_status = ?7, site_count = ?8, sites_dropped = ?9, observer_bytes = ?10, zend_mm = ?11,"
			" peak_observed = ?12, blocks_untracked = ?13, script_ended = ?14, gc_idle_ns = ?15,"
			" ring_path = COALESCE(?16, ring_path), events_lost = ?17, events_torn = ?18, flushes = ?19, flush_ns = ?20, flush_max_ns = ?21,"
			" imported_at = COALESCE(?22, imported_at),"
			" detail = COALESCE(?23, detail), duration_ns = ?24, http_status = COALESCE(?25, http_status),"
			" alloc_count = ?26, alloc_bytes = ?27, end_live_bytes = ?28, gc_passes = ?29, gc_ns = ?30,"
			" request_seq = ?31"
			" WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, xs.run_id);
	if (run->ended_ns) {
		php_mm_export_iso8601(run->ended_ns, ended, sizeof(ended));
		sqlite3_bind_text(st, 2, ended, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_text(st, 3, status, -1, SQLITE_STATIC);
	if (run->peak_usage) {
		sqlite3_bind_int64(st, 4, php_mm_export_u64(run->peak_usage));
	}
	sqlite3_bind_int64(st, 5, php_mm_export_u64(run->usage_start));
	if (run->ended_ns) {
		sqlite3_bind_int64(st, 6, php_mm_export_u64(run->usage_end));
	}
	if (!strcmp(status, "ok") || !strcmp(status, "error") || !strcmp(status, "oom")) {
		sqlite3_bind_int(st, 7, xs.script_ended ? xs.exit_status : EG(exit_status));
	}
	sqlite3_bind_int64(st, 8, v->site_count);
	sqlite3_bind_int64(st, 9, php_mm_export_u64(run->sites_dropped));
	sqlite3_bind_int64(st, 10, php_mm_export_u64(run->observer_bytes));
	sqlite3_bind_int(st, 11, run->zend_mm_heap ? 1 : 0);
	sqlite3_bind_int64(st, 12, php_mm_export_u64(run->peak_observed));
	sqlite3_bind_int64(st, 13, php_mm_export_u64(run->blocks_untracked));
	sqlite3_bind_int(st, 14, run->script_ended ? 1 : 0);
	sqlite3_bind_int64(st, 15, php_mm_export_u64(run->gc_idle_ns));
	const char *ring = imported ? NULL : zend_mm_observe_ring_path();
	if (ring) {
		sqlite3_bind_text(st, 16, ring, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int64(st, 17, php_mm_export_u64(hdr->events_lost));
	sqlite3_bind_int64(st, 18, d->torn ? 1 : 0);
	sqlite3_bind_int64(st, 19, php_mm_export_u64(hdr->flushes));
	sqlite3_bind_int64(st, 20, php_mm_export_u64(hdr->flush_ns));
	sqlite3_bind_int64(st, 21, php_mm_export_u64(hdr->flush_ns_max));
	if (imported) {
		php_mm_export_iso8601(php_mm_export_now_ns(), now, sizeof(now));
		sqlite3_bind_text(st, 22, now, -1, SQLITE_TRANSIENT);
	}
	if (xs.detail) {
		sqlite3_bind_text(st, 23, xs.detail, -1, SQLITE_STATIC);
	}
	if (run->ended_ns >= run->started_ns && run->ended_ns) {
		sqlite3_bind_int64(st, 24, php_mm_export_u64(run->ended_ns - run->started_ns));
	}
	if (xs.http_status && !imported) {
		sqlite3_bind_int(st, 25, xs.http_status);
	}
	const sqlite3_int64 totals[] = {
		php_mm_export_u64(run->alloc_count), php_mm_export_u64(run->alloc_bytes), run->end_live_bytes,
		php_mm_export_u64(run->gc_passes), php_mm_export_u64(run->gc_ns), php_mm_export_u64(run->seq),
	};
	if (!imported) {
		/* (A dead process never summed them.) */
		php_mm_export_bind_int64s(st, 26, totals, 6);
	} else {
		sqlite3_bind_int64(st, 31, php_mm_export_u64(run->seq));
	}
	ok = php_mm_export_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	return ok;
}

static bool php_mm_export_write_oom(const zend_mm_observe_run *run)
{
	const zend_mm_observe_oom *oom = &run->oom;
	sqlite3_stmt *st = NULL;
	char at[40];
	bool ok;

	if (!oom->happened) {
		return true;
	}
	php_mm_export_iso8601(oom->at_ns, at, sizeof(at));
	if (sqlite3_prepare_v2(xs.db, "INSERT OR REPLACE INTO mm_oom_events (run_id, kind, site_id, requested, memory_limit, usage, at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, xs.run_id);
	sqlite3_bind_text(st, 2, oom->system ? "system" : "memory_limit", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, oom->site);
	sqlite3_bind_int64(st, 4, php_mm_export_u64(oom->requested));
	sqlite3_bind_int64(st, 5, php_mm_export_u64(oom->limit));
	sqlite3_bind_int64(st, 6, php_mm_export_u64(oom->usage));
	sqlite3_bind_text(st, 7, at, -1, SQLITE_TRANSIENT);
	ok = php_mm_export_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok || sqlite3_prepare_v2(xs.db, "INSERT OR REPLACE INTO mm_oom_top (run_id, rank, site_id, live_bytes, live_count)"
			" VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 0; ok && i < oom->top_count && i < ZEND_MM_OBSERVE_OOM_TOP; i++) {
		sqlite3_bind_int64(st, 1, xs.run_id);
		sqlite3_bind_int(st, 2, (int) i + 1);
		sqlite3_bind_int64(st, 3, oom->top[i].site);
		sqlite3_bind_int64(st, 4, oom->top[i].live_bytes);
		sqlite3_bind_int64(st, 5, oom->top[i].live_count);
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* Keeps at most zend.mm_observe_max_runs finished runs: the oldest go,
 * with every row that belongs to them.  Runs still recording stay. */
static void php_mm_export_retention(void)
{
	static const char *const tables[] = {
		"mm_site_counters", "mm_gc_passes", "mm_oom_events", "mm_oom_top", "mm_samples",
		"mm_snapshot_counters", "mm_snapshots", "mm_flushes", "mm_runs",
	};
	char sql[512];

	if (xs.max_runs <= 0) {
		return;
	}
	if (!php_mm_export_exec("BEGIN IMMEDIATE", "cannot apply zend.mm_observe_max_runs")) {
		return;
	}
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE IF NOT EXISTS mm_expired (run_id INTEGER PRIMARY KEY);"
		"DELETE FROM mm_expired;"
		"INSERT INTO mm_expired SELECT run_id FROM mm_runs WHERE status <> 'running'"
		" ORDER BY run_id DESC LIMIT -1 OFFSET " ZEND_LONG_FMT ";", xs.max_runs);
	bool ok = php_mm_export_exec(sql, "cannot apply zend.mm_observe_max_runs");
	for (size_t i = 0; ok && i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id IN (SELECT run_id FROM mm_expired)", tables[i]);
		ok = php_mm_export_exec(sql, "cannot apply zend.mm_observe_max_runs");
	}
	if (!ok || !php_mm_export_exec("COMMIT", "cannot apply zend.mm_observe_max_runs")) {
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
	}
}

/* SQLite's reason for the failed write, before the rollback replaces it;
 * a lock held past the wait says so.  Returns whether it was the lock. */
static bool php_mm_export_note_error(int wait_ms)
{
	int code = sqlite3_errcode(xs.db);
	bool busy = !xs.faulted && (code == SQLITE_BUSY || code == SQLITE_LOCKED);

	if (xs.faulted) {
		snprintf(xs.error, sizeof(xs.error), "injected fault (MM_OBSERVE_FAULT)");
	} else if (busy) {
		snprintf(xs.error, sizeof(xs.error), "%s: another writer held it for more than %d ms",
			sqlite3_errmsg(xs.db), wait_ms);
	} else if (xs.error[0] == '\0' || code != SQLITE_OK) {
		snprintf(xs.error, sizeof(xs.error), "%s", sqlite3_errmsg(xs.db));
	}
	xs.faulted = false;
	return busy;
}

/* One transaction: the run row if it is not in yet (invariant 2), the
 * ring's records since the last drain, every site, the run row (and at
 * the end its memory error).  The ring's tail moves only once it is
 * committed.  Fails when another process holds the lock for longer than
 * `wait_ms` (*busy is set then): the records stay in the ring. */
static bool php_mm_export_write(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	const zend_mm_observe_run *run, const char *status, uint64_t snapshot_now, int wait_ms, bool *busy,
	php_mm_export_drain *d)
{
	uint64_t end = 0;
	bool inserted = false;

	*busy = false;
	xs.error[0] = '\0';
	xs.faulted = false;
	if (!php_mm_export_db_linked()) {
		return false;
	}
	if (!php_mm_export_strmap_init(m)) {
		snprintf(xs.error, sizeof(xs.error), "out of memory");
		return false;
	}
	sqlite3_busy_timeout(xs.db, wait_ms);
	if (!php_mm_export_txn("BEGIN IMMEDIATE")) {
		*busy = php_mm_export_note_error(wait_ms);
		return false;
	}
	bool ok = true;
	if (!xs.run_id) {
		xs.run_id = php_mm_export_insert_run(v->hdr, xs.full_shutdown, zend_mm_observe_ring_path());
		inserted = ok = xs.run_id != 0;
	}
	d->own_from = v->hdr->request_head;
	ok = ok && php_mm_export_write_events(m, v, snapshot_now, &end, d)
		&& php_mm_export_write_agg(m, v, &xw.agg)
		&& php_mm_export_write_sites(m, v)
		&& (strcmp(status, "running") == 0 || php_mm_export_write_oom(run))
		&& php_mm_export_write_run(v, run, status, d, false)
		&& php_mm_export_txn("COMMIT");
	if (!ok) {
		*busy = php_mm_export_note_error(wait_ms);
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
		php_mm_export_strmap_forget(m);
		if (inserted) {
			xs.run_id = 0;
		}
		return false;
	}
	v->hdr->run_id = xs.run_id;
	__atomic_store_n(&v->hdr->tail, end, __ATOMIC_RELEASE);
	php_mm_agg_clear(&xw.agg);
	return true;
}

/* "PATH run N", for the memory error message (zend_mm_observe_describer_t). */
const char *php_mm_export_describe(void)
{
	static char where[4200];

	if (!xs.db || !xs.path) {
		return NULL;
	}
	/* xs.path is absolute (resolved at request start). */
	if (xs.run_id) {
		snprintf(where, sizeof(where), "%s run %lld", xs.path, (long long) xs.run_id);
	} else {
		snprintf(where, sizeof(where), "%s (run not yet written)", xs.path);
	}
	return where;
}

/* A forked child (pcntl_fork) inherits the parent's connection: SQLite
 * forbids using it across fork(), even to close it.  Forget it. */
static bool php_mm_export_forked(void)
{
	if (xs.db && UNEXPECTED(zend_mm_observe_getpid() != xs.pid)) {
		xs.db = NULL;
		memset(&xs_strs, 0, sizeof(xs_strs));
		free(xs.path);
		xs.path = NULL;
		return true;
	}
	return false;
}

bool php_mm_export_flush(int reason, uint64_t snapshot_now)
{
	php_mm_export_drain d = {0};
	zend_mm_observe_ring_view v;
	bool busy;

	zend_mm_observe_drain_wanted = false;
	if (!xs.db || php_mm_export_forked() || !zend_mm_observe_active) {
		return false;
	}
	zend_hrtime_t t0 = zend_hrtime();
	zend_mm_observe_ring_view_live(&v);
	zend_mm_observe_ring_header *hdr = v.hdr;
	/* The counters as of now; usage and peak for the row. */
	zend_mm_observe_run run = *zend_mm_observe_run_info();
	int wait = reason == ZEND_MM_OBSERVE_FLUSH_HIGH_WATER ? PHP_MM_EXPORT_REQUEST_WAIT_MS : PHP_MM_EXPORT_SHORT_WAIT_MS;
	bool ok = php_mm_export_write(&xs_strs, &v, &run, "running", snapshot_now, wait, &busy, &d);
	zend_hrtime_t t1 = zend_hrtime();
	if (!ok) {
		/* Another writer holds the lock: the records wait in the ring for
		 * the next drain, quietly (invariant 5).  Anything else is said
		 * once per request. */
		if ((!busy || wait) && !xs.gone_warned) {
			xs.gone_warned = true;
			if (xs.run_id) {
				php_mm_export_warn(xs.path, "cannot write run %lld (%s); its records stay in the ring",
					(long long) xs.run_id, xs.error);
			} else {
				php_mm_export_warn(xs.path, "cannot write the run (%s); its records stay in the ring", xs.error);
			}
		}
		return false;
	}
	zend_mm_observe_flush_event f = {0};
	f.seq = ++hdr->flushes;
	f.t_ns = php_mm_export_now_ns() - hdr->run.started_ns - (t1 - t0);
	f.duration_ns = t1 - t0;
	f.events = d.events;
	f.reason = (uint32_t) reason;
	hdr->flush_ns += f.duration_ns;
	hdr->flush_ns_max = MAX(hdr->flush_ns_max, f.duration_ns);
	hdr->updated_ns = php_mm_export_now_ns();
	zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_FLUSH, &f, sizeof(f), NULL, 0);
	return true;
}

/* ---- worker mode -------------------------------------------------------- */

void php_mm_export_configure(const php_mm_export_settings *settings)
{
	xw.cfg = *settings;
	if (xw.cfg.window <= 0) {
		xw.cfg.window = 300;
	}
}

static zend_result php_mm_export_open_worker(const char *given, const php_mm_export_run_meta *meta)
{
	zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
	char *path = *given ? php_mm_export_absolute(given) : strdup(given);

	if (!path) {
		php_mm_export_warn(given, "cannot be resolved against the current directory (%s)", strerror(errno));
		return FAILURE;
	}
	if (php_mm_export_forked()) {
		php_mm_agg_clear(&xw.agg);
	}
	if (!xs.db || strcmp(xs.path, path) != 0) {
		uint64_t now = php_mm_export_now_ns();
		if (now < xw.retry_ns) {
			/* Failed a moment ago (and said so): no syscalls per request. */
			free(path);
			return FAILURE;
		}
		if (xs.db) {
			/* Another database than the last request's: what the ring
			 * holds goes to the old one first. */
			php_mm_export_shutdown();
		}
		if (!php_mm_export_open_db(path, PHP_MM_EXPORT_REQUEST_WAIT_MS)) {
			xw.retry_ns = now + PHP_MM_EXPORT_RETRY_NS;
			free(path);
			return FAILURE;
		}
		xw.retry_ns = 0;
		xw.last_drain_ns = now;
		if (xw.cfg.max_db_size > 0) {
			/* The WAL counts against the budget too: checkpoint it at a
			 * quarter of the budget and truncate it back afterwards. */
			char sql[128];
			sqlite3_int64 wal = MIN(xw.cfg.max_db_size / 4, (sqlite3_int64) 64 * 1024 * 1024);
			snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld; PRAGMA wal_autocheckpoint = %lld",
				(long long) wal, (long long) MAX(wal / 4096, 16));
			sqlite3_exec(xs.db, sql, NULL, NULL, NULL);
		}
		if (!xw.scanned || strcmp(xw.scanned, path) != 0) {
			free(xw.scanned);
			xw.scanned = strdup(path);
			php_mm_export_import_orphans();
		}
		uint64_t base = 0;
		while (!base) {
			if (php_random_bytes_silent(&base, sizeof(base)) == FAILURE) {
				base = now ^ ((uint64_t) getpid() << 32);
			}
		}
		xw.token_base = base & ~(1ull << 63);
	}
	xs.max_runs = meta->max_runs;
	xs.full_shutdown = meta->full_shutdown;
	xs.run_id = 0;
	xs.script_ended = false;
	xs.fatal_error = false;
	xs.exit_status = 0;
	xs.http_status = 0;
	xs.gone_warned = false;
	xs.detail = NULL;
	hdr->run_token = xw.token_base + hdr->run.seq;
	php_mm_export_describe_run(hdr, path, meta);
	if (!zend_mm_observe_ring_is_file() && !xw.ring_failed) {
		xw.ring_failed = !php_mm_export_make_ring(path);
	}
	free(path);
	return SUCCESS;
}

/* Why this request keeps its per-site detail (ZEND_MM_OBSERVE_DETAIL_*). */
static uint8_t php_mm_export_detail_reason(const zend_mm_observe_run *run, uint8_t status, uint64_t duration_ns)
{
	if (xw.cfg.detail_all) {
		return ZEND_MM_OBSERVE_DETAIL_ALL;
	}
	if (xs.run_id) {
		return ZEND_MM_OBSERVE_DETAIL_FLUSHED;
	}
	if (status == ZEND_MM_OBSERVE_STATUS_OOM) {
		return ZEND_MM_OBSERVE_DETAIL_OOM;
	}
	if (status == ZEND_MM_OBSERVE_STATUS_ERROR) {
		return ZEND_MM_OBSERVE_DETAIL_ERROR;
	}
	if (xw.cfg.detail_peak > 0 && run->peak_usage >= (uint64_t) xw.cfg.detail_peak) {
		return ZEND_MM_OBSERVE_DETAIL_PEAK;
	}
	if (xw.cfg.detail_ms > 0 && duration_ns >= (uint64_t) xw.cfg.detail_ms * 1000000u) {
		return ZEND_MM_OBSERVE_DETAIL_SLOW;
	}
	if (xw.cfg.detail_every > 0 && (run->seq - 1) % (uint64_t) xw.cfg.detail_every == 0) {
		return ZEND_MM_OBSERVE_DETAIL_SAMPLED;
	}
	return ZEND_MM_OBSERVE_DETAIL_NONE;
}

/* One transaction: the REQUEST records in the ring (summary rows) and the
 * aggregates that cover them (invariant 7); the records of requests
 * whose detail was not written are dropped.  Fails quietly when another
 * process holds the lock for longer than `wait_ms`: all of it stays for
 * the next drain. */
static bool php_mm_export_drain_worker(int wait_ms)
{
	php_mm_export_drain d = {0};
	zend_mm_observe_ring_view v;
	uint64_t end = 0;

	if (!xs.db || !zend_mm_observe_ring_pending()) {
		return true;
	}
	xs.error[0] = '\0';
	xs.faulted = false;
	if (!php_mm_export_db_linked()) {
		php_mm_export_warn(xs.path, "cannot write request summaries (%s); they stay in the ring", xs.error);
		return false;
	}
	if (!php_mm_export_strmap_init(&xs_strs)) {
		return false;
	}
	zend_mm_observe_ring_view_live(&v);
	sqlite3_busy_timeout(xs.db, wait_ms);
	bool ok = php_mm_export_txn("BEGIN IMMEDIATE");
	if (ok) {
		/* Between requests nothing but REQUEST records is anybody's. */
		xs.run_id = 0;
		d.own_from = UINT64_MAX;
		ok = php_mm_export_write_events(&xs_strs, &v, 0, &end, &d)
			&& php_mm_export_write_agg(&xs_strs, &v, &xw.agg)
			&& php_mm_export_txn("COMMIT");
		if (!ok) {
			bool busy = php_mm_export_note_error(wait_ms);
			sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
			php_mm_export_strmap_forget(&xs_strs);
			if (!busy || wait_ms) {
				php_mm_export_warn(xs.path, "cannot write request summaries (%s); they stay in the ring", xs.error);
			}
			return false;
		}
	} else {
		if (!php_mm_export_note_error(wait_ms) || wait_ms) {
			php_mm_export_warn(xs.path, "cannot write request summaries (%s); they stay in the ring", xs.error);
		}
		return false;
	}
	__atomic_store_n(&v.hdr->tail, end, __ATOMIC_RELEASE);
	php_mm_agg_clear(&xw.agg);
	xw.last_drain_ns = php_mm_export_now_ns();
	xw.writes++;
	return true;
}

/* zend.mm_observe_max_db_size: while the database's pages in use exceed
 * it, the oldest detail goes first (its requests keep their summary rows
 * and stay in the endpoint aggregates; the newest PHP_MM_EXPORT_DETAIL_KEEP
 * runs with detail are spared), then the oldest summary rows, then
 * the oldest aggregate windows; freed pages go back to the file system
 * when the file allows it (auto_vacuum, set on databases we create). */
static void php_mm_export_budget(void)
{
	static const char *const detail_tables[] = {
		"mm_site_counters", "mm_gc_passes", "mm_oom_events", "mm_oom_top", "mm_samples",
		"mm_snapshot_counters", "mm_snapshots", "mm_flushes",
	};
	sqlite3_int64 pages = 0, free_pages = 0, page_size = 0;

	xw.last_budget_ns = php_mm_export_now_ns();
	xw.writes = 0;
	if (xw.cfg.max_db_size <= 0) {
		return;
	}
	for (int round = 0; round < 16; round++) {
		if (!php_mm_export_pragma_int("PRAGMA page_count", &pages)
				|| !php_mm_export_pragma_int("PRAGMA freelist_count", &free_pages)
				|| !php_mm_export_pragma_int("PRAGMA page_size", &page_size)) {
			return;
		}
		sqlite3_int64 used = (pages - free_pages) * page_size;
		xw.over_budget = used > xw.cfg.max_db_size;
		/* Closer to the budget, look more often. */
		xw.budget_every = used > xw.cfg.max_db_size / 2 ? PHP_MM_EXPORT_BUDGET_WRITES / 10 : PHP_MM_EXPORT_BUDGET_WRITES;
		if (used <= xw.cfg.max_db_size / 10 * 9) {
			break;
		}
		/* Make room for a tenth of the budget per round. */
		sqlite3_busy_timeout(xs.db, PHP_MM_EXPORT_SHORT_WAIT_MS);
		if (!php_mm_export_txn("BEGIN IMMEDIATE")) {
			sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
			return;
		}
		char sql[512];
		sqlite3_int64 rows = 0;
		bool ok = php_mm_export_exec("CREATE TEMP TABLE IF NOT EXISTS mm_rollup (run_id INTEGER PRIMARY KEY); DELETE FROM mm_rollup;",
				"cannot apply zend.mm_observe_max_db_size")
			&& php_mm_export_exec("INSERT INTO mm_rollup SELECT run_id FROM mm_runs WHERE status <> 'running'"
				" AND detail IS NOT NULL AND detail <> 'rolled_up' AND run_id < (SELECT MIN(run_id) FROM"
				" (SELECT run_id FROM mm_runs WHERE detail IS NOT NULL AND detail <> 'rolled_up' ORDER BY run_id DESC"
				" LIMIT " ZEND_TOSTR(PHP_MM_EXPORT_DETAIL_KEEP) "))"
				" ORDER BY run_id LIMIT MAX(1, (SELECT COUNT(*) FROM mm_runs WHERE detail IS NOT NULL AND detail <> 'rolled_up') / 10)",
				"cannot apply zend.mm_observe_max_db_size")
			&& php_mm_export_pragma_int("SELECT COUNT(*) FROM mm_rollup", &rows);
		if (ok && rows > 0) {
			for (size_t i = 0; ok && i < sizeof(detail_tables) / sizeof(detail_tables[0]); i++) {
				snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id IN (SELECT run_id FROM mm_rollup)", detail_tables[i]);
				ok = php_mm_export_exec(sql, "cannot apply zend.mm_observe_max_db_size");
			}
			ok = ok && php_mm_export_exec("UPDATE mm_runs SET detail = 'rolled_up' WHERE run_id IN (SELECT run_id FROM mm_rollup)",
				"cannot apply zend.mm_observe_max_db_size");
		} else if (ok && php_mm_export_pragma_int("SELECT COUNT(*) FROM mm_runs WHERE status <> 'running'", &rows) && rows > 0) {
			/* Summary rows: each one is in its endpoint's aggregates. */
			ok = php_mm_export_exec("DELETE FROM mm_runs WHERE run_id IN (SELECT run_id FROM mm_runs WHERE status <> 'running'"
				" AND (detail IS NULL OR detail = 'rolled_up') ORDER BY run_id"
				" LIMIT MAX(1, (SELECT COUNT(*) FROM mm_runs) / 10))", "cannot apply zend.mm_observe_max_db_size");
		} else if (ok) {
			ok = php_mm_export_exec("DELETE FROM mm_endpoint_site_counters WHERE window_start = (SELECT MIN(window_start) FROM mm_endpoint_windows);"
				"DELETE FROM mm_endpoint_peaks WHERE window_start = (SELECT MIN(window_start) FROM mm_endpoint_windows);"
				"DELETE FROM mm_endpoint_windows WHERE window_start = (SELECT MIN(window_start) FROM mm_endpoint_windows);",
				"cannot apply zend.mm_observe_max_db_size");
		}
		if (!ok || !php_mm_export_txn("COMMIT")) {
			sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
			return;
		}
	}
	sqlite3_exec(xs.db, "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	sqlite3_exec(xs.db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
}

/* The end of a worker's request (the exporter callback; ZendMM is shut
 * down, only malloc here).  The summary into the ring, the request into
 * the aggregates, its detail into the database when it matters; a drain
 * when one is due. */
static void php_mm_export_finish_worker(const zend_mm_observe_run *run)
{
	zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
	uint8_t status = run->oom.happened ? ZEND_MM_OBSERVE_STATUS_OOM
		: run->unclean_shutdown || xs.fatal_error ? ZEND_MM_OBSERVE_STATUS_ERROR : ZEND_MM_OBSERVE_STATUS_OK;
	uint64_t duration = run->ended_ns > run->started_ns ? run->ended_ns - run->started_ns : 0;
	uint8_t detail = php_mm_export_detail_reason(run, status, duration);

	if (!detail && !zend_mm_observe_ring_rewind()) {
		detail = ZEND_MM_OBSERVE_DETAIL_FLUSHED; /* a drain took some of its records */
	}

	zend_mm_observe_request_event e;
	memset(&e, 0, sizeof(e));
	e.seq = run->seq;
	e.token = hdr->run_token;
	e.started_ns = run->started_ns;
	e.duration_ns = duration;
	e.usage_start = run->usage_start;
	e.usage_end = run->usage_end;
	e.peak_usage = run->peak_usage;
	e.alloc_count = run->alloc_count;
	e.alloc_bytes = run->alloc_bytes;
	e.end_live_bytes = run->end_live_bytes;
	e.gc_passes = run->gc_passes;
	e.gc_ns = run->gc_ns;
	e.site_count = run->site_count;
	e.exit_status = xs.script_ended ? xs.exit_status : EG(exit_status);
	e.http_status = xs.http_status;
	e.status = status;
	e.detail = detail;
	e.script_ended = run->script_ended;
	e.zend_mm = run->zend_mm_heap;
	char strs[sizeof(hdr->method) + sizeof(hdr->uri) + sizeof(hdr->script)];
	e.method_len = (uint16_t) strnlen(hdr->method, sizeof(hdr->method) - 1);
	e.uri_len = (uint16_t) strnlen(hdr->uri, sizeof(hdr->uri) - 1);
	e.script_len = (uint16_t) strnlen(hdr->script, sizeof(hdr->script) - 1);
	memcpy(strs, hdr->method, e.method_len);
	memcpy(strs + e.method_len, hdr->uri, e.uri_len);
	memcpy(strs + e.method_len + e.uri_len, hdr->script, e.script_len);
	uint32_t strs_len = (uint32_t) e.method_len + e.uri_len + e.script_len;

	bool pushed = zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_REQUEST, &e, sizeof(e), strs, strs_len);
	if (!pushed && php_mm_export_drain_worker(PHP_MM_EXPORT_SHORT_WAIT_MS)) {
		pushed = zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_REQUEST, &e, sizeof(e), strs, strs_len);
	}
	if (pushed) {
		/* The aggregates follow the ring's REQUEST records exactly. */
		int32_t ep = php_mm_agg_request(&xw.agg, php_mm_agg_window(e.started_ns, (uint32_t) xw.cfg.window), &e,
			hdr->method, e.method_len, hdr->uri, e.uri_len);
		uint32_t count, n;
		const zend_mm_observe_site *sites = zend_mm_observe_sites(&count);
		const uint32_t *touched = zend_mm_observe_touched(&n);
		/* touched[0] is {unobserved}: what was live before the request. */
		for (uint32_t k = 1; ep >= 0 && touched && k < n; k++) {
			php_mm_agg_site_add(&xw.agg, ep, touched[k], &sites[touched[k]]);
		}
	} else {
		xw.lost++;
		php_mm_export_warn(xs.path, "the ring is full and the database cannot take its records (%s): request summaries are being lost",
			xs.error);
	}

	uint64_t now = php_mm_export_now_ns();
	if (detail) {
		php_mm_export_drain d = {0};
		zend_mm_observe_ring_view v;
		bool busy;
		xs.detail = php_mm_export_details[detail];
		zend_mm_observe_ring_view_live(&v);
		if (php_mm_export_write(&xs_strs, &v, run, php_mm_export_statuses[status], 0, PHP_MM_EXPORT_SHORT_WAIT_MS, &busy, &d)) {
			xw.last_drain_ns = now;
			xw.writes++;
		} else {
			php_mm_export_warn(xs.path, "cannot write the detail of a request (%s); its summary stays in the ring", xs.error);
		}
	} else if (now - xw.last_drain_ns >= (uint64_t) xw.cfg.drain_ms * 1000000u
			|| zend_mm_observe_ring_pending() >= ZEND_MM_OBSERVE_RING_HIGH_WATER(hdr->events_size)
			|| xw.agg.site_used >= PHP_MM_AGG_SITES_MAX / 2) {
		if (!php_mm_export_drain_worker(PHP_MM_EXPORT_REQUEST_WAIT_MS)) {
			/* Busy: try again after the next request, not after the next interval. */
		}
	}
	if (xw.cfg.max_db_size > 0 && xw.writes && (xw.over_budget || xw.writes >= MAX(xw.budget_every, 1)
			|| now - xw.last_budget_ns >= PHP_MM_EXPORT_BUDGET_NS)) {
		php_mm_export_budget();
	}
	xs.run_id = 0;
	hdr->run_id = 0;
}

void php_mm_export_shutdown(void)
{
	if (!xw.cfg.worker) {
		return;
	}
	if (xs.db && !php_mm_export_forked()) {
		if (php_mm_export_drain_worker(PHP_MM_EXPORT_SHORT_WAIT_MS) && !zend_mm_observe_ring_pending()) {
			if (xw.writes) {
				php_mm_export_budget();
			}
			zend_mm_observe_ring_remove();
		} else if (zend_mm_observe_ring_is_file()) {
			php_mm_export_warn(xs.path, "the summaries of this worker's last requests stay in '%s' (%s): the next"
				" observed process imports them", zend_mm_observe_ring_path(), xs.error);
			zend_mm_observe_ring_keep();
		}
	}
	php_mm_export_close();
	php_mm_agg_clear(&xw.agg);
	php_mm_export_log_flush();
}

void php_mm_export_finish(const zend_mm_observe_run *run)
{
	php_mm_export_drain d = {0};
	zend_mm_observe_ring_view v;
	bool busy;

	if (!xs.db || php_mm_export_forked()) {
		return;
	}
	if (xw.cfg.worker) {
		php_mm_export_finish_worker(run);
		return;
	}
	zend_mm_observe_ring_view_live(&v);
	const char *status = run->oom.happened ? "oom" : run->unclean_shutdown || xs.fatal_error ? "error" : "ok";
	if (php_mm_export_write(&xs_strs, &v, run, status, 0, PHP_MM_EXPORT_SHORT_WAIT_MS, &busy, &d)) {
		zend_mm_observe_ring_remove();
		php_mm_export_retention();
	} else {
		const char *ring = zend_mm_observe_ring_path();
		char run_name[32];
		if (xs.run_id) {
			snprintf(run_name, sizeof(run_name), "run %lld", (long long) xs.run_id);
		} else {
			snprintf(run_name, sizeof(run_name), "the run");
		}
		if (ring) {
			zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
			php_mm_export_copy(hdr->final_status, sizeof(hdr->final_status), status);
			hdr->exit_status = xs.script_ended ? xs.exit_status : EG(exit_status);
			__atomic_store_n(&hdr->writer_state, ZEND_MM_OBSERVE_RING_ENDED, __ATOMIC_RELEASE);
			php_mm_export_warn(xs.path, "cannot write %s (%s); it is kept in '%s': import it with php --mm-import '%s'",
				run_name, xs.error, ring, ring);
			zend_mm_observe_ring_keep();
		} else {
			php_mm_export_warn(xs.path, "cannot write %s (%s); %s", run_name, xs.error,
				xs.run_id ? "the run stays marked 'running'" : "it had no ring file: lost");
		}
	}
	php_mm_export_close();
}

/* ---- importing a ring left by a dead process ---------------------------- */

static void php_mm_export_msg(char *msg, size_t len, const char *fmt, ...) ZEND_ATTRIBUTE_FORMAT(printf, 3, 4);
static void php_mm_export_msg(char *msg, size_t len, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, len, fmt, ap);
	va_end(ap);
}

/* The database a ring file belongs to, from its name <db>.<pid>.mmring
 * (malloc'd), or NULL when the name is not of that form.  Never the path
 * written inside the ring: the file may come from anyone. */
static char *php_mm_export_db_of_ring(const char *ring)
{
	size_t len = strlen(ring), slen = sizeof(ZEND_MM_OBSERVE_RING_SUFFIX) - 1;

	if (len <= slen || strcmp(ring + len - slen, ZEND_MM_OBSERVE_RING_SUFFIX) != 0) {
		return NULL;
	}
	const char *digits = ring + len - slen;
	while (digits > ring && digits[-1] >= '0' && digits[-1] <= '9') {
		digits--;
	}
	if (digits == ring + len - slen || digits - ring < 2 || digits[-1] != '.' || digits[-2] == '/') {
		return NULL;
	}
	return strndup(ring, (size_t) (digits - 1 - ring));
}

/* Imports the ring at `ring` into the database (the open xs.db, or the one
 * it belongs to).  Returns the run id, 0 when there was nothing to import
 * (msg says why), -1 on error (msg says exactly why; the file is left as it
 * was).  *ignorable: the failure is one a concurrent importer causes (the
 * file went, its lock is held, the database is busy): the orphan scan says
 * nothing then. */
static sqlite3_int64 php_mm_export_import_open_db(const char *ring, const char *db_override, char *msg, size_t msg_len,
	bool *ignorable)
{
	zend_mm_observe_ring_reader r;
	char why[512];
	sqlite3_int64 result = -1;
	char *db = NULL;

	*ignorable = false;
	if (zend_mm_observe_ring_read_open(&r, ring,
			ZEND_MM_OBSERVE_RING_READ_OWN | ZEND_MM_OBSERVE_RING_READ_EVENTS, why, sizeof(why)) == FAILURE) {
		struct stat st;
		*ignorable = lstat(ring, &st) != 0 && errno == ENOENT;
		php_mm_export_msg(msg, msg_len, "'%s' %s", ring, why);
		return -1;
	}
	zend_mm_observe_ring_view *v = &r.view;
	const zend_mm_observe_ring_header *hdr = v->hdr;
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_FLOCK) || flock(r.fd, LOCK_EX | LOCK_NB) != 0) {
		*ignorable = true;
		php_mm_export_msg(msg, msg_len, "'%s' is locked: it belongs to a running process (pid %d; watch it with php --mm-top %d) or is being imported",
			ring, (int) hdr->pid, (int) hdr->pid);
		goto out;
	}
	if (hdr->writer_state == ZEND_MM_OBSERVE_RING_EXPORTED) {
		php_mm_export_msg(msg, msg_len, "'%s' was already written to its database; removed", ring);
		unlink(ring);
		result = 0;
		goto out;
	}
	if (!xs.db) {
		db = db_override ? strdup(db_override) : php_mm_export_db_of_ring(ring);
		if (!db) {
			php_mm_export_msg(msg, msg_len, "'%s' is not named <database>.<pid>" ZEND_MM_OBSERVE_RING_SUFFIX
				"; give its database: php --mm-import RING DATABASE", ring);
			goto out;
		}
		xs.quiet = false;
		if (!php_mm_export_open_db(db, PHP_MM_EXPORT_BUSY_TIMEOUT_MS)) {
			php_mm_export_msg(msg, msg_len, "'%s': its database '%s' cannot be used (see above)", ring, db);
			goto out;
		}
	}

	php_mm_export_strmap m = {0};
	php_mm_export_drain d = {0};
	php_mm_agg fold = {0};
	/* A dead worker's requests: their summary rows and, since its
	 * aggregates died with it, their aggregates, from the records. */
	d.fold = &fold;
	d.own_from = hdr->request_head;
	if (!php_mm_export_strmap_init(&m) || !php_mm_export_txn("BEGIN IMMEDIATE")) {
		*ignorable = php_mm_export_note_error(0);
		php_mm_export_msg(msg, msg_len, "'%s': cannot write to '%s' (%s)", ring, xs.path, xs.error);
		php_mm_export_strmap_release(&m);
		goto out;
	}
	/* Which run: the row whose ring_token is this ring's (invariant 2);
	 * anything else is a new run.  A ring never names the row it merges
	 * into by run_id or pid alone. */
	sqlite3_stmt *q = NULL;
	bool done = false;
	sqlite3_int64 merge = 0;
	if (hdr->run_token && sqlite3_prepare_v2(xs.db, "SELECT run_id, status, pid FROM mm_runs WHERE ring_token = ?1 ORDER BY run_id LIMIT 1",
			-1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64) hdr->run_token);
		if (php_mm_export_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 2) == hdr->pid) {
			const char *status = (const char *) sqlite3_column_text(q, 1);
			if (status && strcmp(status, "running") == 0) {
				merge = sqlite3_column_int64(q, 0);
			} else {
				done = true;
				merge = sqlite3_column_int64(q, 0);
			}
		}
	}
	sqlite3_finalize(q);
	if (hdr->writer_state == ZEND_MM_OBSERVE_RING_IDLE) {
		/* Between two requests: only summaries to import. */
		uint64_t end = 0;
		xs.run_id = 0;
		bool ok = php_mm_export_write_events(&m, v, 0, &end, &d)
			&& php_mm_export_write_agg(&m, NULL, &fold)
			&& php_mm_export_txn("COMMIT");
		if (!ok) {
			*ignorable = php_mm_export_note_error(0);
			php_mm_export_msg(msg, msg_len, "'%s': cannot write to '%s' (%s)", ring, xs.path, xs.error);
			sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
		} else {
			result = 0;
			unlink(ring);
			php_mm_export_msg(msg, msg_len, "imported %llu request summaries of process %d from '%s' into '%s'%s",
				(unsigned long long) d.requests, (int) hdr->pid, ring, xs.path, d.torn ? " (the last record torn and skipped)" : "");
		}
		php_mm_agg_free(&fold);
		php_mm_export_strmap_release(&m);
		goto out;
	}
	if (done) {
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
		php_mm_export_strmap_release(&m);
		php_mm_export_msg(msg, msg_len, "'%s': run %lld is already complete in '%s'; removed the ring",
			ring, (long long) merge, xs.path);
		unlink(ring);
		result = 0;
		goto out;
	}
	zend_mm_observe_run run = hdr->run;
	xs.run_id = merge ? merge : php_mm_export_insert_run(hdr, false, NULL);
	/* What the dead process never wrote: usage is the sum of the live
	 * bytes (zend_mm_observe.c, invariant 4); the end is its last sign of
	 * life. */
	int64_t usage = 0;
	for (uint32_t i = 1; i < v->site_count; i++) {
		int64_t live = v->sites[i].live_bytes;
		if (live > 0 && usage <= INT64_MAX - live) {
			usage += live;
		}
	}
	d.last_ns = hdr->updated_ns > run.started_ns ? hdr->updated_ns - run.started_ns : 0;
	run.usage_end = (size_t) usage;
	run.site_count = v->site_count;
	/* A request that ended but could not be written keeps the status it
	 * was to get; anything else died while recording. */
	const char *status = "crashed";
	if (hdr->writer_state == ZEND_MM_OBSERVE_RING_ENDED && hdr->final_status[0]) {
		static const char *const finals[] = { "ok", "error", "oom" };
		for (size_t i = 0; i < sizeof(finals) / sizeof(finals[0]); i++) {
			if (strcmp(hdr->final_status, finals[i]) == 0) {
				status = finals[i];
			}
		}
		xs.script_ended = true;
		xs.exit_status = hdr->exit_status;
	}
	uint64_t end = 0;
	xs.detail = hdr->worker ? "error" : "all";
	bool ok = xs.run_id != 0 && php_mm_export_write_events(&m, v, 0, &end, &d) && php_mm_export_write_sites(&m, v);
	if (ok) {
		run.ended_ns = d.last_ns <= UINT64_MAX - run.started_ns ? run.started_ns + d.last_ns : run.started_ns;
		run.peak_usage = MAX(d.peak, run.usage_end);
		if (hdr->worker) {
			/* The request it died in counts in its endpoint, as an error. */
			zend_mm_observe_request_event e;
			memset(&e, 0, sizeof(e));
			e.started_ns = run.started_ns;
			e.duration_ns = d.last_ns;
			e.peak_usage = run.peak_usage;
			e.status = ZEND_MM_OBSERVE_STATUS_ERROR;
			e.detail = ZEND_MM_OBSERVE_DETAIL_ERROR;
			php_mm_agg_request(&fold, php_mm_agg_window(e.started_ns, (uint32_t) xw.cfg.window), &e,
				hdr->method, strnlen(hdr->method, sizeof(hdr->method)), hdr->uri, strnlen(hdr->uri, sizeof(hdr->uri)));
		}
		ok = php_mm_export_write_agg(&m, NULL, &fold);
	}
	php_mm_agg_free(&fold);
	if (ok) {
		ok = php_mm_export_write_oom(&run)
			&& php_mm_export_write_run(v, &run, status, &d, true)
			&& php_mm_export_txn("COMMIT");
	}
	if (!ok) {
		*ignorable = php_mm_export_note_error(0);
		php_mm_export_msg(msg, msg_len, "'%s': cannot write to '%s' (%s)", ring, xs.path, xs.error);
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
		php_mm_export_strmap_release(&m);
		goto out;
	}
	php_mm_export_strmap_release(&m);
	result = xs.run_id;
	if (unlink(ring) != 0) {
		php_mm_export_msg(msg, msg_len, "imported the ring of process %d into run %lld of '%s', but it cannot be removed (%s)",
			(int) hdr->pid, (long long) result, xs.path, strerror(errno));
	} else {
		php_mm_export_msg(msg, msg_len, "imported the ring of process %d into run %lld of '%s' (%llu records%s, %u sites)",
			(int) hdr->pid, (long long) result, xs.path, (unsigned long long) d.events,
			d.torn ? ", the last one torn and skipped" : "", v->site_count);
	}
out:
	free(db);
	zend_mm_observe_ring_read_close(&r);
	return result;
}

int64_t php_mm_export_import(const char *ring, const char *db, char *msg, size_t msg_len)
{
	bool ignorable;
	sqlite3_int64 r = php_mm_export_import_open_db(ring, db, msg, msg_len, &ignorable);
	php_mm_export_close();
	return r;
}

/* Rings of dead processes next to the database (<path>.<pid>.mmring whose
 * lock nobody holds, owned by us): import each.  Runs at request start
 * with the request's wait (none): a ring it cannot import now stays for
 * the next scan.  Quiet about what another scanner or user causes. */
static void php_mm_export_import_orphans(void)
{
	char *copy = strdup(xs.path);
	char *copy2 = strdup(xs.path);
	if (!copy || !copy2) {
		free(copy);
		free(copy2);
		return;
	}
	const char *dir = dirname(copy);
	const char *base = basename(copy2);
	size_t blen = strlen(base), slen = sizeof(ZEND_MM_OBSERVE_RING_SUFFIX) - 1;
	DIR *d = opendir(dir);
	struct dirent *e;
	sqlite3_int64 own = xs.run_id;

	while (d && (e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		size_t len = strlen(n);
		if (len <= blen + 1 + slen || strncmp(n, base, blen) != 0 || n[blen] != '.'
				|| strcmp(n + len - slen, ZEND_MM_OBSERVE_RING_SUFFIX) != 0) {
			continue;
		}
		bool digits = true;
		for (const char *p = n + blen + 1; p < n + len - slen; p++) {
			digits = digits && *p >= '0' && *p <= '9';
		}
		if (!digits || strtol(n + blen + 1, NULL, 10) == (long) getpid()) {
			continue;
		}
		char ring[MAXPATHLEN], msg[1024];
		struct stat st;
		if (snprintf(ring, sizeof(ring), "%s/%s", dir, n) >= (int) sizeof(ring)) {
			continue;
		}
		/* Another user's file is theirs to import (invariant 6); one
		 * gone meanwhile was imported by a concurrent scanner. */
		if (lstat(ring, &st) != 0 || (S_ISREG(st.st_mode) && st.st_uid != geteuid())) {
			continue;
		}
		/* Quiet when it works: this request's stderr belongs to its script
		 * (the run shows imported_at); a ring that cannot be imported is
		 * worth a line. */
		bool ignorable;
		if (php_mm_export_import_open_db(ring, NULL, msg, sizeof(msg), &ignorable) < 0 && !ignorable) {
			fprintf(stderr, "Warning: mm_observe: %s\n", msg);
			fflush(stderr);
		}
	}
	if (d) {
		closedir(d);
	}
	xs.run_id = own;
	xs.script_ended = false;
	xs.exit_status = 0;
	free(copy);
	free(copy2);
}

bool php_mm_export_recording(void)
{
	return xs.db != NULL && xs.pid == zend_mm_observe_getpid();
}
