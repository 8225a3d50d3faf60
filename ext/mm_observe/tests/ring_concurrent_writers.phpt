--TEST--
mm_observe ring: 8 processes flush, snapshot and end into one database at once (WAL); no row lost or mixed
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$s0 = gc_status();
$keep = [];
for ($i = 1; $i <= 30000; $i++) {
    $keep[] = str_repeat('w', 64 + $argv[1]);
    if ($i % 100 == 0) { $o = new stdClass; $o->self = $o; unset($o); }
    if ($i % 10000 == 0) { mm_observe_snapshot("w$argv[1] at $i"); gc_collect_cycles(); }
    if ($i % 5000 == 0) { mm_observe_flush(); }
}
printf("%d %d\n", $argv[1], gc_status()['runs'] - $s0['runs']);
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$procs = [];
for ($w = 0; $w < 8; $w++) {
    $procs[$w] = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
        '-d', "zend.mm_observe_run_tag=w$w", '-d', 'zend.mm_observe_sample_bytes=64K', mmo_path(__FILE__, '.child.php'), (string) $w],
        [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes[$w]);
}
$gc = [];
foreach ($procs as $w => $p) {
    $out = stream_get_contents($pipes[$w][1]);
    $err = stream_get_contents($pipes[$w][2]);
    proc_close($p);
    if ($err !== '') { echo "writer $w: $err"; }
    [$id, $runs] = explode(' ', trim($out));
    $gc["w$id"] = (int) $runs;
}
$h = mmo_db($db);
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
echo "runs: ", mmo_value($h, "SELECT count(*) FROM mm_runs WHERE status = 'ok'"), " ok of ", mmo_value($h, 'SELECT count(*) FROM mm_runs'), "\n";
$bad = [];
foreach (mmo_rows($h, 'SELECT run_id, run_tag, events_lost, flushes FROM mm_runs') as $r) {
    $t = $r['run_tag'];
    $w = (int) substr($t, 1);
    $snap = mmo_rows($h, 'SELECT count(*) AS n, group_concat(label) AS labels FROM mm_snapshots WHERE run_id = ?', [$r['run_id']])[0];
    $counters = mmo_value($h, 'SELECT count(DISTINCT snapshot_id) FROM mm_snapshot_counters WHERE run_id = ?', [$r['run_id']]);
    $s = mmo_rows($h, 'SELECT count(*) AS n, max(seq) AS last FROM mm_samples WHERE run_id = ?', [$r['run_id']])[0];
    $passes = mmo_value($h, 'SELECT count(*) FROM mm_gc_passes WHERE run_id = ?', [$r['run_id']]);
    $allocs = mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE run_id = ? AND line = 5 AND callee = 'str_repeat'", [$r['run_id']]);
    $mine = mmo_value($h, "SELECT count(*) FROM mm_snapshots WHERE run_id = ? AND label NOT LIKE ?", [$r['run_id'], "$t at %"]);
    if ($snap['n'] != 3 || $counters != 3 || $mine != 0 || $s['n'] != $s['last'] || $s['n'] == 0 || $passes != $gc[$t]
            || $allocs != 30000 || $r['events_lost'] != 0 || $r['flushes'] < 9) {
        $bad[] = "$t: " . json_encode([$snap, $counters, $mine, $s, $passes, $gc[$t], $allocs, $r]);
    }
}
echo "every run complete and only its own: ", $bad ? implode("\n", $bad) : 'true', "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
integrity: ok
runs: 8 ok of 8
every run complete and only its own: true
