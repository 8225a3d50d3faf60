--TEST--
mm_observe: a schema version 1 database is upgraded in place to the current version (also by concurrent writers), its runs kept
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = '<?php $a = str_repeat("x", 5000); echo strlen($a), "\n";';
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
/* Take it back to what version 1 wrote: no version 2, 3, 4, 5 or 6 columns, tables, views or indexes. */
$h = new SQLite3($db);
$h->exec('DROP VIEW mm_paths; DROP VIEW mm_path_frame_names; DROP VIEW mm_path_growth;
    DROP TABLE mm_path_frames; DROP TABLE mm_path_counters; DROP TABLE mm_snapshot_path_counters;
    ALTER TABLE mm_runs DROP COLUMN path_sample_bytes; ALTER TABLE mm_runs DROP COLUMN path_samples;
    ALTER TABLE mm_runs DROP COLUMN paths_dropped; ALTER TABLE mm_runs DROP COLUMN paths_truncated;
    DROP VIEW mm_endpoints; DROP VIEW mm_endpoint_sites; DROP TABLE mm_endpoint_windows;
    DROP TABLE mm_endpoint_peaks; DROP TABLE mm_endpoint_site_counters;
    ALTER TABLE mm_runs DROP COLUMN detail; ALTER TABLE mm_runs DROP COLUMN duration_ns;
    ALTER TABLE mm_runs DROP COLUMN http_status; ALTER TABLE mm_runs DROP COLUMN alloc_count;
    ALTER TABLE mm_runs DROP COLUMN alloc_bytes; ALTER TABLE mm_runs DROP COLUMN end_live_bytes;
    ALTER TABLE mm_runs DROP COLUMN gc_passes; ALTER TABLE mm_runs DROP COLUMN gc_ns;
    ALTER TABLE mm_runs DROP COLUMN request_seq;
    DROP INDEX mm_runs_ring_token; ALTER TABLE mm_runs DROP COLUMN ring_token;
    DROP VIEW mm_growth; DROP VIEW mm_snapshot_sites; DROP VIEW mm_timeline;
    DROP TABLE mm_samples; DROP TABLE mm_snapshot_counters; DROP TABLE mm_snapshots; DROP TABLE mm_flushes;
    ALTER TABLE mm_runs DROP COLUMN ring_path; ALTER TABLE mm_runs DROP COLUMN events_lost;
    ALTER TABLE mm_runs DROP COLUMN events_torn; ALTER TABLE mm_runs DROP COLUMN flushes;
    ALTER TABLE mm_runs DROP COLUMN flush_ns; ALTER TABLE mm_runs DROP COLUMN flush_max_ns;
    ALTER TABLE mm_runs DROP COLUMN request_method; ALTER TABLE mm_runs DROP COLUMN request_uri;
    ALTER TABLE mm_runs DROP COLUMN imported_at;
    DROP VIEW mm_oom; DROP VIEW mm_oom_top_sites; DROP TABLE mm_oom_events; DROP TABLE mm_oom_top;
    DROP VIEW mm_tests; DROP VIEW mm_run_totals; DROP INDEX mm_runs_run_tag; DROP INDEX mm_runs_test_path;
    ALTER TABLE mm_runs DROP COLUMN run_tag; ALTER TABLE mm_runs DROP COLUMN full_shutdown;
    ALTER TABLE mm_runs DROP COLUMN test_path; ALTER TABLE mm_runs DROP COLUMN test_title;
    ALTER TABLE mm_runs DROP COLUMN test_result; PRAGMA user_version = 1;');
$h->close();
/* Four writers find it at version 1 at once. */
$procs = [];
for ($i = 0; $i < 4; $i++) {
    file_put_contents(mmo_path(__FILE__, ".$i.child.php"), $code);
    $procs[] = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
        '-d', "zend.mm_observe_run_tag=w$i", mmo_path(__FILE__, ".$i.child.php")], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$i]);
}
foreach ($procs as $i => $p) {
    echo stream_get_contents($pipes[$i][1]), stream_get_contents($pipes[$i][2]);
    proc_close($p);
    @unlink(mmo_path(__FILE__, ".$i.child.php"));
}
$h = mmo_db($db);
echo "user_version: ", mmo_value($h, 'PRAGMA user_version'), "\n";
echo "runs: ", implode(',', array_column(mmo_rows($h, "SELECT coalesce(run_tag, '-') AS t FROM mm_runs ORDER BY t"), 't')), "\n";
echo "the version 1 run kept its sites: ", var_export(mmo_value($h, 'SELECT count(*) FROM mm_sites WHERE run_id = 1') > 0, true), "\n";
/* The four concurrent runs ran the same code from scripts with names of the same length. */
echo "totals of the concurrent runs agree: ", var_export(mmo_value($h, 'SELECT count(DISTINCT alloc_bytes) FROM mm_run_totals WHERE run_id > 1') == 1, true), "\n";
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
5000
5000
5000
5000
5000
user_version: 7
runs: -,w0,w1,w2,w3
the version 1 run kept its sites: true
totals of the concurrent runs agree: true
integrity: ok
