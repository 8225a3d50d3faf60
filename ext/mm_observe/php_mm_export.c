/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: the life of a run                               |
   +----------------------------------------------------------------------+

   From module RINIT to the engine's exporter callback: the database is
   opened (php_mm_export_schema.c), the ring file made, the run row
   inserted; the ring is drained when the script or a full ring asks; at
   the end the run is written (php_mm_export_write.c) and the ring file
   removed, or kept for an importer when it cannot be written
   (php_mm_export_import.c).  Worker mode (php-fpm and every SAPI but the
   CLI, phpdbg and embed) keeps the database, the ring and the site table
   for the life of the process: each request leaves a summary record, the
   requests that matter (php_mm_export_detail_reason()) also their detail,
   and drains write the summaries with the per-endpoint aggregates
   (php_mm_export_agg.c).  The file list and the shared state are in
   php_mm_export_int.h.

   Invariants
   ----------
   (1, the database we write, is php_mm_export_schema.c's.)
   2. The ring file exists before the run row: the row is inserted after
      the ring is made (or, if another process holds the write lock, in the
      first transaction that gets it), with the ring's random run_token.
      So a kill at any point leaves a ring that imports (merging into its
      row when there is one), and an importer merges a ring into a row only
      when their tokens match (the ring proves it owns the run).  A run's
      sites are written in the same transaction as its row, at every drain
      and at its end, so a reader sees them all or not at all.
   3. Nothing here allocates through ZendMM after php_mm_export_open()
      returns: php_mm_export_finish() runs while the heap is shut down.
   4. Σ(alloc_bytes − free_bytes) over a run's sites equals
      usage_end − usage_start of its mm_runs row when zend_mm = 1
      (zend_mm_observe.c, invariant 4); the tests check it.
   5. An observed request never waits for another process's lock but at
      its end and at the drains its script asks for, and then briefly
      (PHP_MM_EXPORT_SHORT_WAIT_MS): what cannot be written stays in the
      ring, drained later or imported by the next process.
   6. Everything read from a ring file is hostile until checked
      (php_mm_export_import.c, invariant 1).
   7. Worker mode: per endpoint and window, the aggregates in the database
      are the sums of the summary rows of its requests: both are written
      in the same transaction, from the same REQUEST records.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php_mm_export_int.h"
#include "ext/random/php_random_csprng.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/param.h>
#include <syslog.h>
#include <unistd.h>

php_mm_export_db php_mm_export_db_state;
php_mm_export_worker php_mm_export_worker_state;

static zend_result php_mm_export_open_worker(const char *given, const php_mm_export_run_meta *meta);
/* One line on stderr: never through the output layer (it may be gone, and
 * the script's own output must stay byte-identical). */
void php_mm_export_warn(const char *path, const char *fmt, ...)
{
	va_list ap;

	if (XW(cfg).worker && !XS(quiet)) {
		/* Worker mode: through PHP's error log (the FPM error log by
		 * default), once per process and message, at the next point
		 * where it may run (php_mm_export_log_flush). */
		char msg[PHP_MM_EXPORT_LOG_LINE];
		int n = snprintf(msg, sizeof(msg), "mm_observe: report database '%s': ", path);
		va_start(ap, fmt);
		if (n >= 0 && (size_t) n < sizeof(msg)) {
			vsnprintf(msg + n, sizeof(msg) - (size_t) n, fmt, ap);
		}
		va_end(ap);
		uint32_t h = php_mm_hash_bytes(PHP_MM_HASH_SEED, msg, strlen(msg));
		for (uint32_t i = 0; i < XW(logged_count); i++) {
			if (XW(logged)[i] == h) {
				return;
			}
		}
		if (XW(logged_count) < PHP_MM_EXPORT_LOG_MAX && XW(pending_count) < PHP_MM_EXPORT_LOG_PENDING) {
			XW(logged)[XW(logged_count)++] = h;
			memcpy(XW(pending)[XW(pending_count)++], msg, sizeof(msg));
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
	for (uint32_t i = 0; i < XW(pending_count); i++) {
		int fd = -1;
		if (!PG(error_log) && zend_mm_observe_log_file && zend_mm_observe_log_file[0] == '/') {
			fd = open(zend_mm_observe_log_file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0) {
			php_log_err_with_severity(XW(pending)[i], LOG_WARNING);
			continue;
		}
		/* The SAPI's log (php-fpm's error_log), in its own line format. */
		char line[1024], when[64];
		time_t now = time(NULL);
		struct tm tm;
		if (!localtime_r(&now, &tm) || !strftime(when, sizeof(when), "%d-%b-%Y %H:%M:%S", &tm)) {
			when[0] = '\0';
		}
		int n = snprintf(line, sizeof(line), "[%s] WARNING: [pid %ld] %s\n", when, (long) getpid(), XW(pending)[i]);
		if (n > 0) {
			ssize_t w = write(fd, line, MIN((size_t) n, sizeof(line) - 1));
			(void) w;
		}
		close(fd);
	}
	XW(pending_count) = 0;
}

/* src into dst[len], cut and always terminated (once per request in
 * worker mode: no formatting). */
static void php_mm_export_copy(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;
	memcpy(dst, src ? src : "", n);
	dst[n] = '\0';
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
	php_mm_export_copy(hdr->args, sizeof(hdr->args), meta->args ? meta->args : "");
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

/* The orphans next to the open database, imported once per process and
 * database: a worker serving thousands of requests looks at its directory
 * on its first request only. */
static void php_mm_export_scan_once(const char *path)
{
	if (!XW(scanned) || strcmp(XW(scanned), path) != 0) {
		free(XW(scanned));
		XW(scanned) = strdup(path);
		php_mm_export_import_orphans();
	}
}

zend_result php_mm_export_open(const char *given, const php_mm_export_run_meta *meta)
{
	if (XW(cfg).worker) {
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
	php_mm_export_scan_once(path);
	XS(max_runs) = meta->max_runs;
	XS(full_shutdown) = meta->full_shutdown;

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
	XS(detail) = "all";

	/* Then the row, if the lock is free right now; else the first drain
	 * that gets it inserts it (invariant 5). */
	XS(run_id) = php_mm_export_insert_run(hdr, XS(full_shutdown), zend_mm_observe_ring_path());
	hdr->run_id = XS(run_id);
	return SUCCESS;
}

void php_mm_export_script_ended(bool fatal_error, int exit_status, int http_status)
{
	XS(script_ended) = true;
	XS(fatal_error) = fatal_error;
	XS(exit_status) = exit_status;
	XS(http_status) = http_status > 0 && http_status < 1000 ? (uint16_t) http_status : 0;
}

void php_mm_export_abort(void)
{
	php_mm_export_close();
}

/* "PATH run N", for the error log line of a memory error (mm_observe.c). */
const char *php_mm_export_describe(void)
{
	static char where[MAXPATHLEN + 64];

	if (!XS(db) || !XS(path)) {
		return NULL;
	}
	/* XS(path) is absolute (resolved at request start). */
	if (XS(run_id)) {
		snprintf(where, sizeof(where), "%s run %lld", XS(path), (long long) XS(run_id));
	} else {
		snprintf(where, sizeof(where), "%s (run not yet written)", XS(path));
	}
	return where;
}

/* A forked child (pcntl_fork) inherits the parent's connection: SQLite
 * forbids using it across fork(), even to close it.  Forget it. */
static bool php_mm_export_forked(void)
{
	if (XS(db) && UNEXPECTED(zend_mm_observe_getpid() != XS(pid))) {
		XS(db) = NULL;
		memset(&XS(strs), 0, sizeof(XS(strs)));
		free(XS(path));
		XS(path) = NULL;
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
	if (!XS(db) || php_mm_export_forked() || !zend_mm_observe_active) {
		return false;
	}
	zend_hrtime_t t0 = zend_hrtime();
	zend_mm_observe_ring_view_live(&v);
	zend_mm_observe_ring_header *hdr = v.hdr;
	/* The counters as of now; usage and peak for the row. */
	zend_mm_observe_run run = *zend_mm_observe_run_info();
	int wait = reason == ZEND_MM_OBSERVE_FLUSH_HIGH_WATER ? PHP_MM_EXPORT_REQUEST_WAIT_MS : PHP_MM_EXPORT_SHORT_WAIT_MS;
	bool ok = php_mm_export_write(&XS(strs), &v, &run, "running", snapshot_now, wait, &busy, &d);
	zend_hrtime_t t1 = zend_hrtime();
	if (!ok) {
		/* Another writer holds the lock: the records wait in the ring for
		 * the next drain, quietly (invariant 5).  Anything else is said
		 * once per request. */
		if ((!busy || wait) && !XS(gone_warned)) {
			XS(gone_warned) = true;
			if (XS(run_id)) {
				php_mm_export_warn(XS(path), "cannot write run %lld (%s); its records stay in the ring",
					(long long) XS(run_id), XS(error));
			} else {
				php_mm_export_warn(XS(path), "cannot write the run (%s); its records stay in the ring", XS(error));
			}
		}
		return false;
	}
	zend_mm_observe_flush_event f = {0};
	f.seq = ++hdr->flushes;
	f.t_ns = t0 - zend_mm_observe_started_hr();
	f.duration_ns = t1 - t0;
	f.events = d.events;
	f.reason = (uint32_t) reason;
	hdr->flush_ns += f.duration_ns;
	hdr->flush_ns_max = MAX(hdr->flush_ns_max, f.duration_ns);
	hdr->updated_ns = php_mm_export_now_ns();
	zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_FLUSH, &f, sizeof(f), NULL, 0);
	return true;
}

void php_mm_export_configure(const php_mm_export_settings *settings)
{
	XW(cfg) = *settings;
	if (XW(cfg).window <= 0) {
		XW(cfg).window = PHP_MM_EXPORT_WINDOW_DEFAULT;
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
		php_mm_agg_clear(&XW(agg));
	}
	if (!XS(db) || strcmp(XS(path), path) != 0) {
		uint64_t now = php_mm_export_now_ns();
		if (now < XW(retry_ns)) {
			/* Failed a moment ago (and said so): no syscalls per request. */
			free(path);
			return FAILURE;
		}
		if (XS(db)) {
			/* Another database than the last request's: what the ring
			 * holds goes to the old one first. */
			php_mm_export_shutdown();
		}
		if (!php_mm_export_open_db(path, PHP_MM_EXPORT_REQUEST_WAIT_MS)) {
			XW(retry_ns) = now + PHP_MM_EXPORT_RETRY_NS;
			free(path);
			return FAILURE;
		}
		XW(retry_ns) = 0;
		XW(last_drain_ns) = now;
		if (XW(cfg).max_db_size > 0) {
			/* The WAL counts against the budget too: checkpoint it at a
			 * quarter of the budget and truncate it back afterwards. */
			char sql[128];
			sqlite3_int64 wal = MIN(XW(cfg).max_db_size / 4, (sqlite3_int64) 64 * 1024 * 1024);
			snprintf(sql, sizeof(sql), "PRAGMA journal_size_limit = %lld; PRAGMA wal_autocheckpoint = %lld",
				(long long) wal, (long long) MAX(wal / 4096, 16));
			sqlite3_exec(XS(db), sql, NULL, NULL, NULL);
		}
		php_mm_export_scan_once(path);
		uint64_t base = 0;
		while (!base) {
			if (php_random_bytes_silent(&base, sizeof(base)) == FAILURE) {
				base = now ^ ((uint64_t) getpid() << 32);
			}
		}
		XW(token_base) = base & ~(1ull << 63);
	}
	XS(max_runs) = meta->max_runs;
	XS(full_shutdown) = meta->full_shutdown;
	XS(run_id) = 0;
	XS(script_ended) = false;
	XS(fatal_error) = false;
	XS(exit_status) = 0;
	XS(http_status) = 0;
	XS(gone_warned) = false;
	XS(detail) = NULL;
	hdr->run_token = XW(token_base) + hdr->run.seq;
	php_mm_export_describe_run(hdr, path, meta);
	if (!zend_mm_observe_ring_is_file() && !XW(ring_failed)) {
		XW(ring_failed) = !php_mm_export_make_ring(path);
	}
	free(path);
	return SUCCESS;
}

/* Why this request keeps its per-site detail (ZEND_MM_OBSERVE_DETAIL_*). */
static uint8_t php_mm_export_detail_reason(const zend_mm_observe_run *run, uint8_t status, uint64_t duration_ns)
{
	if (XW(cfg).detail_all) {
		return ZEND_MM_OBSERVE_DETAIL_ALL;
	}
	if (XS(run_id)) {
		return ZEND_MM_OBSERVE_DETAIL_FLUSHED;
	}
	if (status == ZEND_MM_OBSERVE_STATUS_OOM) {
		return ZEND_MM_OBSERVE_DETAIL_OOM;
	}
	if (status == ZEND_MM_OBSERVE_STATUS_ERROR) {
		return ZEND_MM_OBSERVE_DETAIL_ERROR;
	}
	if (XW(cfg).detail_peak > 0 && run->peak_usage >= (uint64_t) XW(cfg).detail_peak) {
		return ZEND_MM_OBSERVE_DETAIL_PEAK;
	}
	if (XW(cfg).detail_ms > 0 && duration_ns >= (uint64_t) XW(cfg).detail_ms * 1000000u) {
		return ZEND_MM_OBSERVE_DETAIL_SLOW;
	}
	if (XW(cfg).detail_every > 0 && (run->seq - 1) % (uint64_t) XW(cfg).detail_every == 0) {
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

	if (!XS(db) || !zend_mm_observe_ring_pending()) {
		return true;
	}
	XS(error)[0] = '\0';
	XS(faulted) = false;
	if (!php_mm_export_db_linked()) {
		php_mm_export_warn(XS(path), "cannot write request summaries (%s); they stay in the ring", XS(error));
		return false;
	}
	if (!php_mm_export_strmap_init(&XS(strs))) {
		return false;
	}
	zend_mm_observe_ring_view_live(&v);
	sqlite3_busy_timeout(XS(db), wait_ms);
	bool ok = php_mm_export_txn("BEGIN IMMEDIATE");
	if (ok) {
		/* Between requests nothing but REQUEST records is anybody's. */
		XS(run_id) = 0;
		d.own_from = UINT64_MAX;
		ok = php_mm_export_write_events(&XS(strs), &v, 0, &end, &d)
			&& php_mm_export_write_agg(&XS(strs), &v, &XW(agg))
			&& php_mm_export_txn("COMMIT");
		if (!ok) {
			bool busy = php_mm_export_note_error(wait_ms);
			sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
			php_mm_export_strmap_forget(&XS(strs));
			if (!busy || wait_ms) {
				php_mm_export_warn(XS(path), "cannot write request summaries (%s); they stay in the ring", XS(error));
			}
			return false;
		}
	} else {
		if (!php_mm_export_note_error(wait_ms) || wait_ms) {
			php_mm_export_warn(XS(path), "cannot write request summaries (%s); they stay in the ring", XS(error));
		}
		return false;
	}
	zend_mm_observe_ring_write_tail(v.hdr, end);
	php_mm_agg_clear(&XW(agg));
	XW(last_drain_ns) = php_mm_export_now_ns();
	XW(writes)++;
	return true;
}

/* The REQUEST record of the request that just ended (worker mode), with
 * its method, URI and script in `strs`; returns their length. */
static uint32_t php_mm_export_request_record(zend_mm_observe_request_event *e, char *strs, const zend_mm_observe_run *run,
	uint8_t status, uint8_t detail)
{
	const zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();

	memset(e, 0, sizeof(*e));
	e->seq = run->seq;
	e->token = hdr->run_token;
	e->started_ns = run->started_ns;
	e->duration_ns = run->duration_ns;
	e->usage_start = run->usage_start;
	e->usage_end = run->usage_end;
	e->peak_usage = run->peak_usage;
	e->alloc_count = run->alloc_count;
	e->alloc_bytes = run->alloc_bytes;
	e->end_live_bytes = run->end_live_bytes;
	e->gc_passes = run->gc_passes;
	e->gc_ns = run->gc_ns;
	e->site_count = run->site_count;
	e->exit_status = XS(script_ended) ? XS(exit_status) : EG(exit_status);
	e->http_status = XS(http_status);
	e->status = status;
	e->detail = detail;
	e->script_ended = run->script_ended;
	e->zend_mm = run->zend_mm_heap;
	e->method_len = (uint16_t) strnlen(hdr->method, sizeof(hdr->method) - 1);
	e->uri_len = (uint16_t) strnlen(hdr->uri, sizeof(hdr->uri) - 1);
	e->script_len = (uint16_t) strnlen(hdr->script, sizeof(hdr->script) - 1);
	memcpy(strs, hdr->method, e->method_len);
	memcpy(strs + e->method_len, hdr->uri, e->uri_len);
	memcpy(strs + e->method_len + e->uri_len, hdr->script, e->script_len);
	return (uint32_t) e->method_len + e->uri_len + e->script_len;
}

/* The end of a worker's request (the exporter callback; ZendMM is shut
 * down, only malloc here).  The summary into the ring, the request into
 * the aggregates, its detail into the database when it matters; a drain
 * when one is due. */
static void php_mm_export_finish_worker(const zend_mm_observe_run *run)
{
	zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
	uint8_t status = run->oom.happened ? ZEND_MM_OBSERVE_STATUS_OOM
		: run->unclean_shutdown || XS(fatal_error) ? ZEND_MM_OBSERVE_STATUS_ERROR : ZEND_MM_OBSERVE_STATUS_OK;
	uint64_t duration = run->duration_ns;
	uint8_t detail = php_mm_export_detail_reason(run, status, duration);

	if (!detail && !zend_mm_observe_ring_rewind()) {
		detail = ZEND_MM_OBSERVE_DETAIL_FLUSHED; /* a drain took some of its records */
	}

	zend_mm_observe_request_event e;
	char strs[sizeof(hdr->method) + sizeof(hdr->uri) + sizeof(hdr->script)];
	uint32_t strs_len = php_mm_export_request_record(&e, strs, run, status, detail);
	bool pushed = zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_REQUEST, &e, sizeof(e), strs, strs_len);
	if (!pushed && php_mm_export_drain_worker(PHP_MM_EXPORT_SHORT_WAIT_MS)) {
		pushed = zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_REQUEST, &e, sizeof(e), strs, strs_len);
	}
	if (pushed) {
		/* The aggregates follow the ring's REQUEST records exactly. */
		int32_t ep = php_mm_agg_request(&XW(agg), php_mm_agg_window(e.started_ns, (uint32_t) XW(cfg).window), &e,
			hdr->method, e.method_len, hdr->uri, e.uri_len);
		uint32_t count, n;
		const zend_mm_observe_site *sites = zend_mm_observe_sites(&count);
		const uint32_t *touched = zend_mm_observe_touched(&n);
		/* touched[0] is {unobserved}: what was live before the request. */
		for (uint32_t k = 1; ep >= 0 && touched && k < n; k++) {
			php_mm_agg_site_add(&XW(agg), ep, touched[k], &sites[touched[k]]);
		}
	} else {
		XW(lost)++;
		php_mm_export_warn(XS(path), "the ring is full and the database cannot take its records (%s): request summaries are being lost",
			XS(error));
	}

	uint64_t now = php_mm_export_now_ns();
	if (detail) {
		php_mm_export_drain d = {0};
		zend_mm_observe_ring_view v;
		bool busy;
		XS(detail) = zend_mm_observe_detail_name(detail);
		zend_mm_observe_ring_view_live(&v);
		if (php_mm_export_write(&XS(strs), &v, run, zend_mm_observe_status_name(status), 0, PHP_MM_EXPORT_SHORT_WAIT_MS, &busy, &d)) {
			XW(last_drain_ns) = now;
			XW(writes)++;
		} else {
			php_mm_export_warn(XS(path), "cannot write the detail of a request (%s); its summary stays in the ring", XS(error));
		}
	} else if (now - XW(last_drain_ns) >= (uint64_t) XW(cfg).drain_ms * 1000000u
			|| zend_mm_observe_ring_pending() >= ZEND_MM_OBSERVE_RING_HIGH_WATER(hdr->events_size)
			|| XW(agg).site_count >= PHP_MM_AGG_SITES_MAX / 2) {
		if (!php_mm_export_drain_worker(PHP_MM_EXPORT_REQUEST_WAIT_MS)) {
			/* Busy: try again after the next request, not after the next interval. */
		}
	}
	if (XW(cfg).max_db_size > 0 && XW(writes) && (XW(over_budget) || XW(writes) >= MAX(XW(budget_every), 1)
			|| now - XW(last_budget_ns) >= PHP_MM_EXPORT_BUDGET_NS)) {
		php_mm_export_budget();
	}
	XS(run_id) = 0;
	hdr->run_id = 0;
}

void php_mm_export_shutdown(void)
{
	if (!XW(cfg).worker) {
		return;
	}
	if (XS(db) && !php_mm_export_forked()) {
		if (php_mm_export_drain_worker(PHP_MM_EXPORT_SHORT_WAIT_MS) && !zend_mm_observe_ring_pending()) {
			if (XW(writes)) {
				php_mm_export_budget();
			}
			zend_mm_observe_ring_remove();
		} else if (zend_mm_observe_ring_is_file()) {
			php_mm_export_warn(XS(path), "the summaries of this worker's last requests stay in '%s' (%s): the next"
				" observed process imports them", zend_mm_observe_ring_path(), XS(error));
			zend_mm_observe_ring_keep();
		}
	}
	php_mm_export_close();
	php_mm_agg_clear(&XW(agg));
	php_mm_export_log_flush();
}

void php_mm_export_finish(const zend_mm_observe_run *run)
{
	php_mm_export_drain d = {0};
	zend_mm_observe_ring_view v;
	bool busy;

	if (!XS(db) || php_mm_export_forked()) {
		return;
	}
	if (XW(cfg).worker) {
		php_mm_export_finish_worker(run);
		return;
	}
	zend_mm_observe_ring_view_live(&v);
	const char *status = run->oom.happened ? "oom" : run->unclean_shutdown || XS(fatal_error) ? "error" : "ok";
	if (php_mm_export_write(&XS(strs), &v, run, status, 0, PHP_MM_EXPORT_SHORT_WAIT_MS, &busy, &d)) {
		zend_mm_observe_ring_remove();
		php_mm_export_retention();
	} else {
		const char *ring = zend_mm_observe_ring_path();
		char run_name[32];
		if (XS(run_id)) {
			snprintf(run_name, sizeof(run_name), "run %lld", (long long) XS(run_id));
		} else {
			snprintf(run_name, sizeof(run_name), "the run");
		}
		if (ring) {
			zend_mm_observe_ring_header *hdr = zend_mm_observe_ring_live();
			php_mm_export_copy(hdr->final_status, sizeof(hdr->final_status), status);
			hdr->exit_status = XS(script_ended) ? XS(exit_status) : EG(exit_status);
			zend_mm_observe_ring_set_state(hdr, ZEND_MM_OBSERVE_RING_ENDED);
			php_mm_export_warn(XS(path), "cannot write %s (%s); it is kept in '%s': import it with php --mm-import '%s'",
				run_name, XS(error), ring, ring);
			zend_mm_observe_ring_keep();
		} else {
			php_mm_export_warn(XS(path), "cannot write %s (%s); %s", run_name, XS(error),
				XS(run_id) ? "the run stays marked 'running'" : "it had no ring file: lost");
		}
	}
	php_mm_export_close();
}

bool php_mm_export_recording(void)
{
	return XS(db) != NULL && XS(pid) == zend_mm_observe_getpid();
}
