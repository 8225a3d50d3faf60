/*
   +----------------------------------------------------------------------+
   | mm_observe exporter: writing a ring into the report database         |
   +----------------------------------------------------------------------+

   Everything that turns what a ring holds (its sites, its records, its
   run summary; the live ring of this process or one read from a file by
   the importer) into rows.  The transaction around it is the caller's
   but for php_mm_export_write(), the one transaction of a drain.

   Records are written by one writer per record type
   (php_mm_export_event_writers[]); every row a record makes has a primary
   key derived from the record (INSERT OR IGNORE), so writing a record
   twice, after a crash between COMMIT and the tail store, is harmless
   (zend_mm_observe_ring.h, the ordering contract).  Strings go through
   one map per ring (php_mm_export_strmap: ring offset to str_id).
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php_mm_export_int.h"
#include "zend_gc_observe.h"
#include "zend_vm_opcodes.h"
/* A SQLite step on the drain path, a fault seam (zend_mm_observe_fault()). */
int php_mm_export_step(sqlite3_stmt *st)
{
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_SQLITE)) {
		XS(faulted) = true;
		return SQLITE_IOERR;
	}
	return sqlite3_step(st);
}

/* BEGIN / COMMIT on the drain path, the same seam. */
bool php_mm_export_txn(const char *sql)
{
	if (zend_mm_observe_fault(ZEND_MM_OBSERVE_FAULT_SQLITE)) {
		XS(faulted) = true;
		return false;
	}
	return sqlite3_exec(XS(db), sql, NULL, NULL, NULL) == SQLITE_OK;
}

/* SQLite's reason for the failed write, before the rollback replaces it;
 * a lock held past the wait says so.  Returns whether it was the lock. */
bool php_mm_export_note_error(int wait_ms)
{
	int code = sqlite3_errcode(XS(db));
	bool busy = !XS(faulted) && (code == SQLITE_BUSY || code == SQLITE_LOCKED);

	if (XS(faulted)) {
		snprintf(XS(error), sizeof(XS(error)), "injected fault (MM_OBSERVE_FAULT)");
	} else if (busy) {
		snprintf(XS(error), sizeof(XS(error)), "%s: another writer held it for more than %d ms",
			sqlite3_errmsg(XS(db)), wait_ms);
	} else if (XS(error)[0] == '\0' || code != SQLITE_OK) {
		snprintf(XS(error), sizeof(XS(error)), "%s", sqlite3_errmsg(XS(db)));
	}
	XS(faulted) = false;
	return busy;
}

void php_mm_export_iso8601(uint64_t ns, char *buf, size_t len)
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

/* Binds v[0..n) to parameters first..first+n-1. */
static void php_mm_export_bind_int64s(sqlite3_stmt *st, int first, const sqlite3_int64 *v, int n)
{
	for (int i = 0; i < n; i++) {
		sqlite3_bind_int64(st, first + i, v[i]);
	}
}

void php_mm_export_strmap_release(php_mm_export_strmap *m)
{
	sqlite3_finalize(m->insert);
	sqlite3_finalize(m->select);
	php_mm_hash_free(&m->index);
	free(m->offsets);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}

/* Ready to intern into the open database (the statements are its own). */
bool php_mm_export_strmap_init(php_mm_export_strmap *m)
{
	if (m->insert) {
		return true;
	}
	php_mm_export_strmap_forget(m);
	if (sqlite3_prepare_v2(XS(db), "INSERT OR IGNORE INTO mm_strings (str) VALUES (?1)", -1, &m->insert, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(XS(db), "SELECT str_id FROM mm_strings WHERE str = ?1", -1, &m->select, NULL) != SQLITE_OK) {
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

typedef struct {
	const php_mm_export_strmap *m;
	uint32_t offset;
} php_mm_export_strmap_key;

static bool php_mm_export_strmap_eq(const void *ctx, uint32_t entry)
{
	const php_mm_export_strmap_key *k = ctx;
	return k->m->offsets[entry] == k->offset;
}

/* The str_id of the string at `offset` of the ring (-1 on failure). */
static sqlite3_int64 php_mm_export_intern(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, uint32_t offset)
{
	php_mm_export_strmap_key key = { m, offset };
	uint32_t h = php_mm_hash_u64(offset), slot, found;

	if (!php_mm_hash_reserve(&m->index)) {
		return -1;
	}
	found = php_mm_hash_find(&m->index, h, php_mm_export_strmap_eq, &key, &slot);
	if (found != PHP_MM_HASH_NONE) {
		return m->ids[found];
	}
	if (m->count == m->cap) {
		uint32_t cap = m->cap ? m->cap * 2 : 1024;
		uint32_t *offsets = realloc(m->offsets, sizeof(*offsets) * cap);
		if (offsets) {
			m->offsets = offsets;
		}
		sqlite3_int64 *ids = offsets ? realloc(m->ids, sizeof(*ids) * cap) : NULL;
		if (!ids) {
			return -1;
		}
		m->ids = ids;
		m->cap = cap;
	}
	sqlite3_int64 id = php_mm_export_intern_text(m, zend_mm_observe_ring_str(v, offset));
	if (id >= 0) {
		m->offsets[m->count] = offset;
		m->ids[m->count] = id;
		php_mm_hash_add(&m->index, slot, h, m->count++);
	}
	return id;
}

/* The str_id of a site's opcode name ("CONCAT", "COMPILE"); 0 for pseudo
 * sites, -1 on failure. */
static sqlite3_int64 php_mm_export_opcode_id(php_mm_export_strmap *m, const zend_mm_observe_site *s)
{
	if (s->kind == ZEND_MM_OBSERVE_KIND_PSEUDO) {
		return 0;
	}
	size_t slot = s->kind == ZEND_MM_OBSERVE_KIND_COMPILE ? PHP_MM_EXPORT_OPCODE_COMPILE : s->opcode;
	if (m->opcode_ids[slot] < 0) {
		m->opcode_ids[slot] = php_mm_export_intern_text(m, zend_mm_observe_opcode_name(s));
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
void php_mm_export_strmap_forget(php_mm_export_strmap *m)
{
	php_mm_hash_clear(&m->index);
	m->count = 0;
	for (size_t i = 0; i < PHP_MM_EXPORT_OPCODE_SLOTS; i++) {
		m->opcode_ids[i] = -1;
	}
}

/* Inserts the row of the run a ring header describes (status 'running',
 * or as given), with its run_token; the new run_id, 0 on failure. */
sqlite3_int64 php_mm_export_insert_run(const zend_mm_observe_ring_header *hdr, bool full_shutdown,
	const char *ring_path)
{
	const zend_mm_observe_run *run = &hdr->run;
	char started[40];
	sqlite3_stmt *st = NULL;
	sqlite3_int64 id = 0;

	php_mm_export_iso8601(hdr->started_ns ? hdr->started_ns : run->started_ns, started, sizeof(started));
	if (sqlite3_prepare_v2(XS(db),
			"INSERT INTO mm_runs (pid, sapi, script, started_at, php_version, status, usage_start, zend_mm,"
			" run_tag, full_shutdown, request_method, request_uri, ring_token, ring_path, args)"
			" VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", -1, &st, NULL) != SQLITE_OK) {
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
	if (hdr->args[0]) {
		sqlite3_bind_text(st, 14, hdr->args, -1, SQLITE_TRANSIENT);
	}
	if (php_mm_export_step(st) == SQLITE_DONE) {
		id = sqlite3_last_insert_rowid(XS(db));
	}
	sqlite3_finalize(st);
	return id;
}

/* Every site with something to show, as of now (INSERT OR REPLACE: a flush
 * rewrites what the previous one wrote). */
bool php_mm_export_write_sites(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v)
{
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (sqlite3_prepare_v2(XS(db),
			"INSERT OR REPLACE INTO mm_site_counters (run_id, site_id, kind, file_id, line, function_id, opcode_id, callee_id,"
			" flags, alloc_count, alloc_bytes, free_count, free_bytes, realloc_count,"
			" live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes,"
			" gc_alloc_count, gc_alloc_bytes, gc_free_count, gc_free_bytes, realloc_bytes, realloc_growth_bytes)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
			" ?20, ?21, ?22, ?23, ?24, ?25)", -1, &st, NULL) != SQLITE_OK) {
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
		sqlite3_bind_int64(st, 1, XS(run_id));
		sqlite3_bind_int64(st, 2, i);
		sqlite3_bind_text(st, 3, zend_mm_observe_kind_name(s->kind), -1, SQLITE_STATIC);
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
			php_mm_export_u64(s->realloc_bytes), php_mm_export_u64(s->realloc_growth_bytes),
		};
		php_mm_export_bind_int64s(st, 10, counters, (int) (sizeof(counters) / sizeof(counters[0])));
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* An estimate as SQLite's INTEGER: rounded, never negative (a sampled
 * block's weight taken off again may leave a hair below zero). */
static sqlite3_int64 php_mm_export_estimate(double v)
{
	if (!(v > 0.5)) {
		return 0;
	}
	return v >= 9.2e18 ? INT64_MAX : (sqlite3_int64) (v + 0.5);
}

/* The call paths of a run (zend_mm_observe.h, "call paths"), from a ring:
 * every frame and every path as of now (INSERT OR REPLACE: a flush
 * rewrites what the previous one wrote), and the run's sampling figures.
 * The ring may be another user's crafted file: a frame's parent must come
 * before it (so frames form a tree, never a loop) and a path must name a
 * published frame and site; anything else is left out. */
bool php_mm_export_write_paths(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v)
{
	const zend_mm_observe_run *run = &v->hdr->run;
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (!run->paths) {
		return true;
	}
	if (v->path_frame_count > 1) {
		if (sqlite3_prepare_v2(XS(db),
				"INSERT OR REPLACE INTO mm_path_frames (run_id, frame_id, parent_id, depth, function_id, file_id, line, callee_id)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", -1, &st, NULL) != SQLITE_OK) {
			return false;
		}
		for (uint32_t i = 1; ok && i < v->path_frame_count; i++) {
			const zend_mm_observe_path_frame *f = &v->path_frames[i];
			sqlite3_int64 func = php_mm_export_intern(m, v, f->function_str);
			sqlite3_int64 file = php_mm_export_intern(m, v, f->file_str);
			sqlite3_int64 callee = f->callee_str ? php_mm_export_intern(m, v, f->callee_str) : 0;
			if (func < 0 || file < 0 || callee < 0) {
				ok = false;
				break;
			}
			const sqlite3_int64 row[] = { XS(run_id), i, f->parent < i ? f->parent : 0, f->depth, func, file, f->line };
			php_mm_export_bind_int64s(st, 1, row, 7);
			if (f->callee_str) {
				sqlite3_bind_int64(st, 8, callee);
			} else {
				sqlite3_bind_null(st, 8);
			}
			ok = php_mm_export_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (ok && v->path_count > 1) {
		if (sqlite3_prepare_v2(XS(db),
				"INSERT OR REPLACE INTO mm_path_counters (run_id, path_id, frame_id, site_id, samples, alloc_count, alloc_bytes,"
				" live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes, realloc_bytes, realloc_growth_bytes)"
				" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)", -1, &st, NULL) != SQLITE_OK) {
			return false;
		}
		for (uint32_t i = 1; ok && i < v->path_count; i++) {
			const zend_mm_observe_path *p = &v->paths[i];
			if (p->frame >= v->path_frame_count || p->site == 0 || p->site >= v->site_count) {
				continue;
			}
			const sqlite3_int64 row[] = {
				XS(run_id), i, p->frame, p->site, php_mm_export_u64(p->samples),
				php_mm_export_estimate(p->alloc_count), php_mm_export_estimate(p->alloc_bytes),
				php_mm_export_estimate(p->live_count), php_mm_export_estimate(p->live_bytes),
				php_mm_export_estimate(p->peak_live_bytes),
				php_mm_export_estimate(p->end_live_count), php_mm_export_estimate(p->end_live_bytes),
				php_mm_export_estimate(p->realloc_bytes), php_mm_export_estimate(p->realloc_growth_bytes),
			};
			php_mm_export_bind_int64s(st, 1, row, 14);
			ok = php_mm_export_step(st) == SQLITE_DONE;
			sqlite3_reset(st);
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (ok) {
		if (sqlite3_prepare_v2(XS(db),
				"UPDATE mm_runs SET path_sample_bytes = ?2, path_samples = ?3, paths_dropped = ?4, paths_truncated = ?5"
				" WHERE run_id = ?1", -1, &st, NULL) != SQLITE_OK) {
			return false;
		}
		const sqlite3_int64 row[] = {
			XS(run_id), php_mm_export_u64(run->path_sample_bytes), php_mm_export_u64(run->path_samples),
			php_mm_export_u64(run->paths_dropped), php_mm_export_u64(run->paths_truncated),
		};
		php_mm_export_bind_int64s(st, 1, row, 5);
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_finalize(st);
	}
	return ok;
}

/* The per-site counters at snapshot `id` (the live table, right now). */
static bool php_mm_export_write_snapshot_counters(const zend_mm_observe_ring_view *v, uint64_t id)
{
	sqlite3_stmt *st = NULL;
	bool ok = true;

	if (sqlite3_prepare_v2(XS(db),
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
			XS(run_id), php_mm_export_u64(id), i, php_mm_export_u64(s->alloc_count), php_mm_export_u64(s->alloc_bytes),
			php_mm_export_u64(s->free_count), php_mm_export_u64(s->free_bytes), s->live_count, s->live_bytes,
		};
		php_mm_export_bind_int64s(st, 1, row, (int) (sizeof(row) / sizeof(row[0])));
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);

	/* The call paths' counters at the same moment (the paths' rows are
	 * written by the same transaction: php_mm_export_write_paths()). */
	if (!ok || v->path_count <= 1 || !v->hdr->run.paths) {
		return ok;
	}
	if (sqlite3_prepare_v2(XS(db),
			"INSERT OR IGNORE INTO mm_snapshot_path_counters (run_id, snapshot_id, path_id, alloc_count, alloc_bytes,"
			" live_count, live_bytes) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 1; ok && i < v->path_count; i++) {
		const zend_mm_observe_path *p = &v->paths[i];
		const sqlite3_int64 row[] = {
			XS(run_id), php_mm_export_u64(id), i, php_mm_export_estimate(p->alloc_count), php_mm_export_estimate(p->alloc_bytes),
			php_mm_export_estimate(p->live_count), php_mm_export_estimate(p->live_bytes),
		};
		php_mm_export_bind_int64s(st, 1, row, (int) (sizeof(row) / sizeof(row[0])));
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return ok;
}

/* ---- one writer per record type ----------------------------------------- */

enum {
	PHP_MM_EXPORT_Q_GC,
	PHP_MM_EXPORT_Q_SAMPLE,
	PHP_MM_EXPORT_Q_SNAPSHOT,
	PHP_MM_EXPORT_Q_FLUSH,
	PHP_MM_EXPORT_Q_REQUEST_UPDATE,
	PHP_MM_EXPORT_Q_REQUEST_INSERT,
	PHP_MM_EXPORT_Q_COUNT,
};

static const char *const php_mm_export_event_sql[PHP_MM_EXPORT_Q_COUNT] = {
	[PHP_MM_EXPORT_Q_GC] = "INSERT OR IGNORE INTO mm_gc_passes (run_id, seq, call, rerun, aborted, trigger, file_id, line, function_id,"
		" roots, collected, buffer_size, threshold_before, threshold_after, mem_before, mem_after, started_ns,"
		" mark_ns, scan_ns, collect_ns, destructor_ns, free_ns, compact_ns, total_ns)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
		" ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
	[PHP_MM_EXPORT_Q_SAMPLE] = "INSERT OR IGNORE INTO mm_samples (run_id, seq, t_ns, usage, peak, allocated, site_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[PHP_MM_EXPORT_Q_SNAPSHOT] = "INSERT OR IGNORE INTO mm_snapshots (run_id, snapshot_id, label, t_ns, usage, site_id)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[PHP_MM_EXPORT_Q_FLUSH] = "INSERT OR IGNORE INTO mm_flushes (run_id, seq, reason, t_ns, duration_ns, events)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[PHP_MM_EXPORT_Q_REQUEST_UPDATE] = "UPDATE mm_runs SET duration_ns = ?1, http_status = NULLIF(?2, 0), alloc_count = ?3,"
		" alloc_bytes = ?4, end_live_bytes = ?5, gc_passes = ?6, gc_ns = ?7, request_seq = ?8, detail = ?9"
		" WHERE ring_token = ?10 AND pid = ?11",
	[PHP_MM_EXPORT_Q_REQUEST_INSERT] = "INSERT INTO mm_runs (duration_ns, http_status, alloc_count, alloc_bytes, end_live_bytes,"
		" gc_passes, gc_ns, request_seq, pid, sapi, script, started_at, ended_at, php_version, status,"
		" peak_usage, usage_start, usage_end, exit_status, site_count, zend_mm, script_ended,"
		" run_tag, request_method, request_uri, detail, full_shutdown)"
		" VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,"
		" ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, 0)",
};

/* What a record's writer works with. */
typedef struct {
	php_mm_export_strmap *m;
	const zend_mm_observe_ring_view *v;
	php_mm_export_drain *d;
	uint64_t snapshot_now;     /* a snapshot taken right now: its counters are the live table's */
	sqlite3_stmt *q[PHP_MM_EXPORT_Q_COUNT];
} php_mm_export_events;

/* Steps a statement of the set once and resets it. */
static bool php_mm_export_events_step(php_mm_export_events *x, int which)
{
	bool ok = php_mm_export_step(x->q[which]) == SQLITE_DONE;
	sqlite3_reset(x->q[which]);
	return ok;
}

/* A worker's finished request (EVENT_REQUEST): its summary row, unless it
 * has one already (its detail was written: the row carries its token). */
static bool php_mm_export_event_request(php_mm_export_events *x, const void *payload, size_t len)
{
	zend_mm_observe_request_event e;
	memcpy(&e, payload, sizeof(e));
	if ((size_t) e.method_len + e.uri_len + e.script_len > len - sizeof(e)) {
		return true; /* its strings do not fit: a record no writer made, skipped */
	}
	const zend_mm_observe_ring_header *hdr = x->v->hdr;
	const char *method = (const char *) payload + sizeof(e), *uri = method + e.method_len, *script = uri + e.uri_len;
	const char *detail = zend_mm_observe_detail_name(e.detail);
	const sqlite3_int64 figures[] = {
		php_mm_export_u64(e.duration_ns), e.http_status, php_mm_export_u64(e.alloc_count),
		php_mm_export_u64(e.alloc_bytes), e.end_live_bytes, php_mm_export_u64(e.gc_passes),
		php_mm_export_u64(e.gc_ns), php_mm_export_u64(e.seq),
	};

	if (x->d->fold) {
		php_mm_agg_request(x->d->fold, php_mm_agg_window(e.started_ns, (uint32_t) XW(cfg).window), &e,
			method, e.method_len, uri, e.uri_len);
	}
	x->d->requests++;
	if (detail && e.token) {
		sqlite3_stmt *st = x->q[PHP_MM_EXPORT_Q_REQUEST_UPDATE];
		php_mm_export_bind_int64s(st, 1, figures, 8);
		sqlite3_bind_text(st, 9, detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 10, (sqlite3_int64) e.token);
		sqlite3_bind_int64(st, 11, hdr->pid);
		if (!php_mm_export_events_step(x, PHP_MM_EXPORT_Q_REQUEST_UPDATE)) {
			return false;
		}
		if (sqlite3_changes(XS(db)) > 0) {
			return true;
		}
		detail = NULL; /* its detail never reached the database */
	}
	char started[40], ended[40];
	php_mm_export_iso8601(e.started_ns, started, sizeof(started));
	php_mm_export_iso8601(e.started_ns + e.duration_ns, ended, sizeof(ended));
	sqlite3_stmt *st = x->q[PHP_MM_EXPORT_Q_REQUEST_INSERT];
	php_mm_export_bind_int64s(st, 1, figures, 8);
	sqlite3_bind_int64(st, 9, hdr->pid);
	sqlite3_bind_text(st, 10, hdr->sapi, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, script, e.script_len, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 12, started, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 13, ended, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 14, hdr->php_version, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 15, zend_mm_observe_status_name(e.status), -1, SQLITE_STATIC);
	const sqlite3_int64 usage[] = {
		php_mm_export_u64(e.peak_usage), php_mm_export_u64(e.usage_start), php_mm_export_u64(e.usage_end),
		e.exit_status, php_mm_export_u64(e.site_count), e.zend_mm ? 1 : 0, e.script_ended ? 1 : 0,
	};
	php_mm_export_bind_int64s(st, 16, usage, 7);
	if (hdr->run_tag[0]) {
		sqlite3_bind_text(st, 23, hdr->run_tag, -1, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 23);
	}
	if (e.method_len) {
		sqlite3_bind_text(st, 24, method, e.method_len, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 25, uri, e.uri_len, SQLITE_TRANSIENT);
	} else {
		sqlite3_bind_null(st, 24);
		sqlite3_bind_null(st, 25);
	}
	if (detail) {
		sqlite3_bind_text(st, 26, detail, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 26);
	}
	return php_mm_export_events_step(x, PHP_MM_EXPORT_Q_REQUEST_INSERT);
}

static bool php_mm_export_event_gc(php_mm_export_events *x, const void *payload, size_t len)
{
	const zend_mm_observe_ring_view *v = x->v;
	sqlite3_stmt *st = x->q[PHP_MM_EXPORT_Q_GC];
	zend_gc_observe_pass p;
	memcpy(&p, payload, sizeof(p));
	const zend_mm_observe_site *s = p.site && p.site < v->site_count ? &v->sites[p.site] : NULL;
	sqlite3_int64 file = php_mm_export_intern(x->m, v, s ? s->file_str : 0);
	sqlite3_int64 func = php_mm_export_intern(x->m, v, s ? s->function_str : 0);
	if (file < 0 || func < 0) {
		return false;
	}
	sqlite3_bind_int64(st, 1, XS(run_id));
	sqlite3_bind_int64(st, 2, php_mm_export_u64(p.seq));
	sqlite3_bind_int64(st, 3, php_mm_export_u64(p.call));
	sqlite3_bind_int(st, 4, p.rerun);
	sqlite3_bind_int(st, 5, p.aborted);
	sqlite3_bind_text(st, 6, zend_mm_observe_trigger_name(p.trigger), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, file);
	sqlite3_bind_int64(st, 8, s ? s->line : 0);
	sqlite3_bind_int64(st, 9, func);
	const sqlite3_int64 figures[] = {
		php_mm_export_u64(p.roots), php_mm_export_u64(p.collected), php_mm_export_u64(p.buffer_size),
		php_mm_export_u64(p.threshold_before), php_mm_export_u64(p.threshold_after),
		php_mm_export_u64(p.mem_before), php_mm_export_u64(p.mem_after), php_mm_export_u64(p.started_ns),
		php_mm_export_u64(p.mark_ns), php_mm_export_u64(p.scan_ns), php_mm_export_u64(p.collect_ns),
		php_mm_export_u64(p.destructor_ns), php_mm_export_u64(p.free_ns), php_mm_export_u64(p.compact_ns),
		php_mm_export_u64(p.total_ns),
	};
	php_mm_export_bind_int64s(st, 10, figures, (int) (sizeof(figures) / sizeof(figures[0])));
	x->d->last_ns = MAX(x->d->last_ns, p.started_ns + p.total_ns);
	return php_mm_export_events_step(x, PHP_MM_EXPORT_Q_GC);
}

static bool php_mm_export_event_sample(php_mm_export_events *x, const void *payload, size_t len)
{
	zend_mm_observe_sample p;
	memcpy(&p, payload, sizeof(p));
	const sqlite3_int64 row[] = { XS(run_id), php_mm_export_u64(p.seq), php_mm_export_u64(p.t_ns),
		php_mm_export_u64(p.usage), php_mm_export_u64(p.peak), php_mm_export_u64(p.allocated), p.site };
	php_mm_export_bind_int64s(x->q[PHP_MM_EXPORT_Q_SAMPLE], 1, row, 7);
	x->d->last_ns = MAX(x->d->last_ns, p.t_ns);
	x->d->peak = MAX(x->d->peak, p.peak);
	return php_mm_export_events_step(x, PHP_MM_EXPORT_Q_SAMPLE);
}

static bool php_mm_export_event_snapshot(php_mm_export_events *x, const void *payload, size_t len)
{
	sqlite3_stmt *st = x->q[PHP_MM_EXPORT_Q_SNAPSHOT];
	zend_mm_observe_snapshot_event p;
	memcpy(&p, payload, sizeof(p));
	uint32_t label_len = (uint32_t) MIN((size_t) p.label_len, len - sizeof(p));
	sqlite3_bind_int64(st, 1, XS(run_id));
	sqlite3_bind_int64(st, 2, php_mm_export_u64(p.id));
	sqlite3_bind_text(st, 3, (const char *) payload + sizeof(p), (int) label_len, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, php_mm_export_u64(p.t_ns));
	sqlite3_bind_int64(st, 5, php_mm_export_u64(p.usage));
	sqlite3_bind_int64(st, 6, p.site);
	x->d->last_ns = MAX(x->d->last_ns, p.t_ns);
	return php_mm_export_events_step(x, PHP_MM_EXPORT_Q_SNAPSHOT)
		&& (p.id != x->snapshot_now || php_mm_export_write_snapshot_counters(x->v, p.id));
}

static bool php_mm_export_event_flush(php_mm_export_events *x, const void *payload, size_t len)
{
	sqlite3_stmt *st = x->q[PHP_MM_EXPORT_Q_FLUSH];
	zend_mm_observe_flush_event p;
	memcpy(&p, payload, sizeof(p));
	sqlite3_bind_int64(st, 1, XS(run_id));
	sqlite3_bind_int64(st, 2, php_mm_export_u64(p.seq));
	sqlite3_bind_text(st, 3, zend_mm_observe_flush_reason_name(p.reason), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, php_mm_export_u64(p.t_ns));
	sqlite3_bind_int64(st, 5, php_mm_export_u64(p.duration_ns));
	sqlite3_bind_int64(st, 6, php_mm_export_u64(p.events));
	return php_mm_export_events_step(x, PHP_MM_EXPORT_Q_FLUSH);
}

typedef bool (*php_mm_export_event_writer)(php_mm_export_events *x, const void *payload, size_t len);

/* Per record type: the payload's fixed size (a shorter record is counted
 * and skipped), whether it is a record of the run being written (skipped
 * when that run has no row, or the record is older than the run:
 * php_mm_export_drain.own_from), and its writer (none: nothing to write). */
typedef struct {
	size_t size;
	bool of_run;
	php_mm_export_event_writer write;
} php_mm_export_event_type;

static const php_mm_export_event_type php_mm_export_event_writers[ZEND_MM_OBSERVE_EVENT_LAST + 1] = {
	[ZEND_MM_OBSERVE_EVENT_GC_PASS]  = { sizeof(zend_gc_observe_pass), true, php_mm_export_event_gc },
	[ZEND_MM_OBSERVE_EVENT_SAMPLE]   = { sizeof(zend_mm_observe_sample), true, php_mm_export_event_sample },
	[ZEND_MM_OBSERVE_EVENT_SNAPSHOT] = { sizeof(zend_mm_observe_snapshot_event), true, php_mm_export_event_snapshot },
	/* The run summary in the header holds the memory error. */
	[ZEND_MM_OBSERVE_EVENT_OOM]      = { sizeof(zend_mm_observe_oom), true, NULL },
	[ZEND_MM_OBSERVE_EVENT_FLUSH]    = { sizeof(zend_mm_observe_flush_event), true, php_mm_export_event_flush },
	[ZEND_MM_OBSERVE_EVENT_REQUEST]  = { sizeof(zend_mm_observe_request_event), false, php_mm_export_event_request },
};

/* Writes the records in [tail, head) of the ring; *end is where it
 * stopped.  `snapshot_now`: the id of a snapshot taken right now, whose
 * counters are the live table's (0: none). */
bool php_mm_export_write_events(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	uint64_t snapshot_now, uint64_t *end, php_mm_export_drain *d)
{
	php_mm_export_events x = { m, v, d, snapshot_now, {0} };
	uint64_t pos = zend_mm_observe_ring_read_tail(v->hdr);
	uint64_t head = zend_mm_observe_ring_read_head(v->hdr);
	const zend_mm_observe_event *ev;
	bool ok = true;

	for (int i = 0; ok && i < PHP_MM_EXPORT_Q_COUNT; i++) {
		ok = sqlite3_prepare_v2(XS(db), php_mm_export_event_sql[i], -1, &x.q[i], NULL) == SQLITE_OK;
	}
	/* zend_mm_observe_ring_next() returns types 2..LAST only. */
	while (ok && (ev = zend_mm_observe_ring_next(v, &pos, head, &d->torn)) != NULL) {
		size_t len = ev->size - sizeof(*ev);
		const php_mm_export_event_type *w = &php_mm_export_event_writers[ev->type];
		if (w->of_run && (pos - ev->size < d->own_from || !XS(run_id))) {
			continue; /* a record of a request whose detail was not written */
		}
		if (w->write && len >= w->size) {
			ok = w->write(&x, ev + 1, len);
		}
		d->events++;
	}
	*end = pos;
	for (int i = 0; i < PHP_MM_EXPORT_Q_COUNT; i++) {
		sqlite3_finalize(x.q[i]);
	}
	return ok;
}

/* The (endpoint, site) counters of a batch; sites are named through the
 * live ring `v` (NULL: an importer's, which have none). */
static bool php_mm_export_write_agg_sites(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, const php_mm_agg *a,
	sqlite3_stmt *st)
{
	bool ok = true;

	for (uint32_t i = 0; ok && i < a->site_count; i++) {
		const php_mm_agg_site *t = &a->sites[i];
		if (!v || t->site >= v->site_count) {
			continue;
		}
		const php_mm_agg_endpoint *e = &a->endpoints[t->endpoint];
		const zend_mm_observe_site *s = &v->sites[t->site];
		sqlite3_int64 file, func, callee, opcode;
		if (!php_mm_export_site_ids(m, v, s, &file, &func, &callee, &opcode)) {
			ok = false;
			break;
		}
		sqlite3_bind_int64(st, 1, e->window);
		sqlite3_bind_text(st, 2, e->method, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->uri, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, zend_mm_observe_kind_name(s->kind), -1, SQLITE_STATIC);
		const sqlite3_int64 f[] = {
			file, s->line, func, opcode, callee, php_mm_export_u64(t->requests),
			php_mm_export_u64(t->alloc_count), php_mm_export_u64(t->alloc_bytes), php_mm_export_u64(t->realloc_count),
			t->leak_count, t->leak_bytes, t->peak_live_bytes,
			php_mm_export_u64(t->realloc_bytes), php_mm_export_u64(t->realloc_growth_bytes),
		};
		php_mm_export_bind_int64s(st, 5, f, 14);
		ok = php_mm_export_step(st) == SQLITE_DONE;
		sqlite3_reset(st);
	}
	return ok;
}

/* Adds the aggregates of the requests being drained to the database's
 * (invariant 7).  Sites are named through the live ring `v` (a worker's
 * table never loses a site); an importer's aggregates have none. */
bool php_mm_export_write_agg(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v, const php_mm_agg *a)
{
	sqlite3_stmt *ep = NULL, *pk = NULL, *st = NULL;
	bool ok = true;

	if (!a->endpoint_count) {
		return true;
	}
	if (sqlite3_prepare_v2(XS(db), "INSERT INTO mm_endpoint_windows (window_start, method, uri, requests, errors, ooms, detailed,"
			" duration_ns, duration_max_ns, alloc_count, alloc_bytes, peak_sum, peak_max, end_live_bytes, gc_passes, gc_ns)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)"
			" ON CONFLICT (window_start, method, uri) DO UPDATE SET requests = requests + excluded.requests,"
			" errors = errors + excluded.errors, ooms = ooms + excluded.ooms, detailed = detailed + excluded.detailed,"
			" duration_ns = duration_ns + excluded.duration_ns, duration_max_ns = MAX(duration_max_ns, excluded.duration_max_ns),"
			" alloc_count = alloc_count + excluded.alloc_count, alloc_bytes = alloc_bytes + excluded.alloc_bytes,"
			" peak_sum = peak_sum + excluded.peak_sum, peak_max = MAX(peak_max, excluded.peak_max),"
			" end_live_bytes = end_live_bytes + excluded.end_live_bytes, gc_passes = gc_passes + excluded.gc_passes,"
			" gc_ns = gc_ns + excluded.gc_ns", -1, &ep, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(XS(db), "INSERT INTO mm_endpoint_peaks (window_start, method, uri, bucket, requests)"
			" VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (window_start, method, uri, bucket)"
			" DO UPDATE SET requests = requests + excluded.requests", -1, &pk, NULL) != SQLITE_OK
			|| sqlite3_prepare_v2(XS(db), "INSERT INTO mm_endpoint_site_counters (window_start, method, uri, kind, file_id, line,"
			" function_id, opcode_id, callee_id, requests, alloc_count, alloc_bytes, realloc_count, leak_count, leak_bytes,"
			" peak_live_bytes, realloc_bytes, realloc_growth_bytes)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
			" ON CONFLICT (window_start, method, uri, kind, file_id, line, function_id, opcode_id, callee_id)"
			" DO UPDATE SET requests = requests + excluded.requests, alloc_count = alloc_count + excluded.alloc_count,"
			" alloc_bytes = alloc_bytes + excluded.alloc_bytes, realloc_count = realloc_count + excluded.realloc_count,"
			" leak_count = leak_count + excluded.leak_count, leak_bytes = leak_bytes + excluded.leak_bytes,"
			" peak_live_bytes = peak_live_bytes + excluded.peak_live_bytes,"
			/* NULL (a row from before schema version 7) stays NULL: unknown */
			" realloc_bytes = realloc_bytes + excluded.realloc_bytes,"
			" realloc_growth_bytes = realloc_growth_bytes + excluded.realloc_growth_bytes", -1, &st, NULL) != SQLITE_OK) {
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
	ok = ok && php_mm_export_write_agg_sites(m, v, a, st);
	sqlite3_finalize(ep);
	sqlite3_finalize(pk);
	sqlite3_finalize(st);
	return ok;
}

bool php_mm_export_write_run(const zend_mm_observe_ring_view *v, const zend_mm_observe_run *run,
	const char *status, const php_mm_export_drain *d, bool imported)
{
	const zend_mm_observe_ring_header *hdr = v->hdr;
	sqlite3_stmt *st = NULL;
	char ended[40], now[40];
	bool ok;

	if (sqlite3_prepare_v2(XS(db),
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
	sqlite3_bind_int64(st, 1, XS(run_id));
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
		sqlite3_bind_int(st, 7, XS(script_ended) ? XS(exit_status) : EG(exit_status));
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
	if (XS(detail)) {
		sqlite3_bind_text(st, 23, XS(detail), -1, SQLITE_STATIC);
	}
	if (run->ended_ns) {
		sqlite3_bind_int64(st, 24, php_mm_export_u64(run->duration_ns));
	}
	if (XS(http_status) && !imported) {
		sqlite3_bind_int(st, 25, XS(http_status));
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

bool php_mm_export_write_oom(const zend_mm_observe_run *run)
{
	const zend_mm_observe_oom *oom = &run->oom;
	sqlite3_stmt *st = NULL;
	char at[40];
	bool ok;

	if (!oom->happened) {
		return true;
	}
	php_mm_export_iso8601(oom->at_ns, at, sizeof(at));
	if (sqlite3_prepare_v2(XS(db), "INSERT OR REPLACE INTO mm_oom_events (run_id, kind, site_id, requested, memory_limit, usage, at)"
			" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	sqlite3_bind_int64(st, 1, XS(run_id));
	sqlite3_bind_text(st, 2, oom->system ? "system" : "memory_limit", -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, oom->site);
	sqlite3_bind_int64(st, 4, php_mm_export_u64(oom->requested));
	sqlite3_bind_int64(st, 5, php_mm_export_u64(oom->limit));
	sqlite3_bind_int64(st, 6, php_mm_export_u64(oom->usage));
	sqlite3_bind_text(st, 7, at, -1, SQLITE_TRANSIENT);
	ok = php_mm_export_step(st) == SQLITE_DONE;
	sqlite3_finalize(st);
	if (!ok || sqlite3_prepare_v2(XS(db), "INSERT OR REPLACE INTO mm_oom_top (run_id, rank, site_id, live_bytes, live_count)"
			" VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st, NULL) != SQLITE_OK) {
		return false;
	}
	for (uint32_t i = 0; ok && i < oom->top_count && i < ZEND_MM_OBSERVE_OOM_TOP; i++) {
		sqlite3_bind_int64(st, 1, XS(run_id));
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

/* One transaction: the run row if it is not in yet (invariant 2), the
 * ring's records since the last drain, every site, the run row (and at
 * the end its memory error).  The ring's tail moves only once it is
 * committed.  Fails when another process holds the lock for longer than
 * `wait_ms` (*busy is set then): the records stay in the ring. */
bool php_mm_export_write(php_mm_export_strmap *m, const zend_mm_observe_ring_view *v,
	const zend_mm_observe_run *run, const char *status, uint64_t snapshot_now, int wait_ms, bool *busy,
	php_mm_export_drain *d)
{
	uint64_t end = 0;
	bool inserted = false;

	*busy = false;
	XS(error)[0] = '\0';
	XS(faulted) = false;
	if (!php_mm_export_db_linked()) {
		return false;
	}
	if (!php_mm_export_strmap_init(m)) {
		snprintf(XS(error), sizeof(XS(error)), "out of memory");
		return false;
	}
	sqlite3_busy_timeout(XS(db), wait_ms);
	if (!php_mm_export_txn("BEGIN IMMEDIATE")) {
		*busy = php_mm_export_note_error(wait_ms);
		return false;
	}
	bool ok = true;
	if (!XS(run_id)) {
		XS(run_id) = php_mm_export_insert_run(v->hdr, XS(full_shutdown), zend_mm_observe_ring_path());
		inserted = ok = XS(run_id) != 0;
	}
	d->own_from = v->hdr->request_head;
	ok = ok && php_mm_export_write_events(m, v, snapshot_now, &end, d)
		&& php_mm_export_write_agg(m, v, &XW(agg))
		&& php_mm_export_write_sites(m, v)
		&& php_mm_export_write_paths(m, v)
		&& (strcmp(status, "running") == 0 || php_mm_export_write_oom(run))
		&& php_mm_export_write_run(v, run, status, d, false)
		&& php_mm_export_txn("COMMIT");
	if (!ok) {
		*busy = php_mm_export_note_error(wait_ms);
		sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
		php_mm_export_strmap_forget(m);
		if (inserted) {
			XS(run_id) = 0;
		}
		return false;
	}
	v->hdr->run_id = XS(run_id);
	zend_mm_observe_ring_write_tail(v->hdr, end);
	php_mm_agg_clear(&XW(agg));
	return true;
}

/* Keeps at most zend.mm_observe_max_runs finished runs: the oldest go,
 * with every row that belongs to them.  Runs still recording stay. */
void php_mm_export_retention(void)
{
	static const char *const tables[] = {
		"mm_site_counters", "mm_gc_passes", "mm_oom_events", "mm_oom_top", "mm_samples",
		"mm_snapshot_counters", "mm_snapshots", "mm_flushes", "mm_path_frames", "mm_path_counters", "mm_snapshot_path_counters", "mm_runs",
	};
	char sql[512];

	if (XS(max_runs) <= 0) {
		return;
	}
	if (!php_mm_export_exec("BEGIN IMMEDIATE", "cannot apply zend.mm_observe_max_runs")) {
		return;
	}
	snprintf(sql, sizeof(sql), "CREATE TEMP TABLE IF NOT EXISTS mm_expired (run_id INTEGER PRIMARY KEY);"
		"DELETE FROM mm_expired;"
		"INSERT INTO mm_expired SELECT run_id FROM mm_runs WHERE status <> 'running'"
		" ORDER BY run_id DESC LIMIT -1 OFFSET " ZEND_LONG_FMT ";", XS(max_runs));
	bool ok = php_mm_export_exec(sql, "cannot apply zend.mm_observe_max_runs");
	for (size_t i = 0; ok && i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE run_id IN (SELECT run_id FROM mm_expired)", tables[i]);
		ok = php_mm_export_exec(sql, "cannot apply zend.mm_observe_max_runs");
	}
	if (!ok || !php_mm_export_exec("COMMIT", "cannot apply zend.mm_observe_max_runs")) {
		sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
	}
}

/* zend.mm_observe_max_db_size: while the database's pages in use exceed
 * it, the oldest detail goes first (its requests keep their summary rows
 * and stay in the endpoint aggregates; the newest PHP_MM_EXPORT_DETAIL_KEEP
 * runs with detail are spared), then the oldest summary rows, then
 * the oldest aggregate windows; freed pages go back to the file system
 * when the file allows it (auto_vacuum, set on databases we create). */
void php_mm_export_budget(void)
{
	static const char *const detail_tables[] = {
		"mm_site_counters", "mm_gc_passes", "mm_oom_events", "mm_oom_top", "mm_samples",
		"mm_snapshot_counters", "mm_snapshots", "mm_flushes", "mm_path_frames", "mm_path_counters", "mm_snapshot_path_counters",
	};
	sqlite3_int64 pages = 0, free_pages = 0, page_size = 0;

	XW(last_budget_ns) = php_mm_export_now_ns();
	XW(writes) = 0;
	if (XW(cfg).max_db_size <= 0) {
		return;
	}
	for (int round = 0; round < 16; round++) {
		if (!php_mm_export_pragma_int("PRAGMA page_count", &pages)
				|| !php_mm_export_pragma_int("PRAGMA freelist_count", &free_pages)
				|| !php_mm_export_pragma_int("PRAGMA page_size", &page_size)) {
			return;
		}
		sqlite3_int64 used = (pages - free_pages) * page_size;
		XW(over_budget) = used > XW(cfg).max_db_size;
		/* Closer to the budget, look more often. */
		XW(budget_every) = used > XW(cfg).max_db_size / 2 ? PHP_MM_EXPORT_BUDGET_WRITES / 10 : PHP_MM_EXPORT_BUDGET_WRITES;
		if (used <= XW(cfg).max_db_size / 10 * 9) {
			break;
		}
		/* Make room for a tenth of the budget per round. */
		sqlite3_busy_timeout(XS(db), PHP_MM_EXPORT_SHORT_WAIT_MS);
		if (!php_mm_export_txn("BEGIN IMMEDIATE")) {
			sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
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
			sqlite3_exec(XS(db), "ROLLBACK", NULL, NULL, NULL);
			return;
		}
	}
	sqlite3_exec(XS(db), "PRAGMA incremental_vacuum", NULL, NULL, NULL);
	sqlite3_exec(XS(db), "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
}
