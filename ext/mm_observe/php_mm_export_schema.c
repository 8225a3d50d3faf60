/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the report database and its schema              |
   +----------------------------------------------------------------------+

   Opening a report database, deciding it is ours, and bringing it to the
   schema this build writes (mm_schema.sql, compiled in as a C string by
   the rule in Makefile.frag).  One database holds any number of runs,
   appended by any number of processes; the tables, views and their
   columns are documented for users in UPGRADING.observability, section 4.

   Invariants
   ----------
   1. We write only to a database that is empty or carries our
      application_id; anything else (another program's SQLite file, a file
      that is not SQLite, a newer schema, one of our tables replaced by a
      view, any trigger) is refused and left untouched.
   2. The schema only grows: an older database of ours is upgraded in place
      by adding the columns its tables lack (in the order mm_schema.sql
      has them) and then running mm_schema.sql, whose statements are all
      CREATE ... IF NOT EXISTS.  No migration is written by hand, so no
      version can rename or drop what an older reader uses.
   3. Creating or upgrading happens under one IMMEDIATE transaction:
      concurrent writers serialize on it and look again under the lock, so
      only the first one changes the file.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php_mm_export_int.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

/* mm_schema.sql. */
static const char php_mm_export_schema_sql[] =
#include "php_mm_export_schema.inc"
	;

/* The tables we write: in a database of ours each must be a table (not a
 * view standing in for it), and no trigger may exist (we create none; one
 * would run its code on our writes).  Invariant 1. */
static const char php_mm_export_objects_check[] =
	"SELECT (SELECT count(*) FROM sqlite_master WHERE type = 'trigger'),"
	" (SELECT count(*) FROM sqlite_master WHERE type <> 'table' AND name IN ('mm_runs', 'mm_strings',"
	" 'mm_site_counters', 'mm_gc_passes', 'mm_oom_events', 'mm_oom_top', 'mm_samples', 'mm_snapshots',"
	" 'mm_snapshot_counters', 'mm_flushes', 'mm_endpoint_windows', 'mm_endpoint_peaks', 'mm_endpoint_site_counters',"
	" 'mm_path_frames', 'mm_path_counters', 'mm_snapshot_path_counters'))";
void php_mm_export_close(void)
{
	if (XS(db)) {
		sqlite3_close_v2(XS(db));
		XS(db) = NULL;
	}
	free(XS(path));
	XS(path) = NULL;
	XS(run_id) = 0;
	XS(gone_warned) = false;
	XS(script_ended) = false;
	XS(fatal_error) = false;
	XS(exit_status) = 0;
	php_mm_export_strmap_release(&XS(strs));
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
bool php_mm_export_exec(const char *sql, const char *what)
{
	char *err = NULL;
	if (sqlite3_exec(XS(db), sql, NULL, NULL, &err) != SQLITE_OK) {
		php_mm_export_warn(XS(path), "%s (%s)", what, err ? err : sqlite3_errmsg(XS(db)));
		sqlite3_free(err);
		return false;
	}
	return true;
}

bool php_mm_export_pragma_int(const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(XS(db), sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	if (rc != SQLITE_OK && rc != SQLITE_DONE) {
		int code = sqlite3_errcode(XS(db));
		if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
			php_mm_export_warn(XS(path), "is not a SQLite database; left untouched");
		} else {
			php_mm_export_warn(XS(path), "cannot be read (%s)", sqlite3_errmsg(XS(db)));
		}
		sqlite3_finalize(st);
		return false;
	}
	sqlite3_finalize(st);
	return true;
}

/* Invariant 2: adds to each table the database has the columns of
 * mm_schema.sql it lacks, in the schema's order (inside the caller's
 * transaction).  The schema's columns are read from a private in-memory
 * database built from it. */
static bool php_mm_export_migrate(sqlite3_int64 from)
{
	sqlite3 *mem = NULL;
	sqlite3_stmt *tables = NULL, *cols = NULL, *has = NULL;
	char what[80];
	bool ok = true;

	snprintf(what, sizeof(what), "cannot upgrade the schema from version %lld", (long long) from);
	if (sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK
			|| sqlite3_exec(mem, php_mm_export_schema_sql, NULL, NULL, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(mem, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid",
				-1, &tables, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(mem, "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
				-1, &cols, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(XS(db), "SELECT count(*), count(CASE WHEN name = ?2 THEN 1 END) FROM pragma_table_info(?1)",
				-1, &has, NULL) != SQLITE_OK) {
		php_mm_export_warn(XS(path), "%s (%s)", what, mem ? sqlite3_errmsg(mem) : "out of memory");
		ok = false;
	}
	while (ok && sqlite3_step(tables) == SQLITE_ROW) {
		const char *table = (const char *) sqlite3_column_text(tables, 0);
		sqlite3_bind_text(cols, 1, table, -1, SQLITE_TRANSIENT);
		while (ok && sqlite3_step(cols) == SQLITE_ROW) {
			const char *name = (const char *) sqlite3_column_text(cols, 0);
			const char *type = (const char *) sqlite3_column_text(cols, 1);
			const char *dflt = (const char *) sqlite3_column_text(cols, 3);
			sqlite3_bind_text(has, 1, table, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(has, 2, name, -1, SQLITE_TRANSIENT);
			ok = sqlite3_step(has) == SQLITE_ROW;
			bool table_exists = ok && sqlite3_column_int64(has, 0) > 0;
			bool column_exists = ok && sqlite3_column_int64(has, 1) > 0;
			sqlite3_reset(has);
			if (!ok) {
				php_mm_export_warn(XS(path), "%s (%s)", what, sqlite3_errmsg(XS(db)));
				break;
			}
			if (!table_exists) {
				break; /* a table of a later version: mm_schema.sql creates it */
			}
			if (column_exists) {
				continue;
			}
			if (sqlite3_column_int(cols, 2) || sqlite3_column_int(cols, 4)) {
				php_mm_export_warn(XS(path), "%s (column %s.%s cannot be added to existing rows)", what, table, name);
				ok = false;
				break;
			}
			char *sql = sqlite3_mprintf("ALTER TABLE %s ADD COLUMN %s %s%s%s", table, name, type ? type : "",
				dflt ? " DEFAULT " : "", dflt ? dflt : "");
			ok = sql && php_mm_export_exec(sql, what);
			sqlite3_free(sql);
		}
		sqlite3_reset(cols);
	}
	sqlite3_finalize(tables);
	sqlite3_finalize(cols);
	sqlite3_finalize(has);
	sqlite3_close(mem);
	return ok;
}

/* Decides whether the open database is ours (or empty, and becomes ours),
 * and brings it to the current schema.  Invariant 1. */
static bool php_mm_export_adopt(void)
{
	sqlite3_int64 app_id = 0, version = 0, objects = 0;

	/* One read transaction: the three figures from one state of the file,
	 * even while another writer creates the schema. */
	sqlite3_exec(XS(db), "BEGIN", NULL, NULL, NULL);
	sqlite3_int64 triggers = 0, not_tables = 0;
	bool read = php_mm_export_pragma_int("PRAGMA application_id", &app_id)
		&& php_mm_export_pragma_int("PRAGMA user_version", &version)
		&& php_mm_export_pragma_int("SELECT count(*) FROM sqlite_master", &objects);
	if (read) {
		sqlite3_stmt *st = NULL;
		if (sqlite3_prepare_v2(XS(db), php_mm_export_objects_check, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
			triggers = sqlite3_column_int64(st, 0);
			not_tables = sqlite3_column_int64(st, 1);
		} else {
			php_mm_export_warn(XS(path), "cannot be read (%s)", sqlite3_errmsg(XS(db)));
			read = false;
		}
		sqlite3_finalize(st);
	}
	sqlite3_exec(XS(db), "COMMIT", NULL, NULL, NULL);
	if (!read) {
		return false;
	}
	if (app_id != ZEND_MM_OBSERVE_DB_APPLICATION_ID && (app_id != 0 || objects != 0)) {
		php_mm_export_warn(XS(path), "is a SQLite database of another application; left untouched");
		return false;
	}
	if (triggers || not_tables) {
		php_mm_export_warn(XS(path), "has objects mm_observe never creates (%lld trigger(s), %lld of its tables replaced by views or indexes); left untouched",
			(long long) triggers, (long long) not_tables);
		return false;
	}
	if (version > ZEND_MM_OBSERVE_DB_SCHEMA_VERSION) {
		php_mm_export_warn(XS(path), "was written by a newer mm_observe (schema version %lld; this build writes version %d); left untouched",
			(long long) version, ZEND_MM_OBSERVE_DB_SCHEMA_VERSION);
		return false;
	}
	if (app_id == ZEND_MM_OBSERVE_DB_APPLICATION_ID && version == ZEND_MM_OBSERVE_DB_SCHEMA_VERSION) {
		return true;
	}
	/* Empty (create the schema) or an older version of ours (migrate it).
	 * Concurrent writers serialize on the IMMEDIATE lock and look again
	 * under it, so only the first one creates or migrates.  A new file
	 * gives pages freed by zend.mm_observe_max_db_size back to the file
	 * system (it must be set before the first table exists). */
	if (objects == 0) {
		sqlite3_exec(XS(db), "PRAGMA auto_vacuum = INCREMENTAL", NULL, NULL, NULL);
	}
	char pragmas[128];
	snprintf(pragmas, sizeof(pragmas), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
		ZEND_MM_OBSERVE_DB_APPLICATION_ID, ZEND_MM_OBSERVE_DB_SCHEMA_VERSION);
	if (!php_mm_export_exec("BEGIN IMMEDIATE", "cannot lock the database to create or upgrade its schema")) {
		return false;
	}
	bool ok = php_mm_export_pragma_int("PRAGMA user_version", &version);
	if (ok && version >= 1 && version < ZEND_MM_OBSERVE_DB_SCHEMA_VERSION) {
		ok = php_mm_export_migrate(version);
	}
	if (ok && version < ZEND_MM_OBSERVE_DB_SCHEMA_VERSION) {
		ok = php_mm_export_exec(php_mm_export_schema_sql, "cannot create the schema")
			&& php_mm_export_exec(pragmas, "cannot create the schema");
	}
	if (!ok || !php_mm_export_exec("COMMIT", "cannot create the schema")) {
		sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
		return false;
	}
	return true;
}

/* Creates the database file ourselves when it does not exist, never
 * through a symbolic link (SQLite would create it 0644): mode 0600, or the
 * zend.mm_observe_file_mode / _group a team asked for (set on the open
 * descriptor, so the umask does not narrow it and no other file is touched);
 * SQLite gives its -wal and -shm files the same mode and owner.  An existing
 * database keeps its own.  A group that cannot be set leaves the file 0600:
 * widened only for the group that was asked for. */
static bool php_mm_export_create_private(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		int mode = XW(cfg).file_mode ? XW(cfg).file_mode : 0600;
		if (XW(cfg).file_gid >= 0 && fchown(fd, (uid_t) -1, (gid_t) XW(cfg).file_gid) != 0) {
			php_mm_export_warn(path, "cannot be given to group %ld (zend.mm_observe_file_group: %s); it stays mode 0600",
				(long) XW(cfg).file_gid, strerror(errno));
			mode = 0600;
		}
		if (mode != 0600 && fchmod(fd, (mode_t) mode) != 0) {
			php_mm_export_warn(path, "cannot be given mode %04o (zend.mm_observe_file_mode: %s); it stays 0600", mode, strerror(errno));
		}
		close(fd);
		return true;
	}
	if (errno == EEXIST) {
		return true; /* created by a concurrent writer meanwhile: checked as any existing file */
	}
	php_mm_export_warn(path, "cannot be created (%s)", strerror(errno));
	return false;
}

bool php_mm_export_open_db(const char *path, int wait_ms)
{
	struct stat st;

	php_mm_export_close();
	if (!php_mm_export_check_path(path) || !php_mm_export_create_private(path)) {
		return false;
	}
	XS(path) = strdup(path);
	if (!XS(path)) {
		return false;
	}
	int flags = SQLITE_OPEN_READWRITE;
#ifdef SQLITE_OPEN_NOFOLLOW
	flags |= SQLITE_OPEN_NOFOLLOW;
#endif
	if (sqlite3_open_v2(path, &XS(db), flags, NULL) != SQLITE_OK) {
		php_mm_export_warn(path, "cannot be opened (%s)", XS(db) ? sqlite3_errmsg(XS(db)) : "out of memory");
		php_mm_export_close();
		return false;
	}
	/* No lookaside: it would take ~120 KiB of the observed process for
	 * the few statements a drain runs (the memory goal of issue 15). */
	sqlite3_db_config(XS(db), SQLITE_DBCONFIG_LOOKASIDE, NULL, 0, 0);
	/* Views and triggers in a file are data, not code we run: no SQL
	 * function with side effects from the schema. */
	sqlite3_exec(XS(db), "PRAGMA trusted_schema = OFF", NULL, NULL, NULL);
	/* Creating or upgrading the schema happens once per database and is
	 * worth a wait; nothing else is (invariant 5). */
	sqlite3_busy_timeout(XS(db), PHP_MM_EXPORT_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(XS(db), 0);
	if (!php_mm_export_adopt()) {
		php_mm_export_close();
		return false;
	}
	/* Many writers (FPM workers, run-tests -j) share one database: WAL lets
	 * readers run beside the one writer, and each flush is one short
	 * transaction.  Persistent in the file; a no-op once set. */
	sqlite3_busy_timeout(XS(db), wait_ms);
	sqlite3_exec(XS(db), "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	/* In WAL mode NORMAL never corrupts the database; a power cut may lose
	 * the last transactions, which the ring file keeps anyway.  FULL would
	 * fsync at every drain. */
	sqlite3_exec(XS(db), "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
	if (stat(path, &st) == 0) {
		XS(dev) = st.st_dev;
		XS(ino) = st.st_ino;
		/* A database its group may read (zend.mm_observe_file_mode): keep
		 * the -wal and -shm files when the last writer closes it.  A reader
		 * without write access to the directory can open a WAL database
		 * only when they exist (SQLite's read-only WAL, 3.22+); they take
		 * the database's mode. */
		if (st.st_mode & 0040) {
			int persist = 1;
			sqlite3_file_control(XS(db), "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
		}
	}
	XS(pid) = getpid();
	return true;
}

/* Whether the database file we opened is still the one at its path: one
 * deleted (or replaced) mid-run would swallow the run into an unlinked
 * inode (XS(error) says so). */
bool php_mm_export_db_linked(void)
{
	struct stat st;

	if (stat(XS(path), &st) == 0 && st.st_dev == XS(dev) && st.st_ino == XS(ino) && st.st_nlink > 0) {
		return true;
	}
	snprintf(XS(error), sizeof(XS(error)), "the database file was deleted or replaced during the run");
	return false;
}
