/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: rings left by dead processes                    |
   +----------------------------------------------------------------------+

   A process killed while recording (SIGKILL, a segfault, the OOM killer)
   or unable to write its run leaves its ring file next to the database,
   <database>.<pid>.mmring.  php --mm-import imports one; every observed
   process imports the orphans next to its database once (the scan).

   Invariants
   ----------
   1. Everything read from a ring file is hostile until checked: the ring
      module reads and validates it into private memory
      (zend_mm_observe_ring_read_open()), only files owned by the
      effective uid with no group or other permission bits are read, every
      counter is clamped into SQLite's INTEGER range, and no path is taken
      from it (the database is named by the file's name or by the user).
   2. A ring merges into a run row only when the row carries the ring's
      run_token and pid (the ring proves it owns the run); otherwise its
      run is a new row, status 'crashed' (or the status it was to get).
   3. The file is removed only after its import is committed; the lock
      (LOCK_EX|LOCK_NB) keeps a live writer's ring and a concurrent
      importer's away.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php_mm_export_int.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <sys/file.h>
#include <sys/param.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* What an import works with once the ring is read, locked, and its
 * database open. */
typedef struct {
	const char *ring;
	const zend_mm_observe_ring_view *v;
	const zend_mm_observe_ring_header *hdr;
	php_mm_export_strmap m;
	php_mm_export_drain d;
	php_mm_agg fold;           /* a dead worker's aggregates died with it: rebuilt from its records */
	char *msg;
	size_t msg_len;
	bool *ignorable;
} php_mm_export_importing;

/* Reads and locks the ring, and opens its database unless one is open:
 * SUCCESS, or FAILURE with the message set (*result: 0 when there was
 * nothing to import, -1 on error). */
static zend_result php_mm_export_import_open(zend_mm_observe_ring_reader *r, const char *ring, const char *db_override,
	char **db, char *msg, size_t msg_len, bool *ignorable, sqlite3_int64 *result)
{
	char why[512];

	*result = -1;
	if (zend_mm_observe_ring_read_open(r, ring,
			ZEND_MM_OBSERVE_RING_READ_OWN | ZEND_MM_OBSERVE_RING_READ_EVENTS, why, sizeof(why)) == FAILURE) {
		struct stat st;
		*ignorable = lstat(ring, &st) != 0 && errno == ENOENT;
		php_mm_export_msg(msg, msg_len, "'%s' %s", ring, why);
		return FAILURE;
	}
	const zend_mm_observe_ring_header *hdr = r->view.hdr;
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_FLOCK) || flock(r->fd, LOCK_EX | LOCK_NB) != 0) {
		*ignorable = true;
		php_mm_export_msg(msg, msg_len, "'%s' is locked: it belongs to a running process (pid %d; watch it with php --mm-top %d) or is being imported",
			ring, (int) hdr->pid, (int) hdr->pid);
		return FAILURE;
	}
	if (hdr->writer_state == ZEND_MM_OBSERVE_RING_EXPORTED) {
		php_mm_export_msg(msg, msg_len, "'%s' was already written to its database; removed", ring);
		unlink(ring);
		*result = 0;
		return FAILURE;
	}
	if (!XS(db)) {
		*db = db_override ? strdup(db_override) : php_mm_export_db_of_ring(ring);
		if (!*db) {
			php_mm_export_msg(msg, msg_len, "'%s' is not named <database>.<pid>" ZEND_MM_OBSERVE_RING_SUFFIX
				"; give its database: php --mm-import RING DATABASE", ring);
			return FAILURE;
		}
		XS(quiet) = false;
		if (!php_mm_export_open_db(*db, PHP_MM_EXPORT_BUSY_TIMEOUT_MS)) {
			php_mm_export_msg(msg, msg_len, "'%s': its database '%s' cannot be used (see above)", ring, *db);
			return FAILURE;
		}
	}
	return SUCCESS;
}

/* The run row this ring owns: the one whose ring_token is the ring's
 * (invariant 2), written by the ring's pid; 0 for a new run.  *done: that
 * row is complete already.  A ring never names the row it merges into by
 * run_id or pid alone. */
static sqlite3_int64 php_mm_export_import_owner(const zend_mm_observe_ring_header *hdr, bool *done)
{
	sqlite3_stmt *q = NULL;
	sqlite3_int64 owner = 0;

	*done = false;
	if (hdr->run_token && sqlite3_prepare_v2(XS(db), "SELECT run_id, status, pid FROM mm_runs WHERE ring_token = ?1 ORDER BY run_id LIMIT 1",
			-1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, (sqlite3_int64) hdr->run_token);
		if (php_mm_export_step(q) == SQLITE_ROW && sqlite3_column_int64(q, 2) == hdr->pid) {
			const char *status = (const char *) sqlite3_column_text(q, 1);
			*done = !status || strcmp(status, "running") != 0;
			owner = sqlite3_column_int64(q, 0);
		}
	}
	sqlite3_finalize(q);
	return owner;
}

/* A worker that died between two requests: only request summaries (and
 * the aggregates they make) to import. */
static sqlite3_int64 php_mm_export_import_summaries(php_mm_export_importing *im)
{
	uint64_t end = 0;

	XS(run_id) = 0;
	if (!php_mm_export_write_events(&im->m, im->v, 0, &end, &im->d)
			|| !php_mm_export_write_agg(&im->m, NULL, &im->fold)
			|| !php_mm_export_txn("COMMIT")) {
		*im->ignorable = php_mm_export_note_error(0);
		php_mm_export_msg(im->msg, im->msg_len, "'%s': cannot write to '%s' (%s)", im->ring, XS(path), XS(error));
		sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	unlink(im->ring);
	php_mm_export_msg(im->msg, im->msg_len, "imported %llu request summaries of process %d from '%s' into '%s'%s",
		(unsigned long long) im->d.requests, (int) im->hdr->pid, im->ring, XS(path),
		im->d.torn ? " (the last record torn and skipped)" : "");
	return 0;
}

/* The status a ring's run gets: a request that ended but could not be
 * written keeps the one it was to get; anything else died recording. */
static const char *php_mm_export_import_status(const zend_mm_observe_ring_header *hdr)
{
	if (hdr->writer_state == ZEND_MM_OBSERVE_RING_ENDED && hdr->final_status[0]) {
		XS(script_ended) = true;
		XS(exit_status) = hdr->exit_status;
		for (uint8_t s = ZEND_MM_OBSERVE_STATUS_OK; s <= ZEND_MM_OBSERVE_STATUS_OOM; s++) {
			if (strcmp(hdr->final_status, zend_mm_observe_status_name(s)) == 0) {
				return zend_mm_observe_status_name(s);
			}
		}
	}
	return "crashed";
}

/* The run of a process that died while recording (or could not write it):
 * merged into its row, or a new one. */
static sqlite3_int64 php_mm_export_import_run(php_mm_export_importing *im, sqlite3_int64 owner)
{
	const zend_mm_observe_ring_view *v = im->v;
	const zend_mm_observe_ring_header *hdr = im->hdr;
	zend_mm_observe_run run = hdr->run;

	XS(run_id) = owner ? owner : php_mm_export_insert_run(hdr, false, NULL);
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
	/* The last sign of life: the heartbeat (stamped while the process
	 * allocated; one from the future is a crafted file's, ignored), else
	 * the last flush; the records can say later (write_events). */
	uint64_t alive = hdr->heartbeat_ns <= php_mm_export_now_ns() ? MAX(hdr->updated_ns, hdr->heartbeat_ns) : hdr->updated_ns;
	im->d.last_ns = alive > run.started_ns ? alive - run.started_ns : 0;
	run.usage_end = (size_t) usage;
	run.site_count = v->site_count;
	const char *status = php_mm_export_import_status(hdr);
	uint64_t end = 0;
	XS(detail) = zend_mm_observe_detail_name(hdr->worker ? ZEND_MM_OBSERVE_DETAIL_ERROR : ZEND_MM_OBSERVE_DETAIL_ALL);
	bool ok = XS(run_id) != 0 && php_mm_export_write_events(&im->m, v, 0, &end, &im->d) && php_mm_export_write_sites(&im->m, v)
		&& php_mm_export_write_paths(&im->m, v);
	if (ok) {
		run.ended_ns = im->d.last_ns <= UINT64_MAX - run.started_ns ? run.started_ns + im->d.last_ns : run.started_ns;
		run.duration_ns = im->d.last_ns;
		run.peak_usage = MAX(im->d.peak, run.usage_end);
		if (hdr->worker) {
			/* The request it died in counts in its endpoint, as an error. */
			zend_mm_observe_request_event e;
			memset(&e, 0, sizeof(e));
			e.started_ns = run.started_ns;
			e.duration_ns = im->d.last_ns;
			e.peak_usage = run.peak_usage;
			e.status = ZEND_MM_OBSERVE_STATUS_ERROR;
			e.detail = ZEND_MM_OBSERVE_DETAIL_ERROR;
			php_mm_agg_request(&im->fold, php_mm_agg_window(e.started_ns, (uint32_t) XW(cfg).window), &e,
				hdr->method, strnlen(hdr->method, sizeof(hdr->method)), hdr->uri, strnlen(hdr->uri, sizeof(hdr->uri)));
		}
		ok = php_mm_export_write_agg(&im->m, NULL, &im->fold)
			&& php_mm_export_write_oom(&run)
			&& php_mm_export_write_run(v, &run, status, &im->d, true)
			&& php_mm_export_txn("COMMIT");
	}
	if (!ok) {
		*im->ignorable = php_mm_export_note_error(0);
		php_mm_export_msg(im->msg, im->msg_len, "'%s': cannot write to '%s' (%s)", im->ring, XS(path), XS(error));
		sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (unlink(im->ring) != 0) {
		php_mm_export_msg(im->msg, im->msg_len, "imported the ring of process %d into run %lld of '%s', but it cannot be removed (%s)",
			(int) hdr->pid, (long long) XS(run_id), XS(path), strerror(errno));
	} else {
		php_mm_export_msg(im->msg, im->msg_len, "imported the ring of process %d into run %lld of '%s' (%llu records%s, %u sites)",
			(int) hdr->pid, (long long) XS(run_id), XS(path), (unsigned long long) im->d.events,
			im->d.torn ? ", the last one torn and skipped" : "", v->site_count);
	}
	return XS(run_id);
}

/* Imports the ring at `ring` into the database (the open XS(db), or the one
 * it belongs to).  Returns the run id, 0 when there was nothing to import
 * (msg says why), -1 on error (msg says exactly why; the file is left as it
 * was).  *ignorable: the failure is one a concurrent importer causes (the
 * file went, its lock is held, the database is busy): the orphan scan says
 * nothing then. */
static sqlite3_int64 php_mm_export_import_ring(const char *ring, const char *db_override, char *msg, size_t msg_len,
	bool *ignorable)
{
	zend_mm_observe_ring_reader r;
	sqlite3_int64 result = -1;
	char *db = NULL;

	*ignorable = false;
	if (php_mm_export_import_open(&r, ring, db_override, &db, msg, msg_len, ignorable, &result) == FAILURE) {
		free(db);
		zend_mm_observe_ring_read_close(&r);
		return result;
	}
	php_mm_export_importing im = { .ring = ring, .v = &r.view, .hdr = r.view.hdr, .msg = msg, .msg_len = msg_len,
		.ignorable = ignorable };
	im.d.fold = &im.fold;
	im.d.own_from = im.hdr->request_head;
	if (!php_mm_export_strmap_init(&im.m) || !php_mm_export_txn("BEGIN IMMEDIATE")) {
		*ignorable = php_mm_export_note_error(0);
		php_mm_export_msg(msg, msg_len, "'%s': cannot write to '%s' (%s)", ring, XS(path), XS(error));
	} else {
		bool done;
		sqlite3_int64 owner = php_mm_export_import_owner(im.hdr, &done);
		if (im.hdr->writer_state == ZEND_MM_OBSERVE_RING_IDLE) {
			result = php_mm_export_import_summaries(&im);
		} else if (done) {
			sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
			php_mm_export_msg(msg, msg_len, "'%s': run %lld is already complete in '%s'; removed the ring",
				ring, (long long) owner, XS(path));
			unlink(ring);
			result = 0;
		} else {
			result = php_mm_export_import_run(&im, owner);
		}
	}
	php_mm_agg_free(&im.fold);
	php_mm_export_strmap_release(&im.m);
	free(db);
	zend_mm_observe_ring_read_close(&r);
	return result;
}

int64_t php_mm_export_import(const char *ring, const char *db, char *msg, size_t msg_len)
{
	bool ignorable;
	sqlite3_int64 r = php_mm_export_import_ring(ring, db, msg, msg_len, &ignorable);
	php_mm_export_close();
	return r;
}

/* Rings of dead processes next to the database (<path>.<pid>.mmring whose
 * lock nobody holds, owned by us): import each.  Runs at request start
 * with the request's wait (none): a ring it cannot import now stays for
 * the next scan.  Quiet about what another scanner or user causes. */
void php_mm_export_import_orphans(void)
{
	char *copy = strdup(XS(path));
	char *copy2 = strdup(XS(path));
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
	sqlite3_int64 own = XS(run_id);

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
		/* Another user's file is theirs to import (invariant 1); one
		 * gone meanwhile was imported by a concurrent scanner. */
		if (lstat(ring, &st) != 0 || (S_ISREG(st.st_mode) && st.st_uid != geteuid())) {
			continue;
		}
		/* Quiet when it works: this request's stderr belongs to its script
		 * (the run shows imported_at); a ring that cannot be imported is
		 * worth a line. */
		bool ignorable;
		if (php_mm_export_import_ring(ring, NULL, msg, sizeof(msg), &ignorable) < 0 && !ignorable) {
			fprintf(stderr, "Warning: mm_observe: %s\n", msg);
			fflush(stderr);
		}
	}
	if (d) {
		closedir(d);
	}
	XS(run_id) = own;
	XS(script_ended) = false;
	XS(exit_status) = 0;
	free(copy);
	free(copy2);
}
