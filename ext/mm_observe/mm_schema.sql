-- mm_observe: the schema of the report database (schema version 7)
--
-- Compiled into the exporter as a C string (ext/mm_observe/Makefile.frag
-- makes php_mm_export_schema.inc; php_mm_export_schema.c runs it).  Every
-- statement is CREATE ... IF NOT EXISTS: run on an empty database it
-- creates everything, run after a migration it adds what the older
-- version lacks.  A migration is derived from this file, never written by
-- hand: the columns a table of the database lacks are added with ALTER
-- TABLE ... ADD COLUMN (php_mm_export_schema.c), so the schema only ever
-- grows.  Names are a public contract (UPGRADING.observability, section
-- 4): add, never rename.
--
-- A view is kept on one line: SQLite stores its text as written, and the
-- report (report/mm_report_common.php) refuses a view whose text is not
-- exactly the one below, in every schema version that has it.  Comments
-- go between statements, never inside one: SQLite keeps a statement's
-- text, and ALTER TABLE ... DROP COLUMN cannot edit one that holds a
-- line comment.

--   started_at        ISO 8601, UTC, milliseconds
--   status            running | ok | error (fatal error, uncaught exception, bailout)
--   peak_usage        memory_get_peak_usage() at request end
--   usage_start       memory_get_usage() when observation started
--   usage_end         ... and when it stopped
--   sites_dropped     allocations billed to {overflow}: the table was full
--   observer_bytes    address space reserved by the observer, outside ZendMM
--   zend_mm           1: ZendMM was the heap; 0: USE_ZEND_ALLOC=0
--   peak_observed     highest usage the observer saw: sum of the sites' peak_live_bytes
--   blocks_untracked  blocks the block map could not record (out of memory)
--   script_ended      1: leak_* columns are set (the script reached request shutdown)
--   gc_idle_ns        time in gc_collect_cycles() calls that found nothing to collect
--   run_tag           zend.mm_observe_run_tag: lets a harness find its run
--   full_shutdown     1: zend.mm_observe_full_shutdown freed everything one by one
--   test_path         set by run-tests.php --mm-observe: the .phpt file
--   test_title        ... its --TEST-- title
--   test_result       ... PASS, FAIL, SKIP, BORK, LEAK, WARN, XFAIL, ...
--   ring_path         the ring file while recording (NULL: kept in memory only)
--   events_lost       ring records dropped because the ring was full
--   events_torn       ring records found half-written (crash import), skipped
--   flushes           drains of the ring into the database
--   flush_ns          time the drains paused the script, in total
--   flush_max_ns      ... the longest one
--   request_method    web SAPIs: GET, POST, ...
--   request_uri       web SAPIs: the URI without its query string
--   imported_at       set when a crashed run was imported from its ring
--   ring_token        the ring's random run_token: an importer merges a ring into this row only if they match
--   detail            why its per-site detail is kept: all, oom, error, peak, slow, sampled, flushed; NULL: summary row only (worker mode); rolled_up: dropped for zend.mm_observe_max_db_size
--   duration_ns       from request start to its end
--   http_status       web SAPIs: the response status
--   alloc_count       blocks the request allocated ({unobserved} left out)
--   end_live_bytes    ... of which live at the end of the script
--   gc_passes         collector passes
--   gc_ns             ... and their time
--   request_seq       the request's number in its process (1-based)
--   path_sample_bytes call paths: the mean of the sampling (0: every block's path); NULL: no paths recorded
--   path_samples      blocks whose call path was recorded
--   paths_dropped     ... that could not be kept (the path tables were full)
--   paths_truncated   ... whose path was cut at zend.mm_observe_path_depth frames
--   args              command-line runs: the arguments after the script, shell-quoted, at most 511 bytes (a cut list ends in "..."); NULL: none, or zend.mm_observe_args=0
CREATE TABLE IF NOT EXISTS mm_runs (
 run_id INTEGER PRIMARY KEY AUTOINCREMENT,
 pid INTEGER NOT NULL,
 sapi TEXT NOT NULL,
 script TEXT,
 started_at TEXT NOT NULL,
 ended_at TEXT,
 php_version TEXT NOT NULL,
 status TEXT NOT NULL,
 peak_usage INTEGER,
 usage_start INTEGER,
 usage_end INTEGER,
 exit_status INTEGER,
 site_count INTEGER,
 sites_dropped INTEGER,
 observer_bytes INTEGER,
 zend_mm INTEGER,
 peak_observed INTEGER,
 blocks_untracked INTEGER,
 script_ended INTEGER,
 gc_idle_ns INTEGER,
 run_tag TEXT,
 full_shutdown INTEGER,
 test_path TEXT,
 test_title TEXT,
 test_result TEXT,
 ring_path TEXT,
 events_lost INTEGER,
 events_torn INTEGER,
 flushes INTEGER,
 flush_ns INTEGER,
 flush_max_ns INTEGER,
 request_method TEXT,
 request_uri TEXT,
 imported_at TEXT,
 ring_token INTEGER,
 detail TEXT,
 duration_ns INTEGER,
 http_status INTEGER,
 alloc_count INTEGER,
 alloc_bytes INTEGER,
 end_live_bytes INTEGER,
 gc_passes INTEGER,
 gc_ns INTEGER,
 request_seq INTEGER,
 path_sample_bytes INTEGER,
 path_samples INTEGER,
 paths_dropped INTEGER,
 paths_truncated INTEGER,
 args TEXT
);
CREATE TABLE IF NOT EXISTS mm_strings (
 str_id INTEGER PRIMARY KEY,
 str TEXT NOT NULL UNIQUE
);
--   kind  vm | compile | pseudo
CREATE TABLE IF NOT EXISTS mm_site_counters (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 site_id INTEGER NOT NULL,
 kind TEXT NOT NULL,
 file_id INTEGER NOT NULL,
 line INTEGER NOT NULL,
 function_id INTEGER NOT NULL,
 opcode_id INTEGER,
 callee_id INTEGER,
 flags INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL,
 alloc_bytes INTEGER NOT NULL,
 free_count INTEGER NOT NULL,
 free_bytes INTEGER NOT NULL,
 realloc_count INTEGER NOT NULL,
 live_count INTEGER NOT NULL,
 live_bytes INTEGER NOT NULL,
 peak_live_bytes INTEGER NOT NULL,
 leak_count INTEGER NOT NULL,
 leak_bytes INTEGER NOT NULL,
 gc_alloc_count INTEGER NOT NULL,
 gc_alloc_bytes INTEGER NOT NULL,
 gc_free_count INTEGER NOT NULL,
 gc_free_bytes INTEGER NOT NULL,
 realloc_bytes INTEGER,
 realloc_growth_bytes INTEGER,
 PRIMARY KEY (run_id, site_id)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_sites AS SELECT c.run_id, c.site_id, c.kind, f.str AS file, c.line, fn.str AS function, op.str AS opcode, ca.str AS callee, c.flags, c.alloc_count, c.alloc_bytes, c.free_count, c.free_bytes, c.realloc_count, c.live_count, c.live_bytes, c.peak_live_bytes, c.leak_count, c.leak_bytes, c.gc_alloc_count, c.gc_alloc_bytes, c.gc_free_count, c.gc_free_bytes FROM mm_site_counters c JOIN mm_strings f ON f.str_id = c.file_id JOIN mm_strings fn ON fn.str_id = c.function_id LEFT JOIN mm_strings op ON op.str_id = c.opcode_id LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id;
CREATE VIEW IF NOT EXISTS mm_lines AS SELECT run_id, file, line, SUM(alloc_count) AS alloc_count, SUM(alloc_bytes) AS alloc_bytes, SUM(free_count) AS free_count, SUM(free_bytes) AS free_bytes, SUM(realloc_count) AS realloc_count, SUM(live_count) AS live_count, SUM(live_bytes) AS live_bytes, SUM(peak_live_bytes) AS peak_live_bytes, SUM(leak_count) AS leak_count, SUM(leak_bytes) AS leak_bytes, COUNT(*) AS sites FROM mm_sites GROUP BY run_id, file, line;
CREATE VIEW IF NOT EXISTS mm_leaks AS SELECT run_id, site_id, kind, file, line, function, opcode, callee, leak_count, leak_bytes, live_count, live_bytes FROM mm_sites WHERE leak_count > 0 OR leak_bytes > 0;
-- Reallocs (schema version 7).  alloc_bytes counts every block a site
-- allocated, a realloc's new block included, so a string appended to a
-- thousand times is counted a thousand times, each time whole.
-- mm_site_allocs: mm_sites' columns and, per site:
--   realloc_bytes         the blocks its reallocs returned (part of alloc_bytes)
--   realloc_growth_bytes  what each realloc added to the block it replaced
--                         (new size less old size; 0 for a shrink)
--   alloc_net_bytes       alloc_bytes - realloc_bytes + realloc_growth_bytes:
--                         what --mm-report calls "allocated"
-- Both are NULL in rows written before version 7 (alloc_net_bytes is then
-- alloc_bytes).
CREATE VIEW IF NOT EXISTS mm_site_allocs AS SELECT s.*, c.realloc_bytes, c.realloc_growth_bytes, s.alloc_bytes - COALESCE(c.realloc_bytes, 0) + COALESCE(c.realloc_growth_bytes, 0) AS alloc_net_bytes FROM mm_sites s JOIN mm_site_counters c ON c.run_id = s.run_id AND c.site_id = s.site_id;
--   seq      1-based pass number in the run
--   call     1-based zend_gc_collect_cycles() call in the run
--   rerun    1: the automatic rerun after the destructors of the previous pass
--   trigger  threshold | explicit | shutdown | other
CREATE TABLE IF NOT EXISTS mm_gc_passes (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 seq INTEGER NOT NULL,
 call INTEGER NOT NULL,
 rerun INTEGER NOT NULL,
 aborted INTEGER NOT NULL,
 trigger TEXT NOT NULL,
 file_id INTEGER NOT NULL, line INTEGER NOT NULL, function_id INTEGER NOT NULL,
 roots INTEGER NOT NULL, collected INTEGER NOT NULL, buffer_size INTEGER NOT NULL,
 threshold_before INTEGER NOT NULL, threshold_after INTEGER NOT NULL,
 mem_before INTEGER NOT NULL, mem_after INTEGER NOT NULL, started_ns INTEGER NOT NULL,
 mark_ns INTEGER NOT NULL, scan_ns INTEGER NOT NULL, collect_ns INTEGER NOT NULL,
 destructor_ns INTEGER NOT NULL, free_ns INTEGER NOT NULL, compact_ns INTEGER NOT NULL,
 total_ns INTEGER NOT NULL,
 PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_gc_runs AS SELECT g.run_id, g.seq, g.call, g.rerun, g.aborted, g.trigger, f.str AS file, g.line, fn.str AS function, g.roots, g.collected, g.buffer_size, g.threshold_before, g.threshold_after, g.mem_before, g.mem_after, g.started_ns, g.mark_ns, g.scan_ns, g.collect_ns, g.destructor_ns, g.free_ns, g.compact_ns, g.total_ns FROM mm_gc_passes g JOIN mm_strings f ON f.str_id = g.file_id JOIN mm_strings fn ON fn.str_id = g.function_id;
CREATE VIEW IF NOT EXISTS mm_gc_summary AS SELECT run_id, COUNT(*) AS gc_runs, SUM(collected) AS collected, SUM(total_ns) AS total_pause_ns, MAX(total_ns) AS max_pause_ns, ROUND(1.0 * SUM(mark_ns) / MAX(SUM(total_ns), 1), 4) AS mark_share, ROUND(1.0 * SUM(scan_ns) / MAX(SUM(total_ns), 1), 4) AS scan_share, ROUND(1.0 * SUM(collect_ns) / MAX(SUM(total_ns), 1), 4) AS collect_share, ROUND(1.0 * SUM(destructor_ns) / MAX(SUM(total_ns), 1), 4) AS destructor_share, ROUND(1.0 * SUM(free_ns) / MAX(SUM(total_ns), 1), 4) AS free_share, ROUND(1.0 * SUM(compact_ns) / MAX(SUM(total_ns), 1), 4) AS compact_share, ROUND(SUM(collected) * 1e6 / MAX(SUM(total_ns), 1), 1) AS collected_per_ms FROM mm_gc_passes GROUP BY run_id;
-- Version 2.
CREATE INDEX IF NOT EXISTS mm_runs_run_tag ON mm_runs(run_tag) WHERE run_tag IS NOT NULL;
CREATE INDEX IF NOT EXISTS mm_runs_test_path ON mm_runs(test_path) WHERE test_path IS NOT NULL;
-- Per run: the request's own counters ({unobserved}, what was live
-- before observation started, left out) and its GC figures.
CREATE VIEW IF NOT EXISTS mm_run_totals AS SELECT r.run_id, COALESCE(SUM(c.alloc_count), 0) AS alloc_count, COALESCE(SUM(c.alloc_bytes), 0) AS alloc_bytes, COALESCE(SUM(c.free_count), 0) AS free_count, COALESCE(SUM(c.free_bytes), 0) AS free_bytes, COALESCE(SUM(c.realloc_count), 0) AS realloc_count, COALESCE(SUM(c.live_count), 0) AS live_count, COALESCE(SUM(c.live_bytes), 0) AS live_bytes, COALESCE(SUM(c.leak_count), 0) AS leak_count, COALESCE(SUM(c.leak_bytes), 0) AS leak_bytes, (SELECT COUNT(*) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_runs, (SELECT COALESCE(SUM(collected), 0) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_collected, (SELECT COALESCE(SUM(total_ns), 0) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc_ns FROM mm_runs r LEFT JOIN mm_site_counters c ON c.run_id = r.run_id AND NOT (c.kind = 'pseudo' AND c.function_id IN (SELECT str_id FROM mm_strings WHERE str = '{unobserved}')) GROUP BY r.run_id;
CREATE VIEW IF NOT EXISTS mm_tests AS SELECT r.run_id, r.test_path, r.test_title, r.test_result, r.status, r.started_at, r.peak_usage, r.full_shutdown, t.alloc_count, t.alloc_bytes, t.free_count, t.free_bytes, t.realloc_count, t.live_count, t.live_bytes, t.leak_count, t.leak_bytes, t.gc_runs, t.gc_collected, t.gc_ns FROM mm_runs r JOIN mm_run_totals t ON t.run_id = r.run_id WHERE r.test_path IS NOT NULL;
-- The request's memory error (memory_limit or the system), recorded
-- before the bailout, and the sites that held the most then.
--   kind     memory_limit | system
--   site_id  the site that made the failing request
CREATE TABLE IF NOT EXISTS mm_oom_events (
 run_id INTEGER PRIMARY KEY REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 kind TEXT NOT NULL,
 site_id INTEGER NOT NULL,
 requested INTEGER NOT NULL, memory_limit INTEGER NOT NULL, usage INTEGER NOT NULL,
 at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS mm_oom_top (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 rank INTEGER NOT NULL, site_id INTEGER NOT NULL, live_bytes INTEGER NOT NULL, live_count INTEGER NOT NULL,
 PRIMARY KEY (run_id, rank)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_oom AS SELECT o.run_id, o.kind, s.file, s.line, s.function, s.opcode, s.callee, o.requested, o.memory_limit, o.usage, o.at FROM mm_oom_events o JOIN mm_sites s ON s.run_id = o.run_id AND s.site_id = o.site_id;
CREATE VIEW IF NOT EXISTS mm_oom_top_sites AS SELECT t.run_id, t.rank, s.kind, s.file, s.line, s.function, s.opcode, s.callee, t.live_bytes, t.live_count FROM mm_oom_top t JOIN mm_sites s ON s.run_id = t.run_id AND s.site_id = t.site_id;
-- Version 3: the ring's events.
--   seq        1-based in the run
--   t_ns       from the start of the request
--   allocated  bytes allocated since the request started
--   site_id    the site allocating when the sample was taken
CREATE TABLE IF NOT EXISTS mm_samples (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 seq INTEGER NOT NULL,
 t_ns INTEGER NOT NULL,
 usage INTEGER NOT NULL, peak INTEGER NOT NULL,
 allocated INTEGER NOT NULL,
 site_id INTEGER NOT NULL,
 PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
--   snapshot_id  1-based in the run: mm_observe_snapshot()'s result
--   site_id      where mm_observe_snapshot() was called
CREATE TABLE IF NOT EXISTS mm_snapshots (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 snapshot_id INTEGER NOT NULL,
 label TEXT NOT NULL,
 t_ns INTEGER NOT NULL, usage INTEGER NOT NULL,
 site_id INTEGER NOT NULL,
 PRIMARY KEY (run_id, snapshot_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mm_snapshot_counters (
 run_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, site_id INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL,
 free_count INTEGER NOT NULL, free_bytes INTEGER NOT NULL,
 live_count INTEGER NOT NULL, live_bytes INTEGER NOT NULL,
 PRIMARY KEY (run_id, snapshot_id, site_id),
 FOREIGN KEY (run_id, snapshot_id) REFERENCES mm_snapshots(run_id, snapshot_id) ON DELETE CASCADE
) WITHOUT ROWID;
--   reason  explicit | high_water | snapshot
CREATE TABLE IF NOT EXISTS mm_flushes (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 seq INTEGER NOT NULL,
 reason TEXT NOT NULL,
 t_ns INTEGER NOT NULL, duration_ns INTEGER NOT NULL, events INTEGER NOT NULL,
 PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_snapshot_sites AS SELECT c.run_id, c.snapshot_id, n.label, s.file, s.line, s.function, c.alloc_count, c.alloc_bytes, c.live_count, c.live_bytes, s.callee, s.opcode, s.site_id FROM mm_snapshot_counters c JOIN mm_snapshots n ON n.run_id = c.run_id AND n.snapshot_id = c.snapshot_id JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id;
-- Per site, the change of live bytes from each snapshot's predecessor in
-- the run (a site absent from the previous snapshot had 0).
CREATE VIEW IF NOT EXISTS mm_growth AS SELECT c.run_id, c.snapshot_id, p.snapshot_id AS prev_snapshot_id, c.label, c.file, c.line, c.function, c.callee, c.live_bytes, c.live_bytes - COALESCE(pc.live_bytes, 0) AS live_bytes_growth, c.live_count - COALESCE(pc.live_count, 0) AS live_count_growth, c.alloc_bytes - COALESCE(pc.alloc_bytes, 0) AS alloc_bytes_growth, c.site_id FROM mm_snapshot_sites c JOIN mm_snapshots p ON p.run_id = c.run_id AND p.snapshot_id =  (SELECT MAX(snapshot_id) FROM mm_snapshots q WHERE q.run_id = c.run_id AND q.snapshot_id < c.snapshot_id) LEFT JOIN mm_snapshot_counters pc ON pc.run_id = c.run_id AND pc.snapshot_id = p.snapshot_id AND pc.site_id = c.site_id;
CREATE VIEW IF NOT EXISTS mm_timeline AS SELECT s.run_id, s.seq, s.t_ns, s.usage, s.peak, s.allocated, t.file, t.line, t.function FROM mm_samples s LEFT JOIN mm_sites t ON t.run_id = s.run_id AND t.site_id = s.site_id;
-- Version 4.
CREATE INDEX IF NOT EXISTS mm_runs_ring_token ON mm_runs(ring_token) WHERE ring_token IS NOT NULL;
-- Version 5: worker mode.  Every request of a worker folds into its
-- endpoint (method, URI without the query) per time window; the sums
-- equal the sums of the requests' mm_runs rows (invariant 7).
--   window_start    Unix seconds: start of the window (zend.mm_observe_window)
--   detailed        requests whose per-site detail is kept (mm_runs.detail)
--   end_live_bytes  Σ of the requests' bytes live at the end of the script
CREATE TABLE IF NOT EXISTS mm_endpoint_windows (
 window_start INTEGER NOT NULL,
 method TEXT NOT NULL, uri TEXT NOT NULL,
 requests INTEGER NOT NULL, errors INTEGER NOT NULL, ooms INTEGER NOT NULL,
 detailed INTEGER NOT NULL,
 duration_ns INTEGER NOT NULL, duration_max_ns INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL,
 peak_sum INTEGER NOT NULL, peak_max INTEGER NOT NULL,
 end_live_bytes INTEGER NOT NULL,
 gc_passes INTEGER NOT NULL, gc_ns INTEGER NOT NULL,
 PRIMARY KEY (window_start, method, uri)
) WITHOUT ROWID;
--   bucket  peaks in [2^bucket, 2^(bucket+1)) bytes
CREATE TABLE IF NOT EXISTS mm_endpoint_peaks (
 window_start INTEGER NOT NULL, method TEXT NOT NULL, uri TEXT NOT NULL,
 bucket INTEGER NOT NULL,
 requests INTEGER NOT NULL,
 PRIMARY KEY (window_start, method, uri, bucket)
) WITHOUT ROWID;
--   opcode_id        0: none (pseudo sites)
--   callee_id        0: none
--   requests         requests that allocated or freed here
--   leak_count       live at the end of the script, summed
--   peak_live_bytes  live at each request's peak, summed
CREATE TABLE IF NOT EXISTS mm_endpoint_site_counters (
 window_start INTEGER NOT NULL, method TEXT NOT NULL, uri TEXT NOT NULL,
 kind TEXT NOT NULL, file_id INTEGER NOT NULL, line INTEGER NOT NULL, function_id INTEGER NOT NULL,
 opcode_id INTEGER NOT NULL,
 callee_id INTEGER NOT NULL,
 requests INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL, realloc_count INTEGER NOT NULL,
 leak_count INTEGER NOT NULL, leak_bytes INTEGER NOT NULL,
 peak_live_bytes INTEGER NOT NULL,
 realloc_bytes INTEGER, realloc_growth_bytes INTEGER,
 PRIMARY KEY (window_start, method, uri, kind, file_id, line, function_id, opcode_id, callee_id)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_endpoints AS SELECT method, uri, SUM(requests) AS requests, SUM(errors) AS errors, SUM(ooms) AS ooms, SUM(detailed) AS detailed, SUM(duration_ns) AS duration_ns, MAX(duration_max_ns) AS duration_max_ns, SUM(alloc_count) AS alloc_count, SUM(alloc_bytes) AS alloc_bytes, SUM(peak_sum) / SUM(requests) AS peak_avg, MAX(peak_max) AS peak_max, SUM(end_live_bytes) AS end_live_bytes, SUM(gc_passes) AS gc_passes, SUM(gc_ns) AS gc_ns, MIN(window_start) AS first_window, MAX(window_start) AS last_window FROM mm_endpoint_windows GROUP BY method, uri;
CREATE VIEW IF NOT EXISTS mm_endpoint_sites AS SELECT c.window_start, c.method, c.uri, c.kind, f.str AS file, c.line, fn.str AS function, op.str AS opcode, ca.str AS callee, c.requests, c.alloc_count, c.alloc_bytes, c.realloc_count, c.leak_count, c.leak_bytes, c.peak_live_bytes FROM mm_endpoint_site_counters c JOIN mm_strings f ON f.str_id = c.file_id JOIN mm_strings fn ON fn.str_id = c.function_id LEFT JOIN mm_strings op ON op.str_id = c.opcode_id LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id;

-- Call paths (schema version 6; UPGRADING.observability, section 11).  The
-- frames of a run's paths form a tree: a frame is a caller (its function,
-- file and the line of the call it makes, inside `callee` when an internal
-- function calls back into PHP), parent_id its own caller (0: a root).
-- A path is (innermost frame, allocating site); its figures are unbiased
-- estimates from sampled blocks (exact when path_sample_bytes is 0).
-- mm_paths: a path's callers as text, root first ("{main} (/app/a.php:12)
-- > top (/app/a.php:5) array_map()"), its site, its figures:
--   samples          blocks sampled on this path (not estimated)
--   live_*           live when the request ended; leak_*: at the end of the script
--   peak_live_bytes  live when the heap reached its peak
CREATE TABLE IF NOT EXISTS mm_path_frames (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 frame_id INTEGER NOT NULL,
 parent_id INTEGER NOT NULL,
 depth INTEGER NOT NULL,
 function_id INTEGER NOT NULL,
 file_id INTEGER NOT NULL,
 line INTEGER NOT NULL,
 callee_id INTEGER,
 PRIMARY KEY (run_id, frame_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS mm_path_counters (
 run_id INTEGER NOT NULL REFERENCES mm_runs(run_id) ON DELETE CASCADE,
 path_id INTEGER NOT NULL,
 frame_id INTEGER NOT NULL,
 site_id INTEGER NOT NULL,
 samples INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL,
 alloc_bytes INTEGER NOT NULL,
 live_count INTEGER NOT NULL,
 live_bytes INTEGER NOT NULL,
 peak_live_bytes INTEGER NOT NULL,
 leak_count INTEGER NOT NULL,
 leak_bytes INTEGER NOT NULL,
 realloc_bytes INTEGER,
 realloc_growth_bytes INTEGER,
 PRIMARY KEY (run_id, path_id)
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_path_frame_names AS SELECT p.run_id, p.frame_id, p.parent_id, p.depth, fn.str AS function, f.str AS file, p.line, ca.str AS callee FROM mm_path_frames p JOIN mm_strings fn ON fn.str_id = p.function_id JOIN mm_strings f ON f.str_id = p.file_id LEFT JOIN mm_strings ca ON ca.str_id = p.callee_id;
CREATE VIEW IF NOT EXISTS mm_paths AS WITH RECURSIVE up(run_id, path_id, frame_id, frames, n) AS (SELECT run_id, path_id, frame_id, '', 0 FROM mm_path_counters UNION ALL SELECT u.run_id, u.path_id, f.parent_id, fn.str || ' (' || fl.str || ':' || f.line || ')' || CASE WHEN f.callee_id IS NULL THEN '' ELSE ' ' || ca.str || '()' END || CASE WHEN u.n = 0 THEN '' ELSE ' > ' || u.frames END, u.n + 1 FROM up u JOIN mm_path_frames f ON f.run_id = u.run_id AND f.frame_id = u.frame_id JOIN mm_strings fn ON fn.str_id = f.function_id JOIN mm_strings fl ON fl.str_id = f.file_id LEFT JOIN mm_strings ca ON ca.str_id = f.callee_id WHERE u.n < 2000) SELECT c.run_id, c.path_id, u.frames, c.frame_id, c.site_id, s.kind, s.file, s.line, s.function, s.opcode, s.callee, c.samples, c.alloc_count, c.alloc_bytes, c.live_count, c.live_bytes, c.peak_live_bytes, c.leak_count, c.leak_bytes FROM mm_path_counters c JOIN up u ON u.run_id = c.run_id AND u.path_id = c.path_id AND u.frame_id = 0 JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id;
-- A path's counters at each snapshot (mm_observe_snapshot()), and their
-- growth since the previous one: join mm_paths on (run_id, path_id) for
-- the callers.  A worker's leak under a shared library line points at the
-- caller that keeps the memory.
CREATE TABLE IF NOT EXISTS mm_snapshot_path_counters (
 run_id INTEGER NOT NULL, snapshot_id INTEGER NOT NULL, path_id INTEGER NOT NULL,
 alloc_count INTEGER NOT NULL, alloc_bytes INTEGER NOT NULL,
 live_count INTEGER NOT NULL, live_bytes INTEGER NOT NULL,
 PRIMARY KEY (run_id, snapshot_id, path_id),
 FOREIGN KEY (run_id, snapshot_id) REFERENCES mm_snapshots(run_id, snapshot_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE VIEW IF NOT EXISTS mm_path_growth AS SELECT c.run_id, c.snapshot_id, p.snapshot_id AS prev_snapshot_id, n.label, c.path_id, c.live_bytes, c.live_bytes - COALESCE(pc.live_bytes, 0) AS live_bytes_growth, c.live_count - COALESCE(pc.live_count, 0) AS live_count_growth, c.alloc_bytes - COALESCE(pc.alloc_bytes, 0) AS alloc_bytes_growth FROM mm_snapshot_path_counters c JOIN mm_snapshots n ON n.run_id = c.run_id AND n.snapshot_id = c.snapshot_id JOIN mm_snapshots p ON p.run_id = c.run_id AND p.snapshot_id = (SELECT MAX(snapshot_id) FROM mm_snapshots q WHERE q.run_id = c.run_id AND q.snapshot_id < c.snapshot_id) LEFT JOIN mm_snapshot_path_counters pc ON pc.run_id = c.run_id AND pc.snapshot_id = p.snapshot_id AND pc.path_id = c.path_id;
