/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the site table into SQLite                      |
   +----------------------------------------------------------------------+

   Design
   ======
   One report database holds any number of runs (one per observed request),
   appended by any number of processes.  Schema version 2 (version 1
   databases are upgraded in place: version 2 only adds columns and views):

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
      that is not SQLite, a newer schema) is refused and left untouched.
   2. The run row is inserted when the request starts and completed in one
      transaction with all its sites when it ends, so a reader sees a run's
      sites all or not at all.
   3. Nothing here allocates through ZendMM after php_mm_export_open()
      returns: php_mm_export_finish() runs while the heap is shut down.
   4. Σ(alloc_bytes − free_bytes) over a run's sites equals
      usage_end − usage_start of its mm_runs row when zend_mm = 1
      (zend_mm_observe.c, invariant 4); the tests check it.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php.h"
#include "zend_mm_observe.h"
#include "zend_vm_opcodes.h"
#include "php_mm_export.h"
#include "zend_gc_observe.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <stdlib.h>
#include <errno.h>
#include <libgen.h>

/* Columns added to mm_runs by schema version 2 (also used to migrate a
 * version 1 database with ALTER TABLE, kMigrateV1). */
#define kRunsV2Columns \
	" run_tag TEXT,"                  /* zend.mm_observe_run_tag: lets a harness find its run */ \
	" full_shutdown INTEGER,"         /* 1: zend.mm_observe_full_shutdown freed everything one by one */ \
	" test_path TEXT,"                /* set by run-tests.php --mm-observe: the .phpt file */ \
	" test_title TEXT,"               /* ... its --TEST-- title */ \
	" test_result TEXT"               /* ... PASS, FAIL, SKIP, BORK, LEAK, WARN, XFAIL, ... */

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
	kRunsV2Columns
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
	" FROM mm_oom_top t JOIN mm_sites s ON s.run_id = t.run_id AND s.site_id = t.site_id;";

static struct {
	sqlite3 *db;
	char *path;
	sqlite3_int64 run_id;
	pid_t pid;                 /* the process that opened db */
	bool script_ended;         /* RSHUTDOWN ran */
	bool fatal_error;          /* the request ended in a fatal error */
	int exit_status;
} xs;

static void php_mm_export_warn(const char *path, const char *fmt, ...) ZEND_ATTRIBUTE_FORMAT(printf, 2, 3);

/* One line on stderr: never through the output layer (it may be gone, and
 * the script's own output must stay byte-identical). */
static void php_mm_export_warn(const char *path, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "Warning: mm_observe: report database '%s': ", path);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void php_mm_export_iso8601(uint64_t ns, char *buf, size_t len)
{
	time_t sec = (time_t) (ns / 1000000000u);
	struct tm tm;
	char tmp[32];

	gmtime_r(&sec, &tm);
	strftime(tmp, sizeof(tmp), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03uZ", tmp, (unsigned) ((ns / 1000000u) % 1000u));
}

static void php_mm_export_close(void)
{
	if (xs.db) {
		sqlite3_close_v2(xs.db);
		xs.db = NULL;
	}
	free(xs.path);
	xs.path = NULL;
	xs.run_id = 0;
	xs.script_ended = false;
	xs.fatal_error = false;
	xs.exit_status = 0;
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

	if (!php_mm_export_pragma_int("PRAGMA application_id", &app_id)
			|| !php_mm_export_pragma_int("PRAGMA user_version", &version)
			|| !php_mm_export_pragma_int("SELECT count(*) FROM sqlite_master", &objects)) {
		return false;
	}
	if (app_id != PHP_MM_EXPORT_APPLICATION_ID && (app_id != 0 || objects != 0)) {
		php_mm_export_warn(xs.path, "is a SQLite database of another application; left untouched");
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
	 * under it, so only the first one creates or migrates. */
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

zend_result php_mm_export_open(const char *path, const php_mm_export_run_meta *meta)
{
	php_mm_export_close();
	if (!php_mm_export_check_path(path)) {
		return FAILURE;
	}
	xs.path = strdup(path);
	if (!xs.path) {
		return FAILURE;
	}
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &xs.db, flags, NULL) != SQLITE_OK) {
		php_mm_export_warn(path, "cannot be opened (%s)", xs.db ? sqlite3_errmsg(xs.db) : "out of memory");
		php_mm_export_close();
		return FAILURE;
	}
	sqlite3_busy_timeout(xs.db, PHP_MM_EXPORT_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(xs.db, 0);
	if (!php_mm_export_adopt()) {
		php_mm_export_close();
		return FAILURE;
	}

	const zend_mm_observe_run *run = zend_mm_observe_run_info();
	char started[40];
	sqlite3_stmt *st = NULL;
	php_mm_export_iso8601(run->started_ns, started, sizeof(started));
	if (sqlite3_prepare_v2(xs.db,
			"INSERT INTO mm_runs (pid, sapi, script, started_at, php_version, status, usage_start, zend_mm,"
			" run_tag, full_shutdown) VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9)", -1, &st, NULL) != SQLITE_OK) {
		php_mm_export_warn(path, "cannot record the run (%s)", sqlite3_errmsg(xs.db));
		php_mm_export_close();
		return FAILURE;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64) getpid());
	sqlite3_bind_text(st, 2, meta->sapi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, meta->script, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, meta->php_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 6, (sqlite3_int64) run->usage_start);
	sqlite3_bind_int(st, 7, run->zend_mm_heap ? 1 : 0);
	if (meta->run_tag && *meta->run_tag) {
		sqlite3_bind_text(st, 8, meta->run_tag, -1, SQLITE_TRANSIENT);
	}
	sqlite3_bind_int(st, 9, meta->full_shutdown ? 1 : 0);
	if (sqlite3_step(st) != SQLITE_DONE) {
		php_mm_export_warn(path, "cannot record the run (%s)", sqlite3_errmsg(xs.db));
		sqlite3_finalize(st);
		php_mm_export_close();
		return FAILURE;
	}
	sqlite3_finalize(st);
	xs.run_id = sqlite3_last_insert_rowid(xs.db);
	xs.pid = getpid();
	return SUCCESS;
}

void php_mm_export_script_ended(bool fatal_error, int exit_status)
{
	xs.script_ended = true;
	xs.fatal_error = fatal_error;
	xs.exit_status = exit_status;
}

void php_mm_export_abort(void)
{
	php_mm_export_close();
}

/* ---- writing a run ------------------------------------------------------ */

/* Maps arena offsets (unique per string, zend_mm_observe.c) to str_ids. */
typedef struct {
	uint32_t *keys;            /* offset + 1; 0 = empty slot */
	sqlite3_int64 *ids;
	uint32_t cap;
	sqlite3_stmt *insert, *select;
} php_mm_export_strmap;

static sqlite3_int64 php_mm_export_intern_text(php_mm_export_strmap *m, const char *text)
{
	sqlite3_int64 id = -1;

	sqlite3_bind_text(m->insert, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(m->insert) != SQLITE_DONE) {
		sqlite3_reset(m->insert);
		return -1;
	}
	sqlite3_reset(m->insert);
	sqlite3_bind_text(m->select, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(m->select) == SQLITE_ROW) {
		id = sqlite3_column_int64(m->select, 0);
	}
	sqlite3_reset(m->select);
	return id;
}

static sqlite3_int64 php_mm_export_intern(php_mm_export_strmap *m, uint32_t offset)
{
	uint32_t i = (offset * 2654435761u) & (m->cap - 1);

	while (m->keys[i]) {
		if (m->keys[i] == offset + 1) {
			return m->ids[i];
		}
		i = (i + 1) & (m->cap - 1);
	}
	sqlite3_int64 id = php_mm_export_intern_text(m, zend_mm_observe_str(offset));
	if (id >= 0) {
		m->keys[i] = offset + 1;
		m->ids[i] = id;
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

static bool php_mm_export_write_sites(php_mm_export_strmap *m)
{
	uint32_t count;
	const zend_mm_observe_site *sites = zend_mm_observe_sites(&count);
	sqlite3_int64 opcode_ids[256 + 1];
	sqlite3_stmt *st = NULL;
	bool ok = true;

	for (size_t i = 0; i < sizeof(opcode_ids) / sizeof(opcode_ids[0]); i++) {
		opcode_ids[i] = -1;
	}
	if (sqlite3_prepare_v2(xs.db,
			"INSERT INTO mm_site_counters (run_id, site_id, kind, file_id, line, function_id, opcode_id, callee_id,"
			" flags, alloc_count, alloc_bytes, free_count, free_bytes, realloc_count,"
			" live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes,"
			" gc_alloc_count, gc_alloc_bytes, gc_free_count, gc_free_bytes)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
			" ?20, ?21, ?22, ?23)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 1; ok && i < count; i++) {
		const zend_mm_observe_site *s = &sites[i];
		if (!s->alloc_count && !s->free_count && !s->alloc_bytes) {
			continue; /* a pseudo site nothing happened at */
		}
		sqlite3_int64 file = php_mm_export_intern(m, s->file_str);
		sqlite3_int64 func = php_mm_export_intern(m, s->function_str);
		sqlite3_int64 callee = s->callee_str ? php_mm_export_intern(m, s->callee_str) : 0;
		sqlite3_int64 opcode = 0;
		if (s->kind != ZEND_MM_OBSERVE_KIND_PSEUDO) {
			size_t slot = s->kind == ZEND_MM_OBSERVE_KIND_COMPILE ? 256 : s->opcode;
			if (opcode_ids[slot] < 0) {
				const char *name = slot == 256 ? "COMPILE" : zend_get_opcode_name(s->opcode);
				if (!name) {
					name = "UNKNOWN";
				} else if (strncmp(name, "ZEND_", sizeof("ZEND_") - 1) == 0) {
					name += sizeof("ZEND_") - 1; /* "ZEND_CONCAT" -> "CONCAT" */
				}
				opcode_ids[slot] = php_mm_export_intern_text(m, name);
			}
			opcode = opcode_ids[slot];
		}
		if (file < 0 || func < 0 || callee < 0 || opcode < 0) {
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
			(sqlite3_int64) s->alloc_count, (sqlite3_int64) s->alloc_bytes,
			(sqlite3_int64) s->free_count, (sqlite3_int64) s->free_bytes, (sqlite3_int64) s->realloc_count,
			s->live_count, s->live_bytes, s->peak_live_bytes, s->end_live_count, s->end_live_bytes,
			(sqlite3_int64) s->gc_alloc_count, (sqlite3_int64) s->gc_alloc_bytes,
			(sqlite3_int64) s->gc_free_count, (sqlite3_int64) s->gc_free_bytes,
		};
		php_mm_export_bind_int64s(st, 10, counters, (int) (sizeof(counters) / sizeof(counters[0])));
		ok = sqlite3_step(st) == SQLITE_DONE;
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

static bool php_mm_export_write_gc(php_mm_export_strmap *m)
{
	uint32_t count, site_count;
	const zend_gc_observe_pass *passes = zend_gc_observe_passes(&count);
	const zend_mm_observe_site *sites = zend_mm_observe_sites(&site_count);
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (!count) {
		return true;
	}
	if (sqlite3_prepare_v2(xs.db,
			"INSERT INTO mm_gc_passes (run_id, seq, call, rerun, aborted, trigger, file_id, line, function_id,"
			" roots, collected, buffer_size, threshold_before, threshold_after, mem_before, mem_after, started_ns,"
			" mark_ns, scan_ns, collect_ns, destructor_ns, free_ns, compact_ns, total_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
			" ?18, ?19, ?20, ?21, ?22, ?23, ?24)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 0; ok && i < count; i++) {
		const zend_gc_observe_pass *p = &passes[i];
		const zend_mm_observe_site *s = p->site < site_count ? &sites[p->site] : NULL;
		sqlite3_int64 file = php_mm_export_intern(m, s ? s->file_str : 0);
		sqlite3_int64 func = php_mm_export_intern(m, s ? s->function_str : 0);
		if (file < 0 || func < 0) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, xs.run_id);
		sqlite3_bind_int64(st, 2, i + 1);
		sqlite3_bind_int64(st, 3, p->call);
		sqlite3_bind_int(st, 4, p->rerun);
		sqlite3_bind_int(st, 5, p->aborted);
		sqlite3_bind_text(st, 6, php_mm_export_trigger(p->trigger), -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 7, file);
		sqlite3_bind_int64(st, 8, s ? s->line : 0);
		sqlite3_bind_int64(st, 9, func);
		const sqlite3_int64 figures[] = {
			p->roots, p->collected, p->buffer_size, p->threshold_before, p->threshold_after,
			(sqlite3_int64) p->mem_before, (sqlite3_int64) p->mem_after, (sqlite3_int64) p->started_ns,
			(sqlite3_int64) p->mark_ns, (sqlite3_int64) p->scan_ns, (sqlite3_int64) p->collect_ns,
			(sqlite3_int64) p->destructor_ns, (sqlite3_int64) p->free_ns, (sqlite3_int64) p->compact_ns,
			(sqlite3_int64) p->total_ns,
		};
		php_mm_export_bind_int64s(st, 10, figures, (int) (sizeof(figures) / sizeof(figures[0])));
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

static bool php_mm_export_write_run(const zend_mm_observe_run *run)
{
	sqlite3_stmt *st = NULL;
	char ended[40];
	bool ok;

	php_mm_export_iso8601(run->ended_ns, ended, sizeof(ended));
	if (sqlite3_prepare_v2(xs.db,
			"UPDATE mm_runs SET ended_at = ?2, status = ?3, peak_usage = ?4, usage_start = ?5, usage_end = ?6,"
			" exit_status = ?7, site_count = ?8, sites_dropped = ?9, observer_bytes = ?10, zend_mm = ?11,"
			" peak_observed = ?12, blocks_untracked = ?13, script_ended = ?14, gc_idle_ns = ?15"
			" WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, xs.run_id);
	sqlite3_bind_text(st, 2, ended, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, run->oom.happened ? "oom" : run->unclean_shutdown || xs.fatal_error ? "error" : "ok", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64) run->peak_usage);
	sqlite3_bind_int64(st, 5, (sqlite3_int64) run->usage_start);
	sqlite3_bind_int64(st, 6, (sqlite3_int64) run->usage_end);
	sqlite3_bind_int(st, 7, xs.script_ended ? xs.exit_status : EG(exit_status));
	sqlite3_bind_int64(st, 8, run->site_count);
	sqlite3_bind_int64(st, 9, (sqlite3_int64) run->sites_dropped);
	sqlite3_bind_int64(st, 10, (sqlite3_int64) run->observer_bytes);
	sqlite3_bind_int(st, 11, run->zend_mm_heap ? 1 : 0);
	sqlite3_bind_int64(st, 12, (sqlite3_int64) run->peak_observed);
	sqlite3_bind_int64(st, 13, (sqlite3_int64) run->blocks_untracked);
	sqlite3_bind_int(st, 14, run->script_ended ? 1 : 0);
	sqlite3_bind_int64(st, 15, (sqlite3_int64) zend_gc_observe_idle_ns());
	ok = sqlite3_step(st) == SQLITE_DONE;
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
	if (sqlite3_prepare_v2(xs.db, "INSERT INTO mm_oom_events (run_id, kind, site_id, requested, memory_limit, usage, at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, xs.run_id);
	sqlite3_bind_text(st, 2, oom->system ? "system" : "memory_limit", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, oom->site);
	sqlite3_bind_int64(st, 4, (sqlite3_int64) oom->requested);
	sqlite3_bind_int64(st, 5, (sqlite3_int64) oom->limit);
	sqlite3_bind_int64(st, 6, (sqlite3_int64) oom->usage);
	sqlite3_bind_text(st, 7, at, -1, SQLITE_TRANSIENT);
	ok = sqlite3_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok || sqlite3_prepare_v2(xs.db, "INSERT INTO mm_oom_top (run_id, rank, site_id, live_bytes, live_count)"
			" VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 0; ok && i < oom->top_count; i++) {
		sqlite3_bind_int64(st, 1, xs.run_id);
		sqlite3_bind_int(st, 2, (int) i + 1);
		sqlite3_bind_int64(st, 3, oom->top[i].site);
		sqlite3_bind_int64(st, 4, oom->top[i].live_bytes);
		sqlite3_bind_int64(st, 5, oom->top[i].live_count);
		ok = sqlite3_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* "PATH run N", for the memory error message (zend_mm_observe_describer_t). */
const char *php_mm_export_describe(void)
{
	static char where[4200];

	if (!xs.db || !xs.path) {
		return NULL;
	}
	/* Absolute, so the message is useful wherever it is read; realpath()
	 * uses malloc, never ZendMM (which is at its limit here). */
	char *abs = realpath(xs.path, NULL);
	snprintf(where, sizeof(where), "%s run %lld", abs ? abs : xs.path, (long long) xs.run_id);
	free(abs);
	return where;
}

void php_mm_export_finish(const zend_mm_observe_run *run)
{
	php_mm_export_strmap m = {0};
	uint32_t count;
	bool ok = false;

	if (!xs.db) {
		return;
	}
	if (UNEXPECTED(getpid() != xs.pid)) {
		/* A child forked during the request (pcntl_fork) ends its copy of
		 * the request: the run is its parent's to write.  SQLite forbids
		 * using a connection across fork(), even to close it: forget it. */
		xs.db = NULL;
		free(xs.path);
		xs.path = NULL;
		return;
	}
	zend_mm_observe_sites(&count);
	m.cap = 64;
	while (m.cap < count * 4u) {
		m.cap *= 2;
	}
	m.keys = calloc(m.cap, sizeof(*m.keys));
	m.ids = calloc(m.cap, sizeof(*m.ids));
	if (!m.keys || !m.ids) {
		php_mm_export_warn(xs.path, "out of memory while writing run %lld", (long long) xs.run_id);
		goto out;
	}
	if (sqlite3_prepare_v2(xs.db, "INSERT OR IGNORE INTO mm_strings (str) VALUES (?1)", -1, &m.insert, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(xs.db, "SELECT str_id FROM mm_strings WHERE str = ?1", -1, &m.select, NULL) != SQLITE_OK) {
		php_mm_export_warn(xs.path, "cannot write run %lld (%s)", (long long) xs.run_id, sqlite3_errmsg(xs.db));
		goto out;
	}
	if (!php_mm_export_exec("BEGIN IMMEDIATE", "cannot lock the database to write the run; the run stays marked 'running'")) {
		goto out;
	}
	ok = php_mm_export_write_sites(&m) && php_mm_export_write_gc(&m) && php_mm_export_write_oom(run)
		&& php_mm_export_write_run(run);
	if (ok) {
		ok = sqlite3_exec(xs.db, "COMMIT", NULL, NULL, NULL) == SQLITE_OK;
	}
	if (!ok) {
		php_mm_export_warn(xs.path, "cannot write run %lld (%s); the run stays marked 'running'",
			(long long) xs.run_id, sqlite3_errmsg(xs.db));
		sqlite3_exec(xs.db, "ROLLBACK", NULL, NULL, NULL);
	}
out:
	sqlite3_finalize(m.insert);
	sqlite3_finalize(m.select);
	free(m.keys);
	free(m.ids);
	php_mm_export_close();
}
