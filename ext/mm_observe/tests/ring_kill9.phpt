--TEST--
mm_observe ring: kill -9 at random moments; every ring imports (status 'crashed'), the database stays intact, counts grow with the time of the kill
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* A worker loop: keeps some blocks, makes cycles for the GC, never ends. */
$code = <<<'PHP'
<?php
$keep = [];
echo "started\n";
for ($i = 1; ; $i++) {
    $keep[] = str_repeat('k', 100);
    if ($i % 500 == 0) { $o = new stdClass; $o->self = $o; unset($o); }
    if ($i % 20000 == 0) { gc_collect_cycles(); }
    if ($i % 200000 == 0) { $keep = []; }
}
PHP;
mt_srand(20261124);
$delays = [];
for ($k = 0; $k < 12; $k++) {
    $delays[] = mt_rand(20, 600);
}
$results = [];
foreach ($delays as $k => $ms) {
    [$p, $pipes] = mmo_start(__FILE__, $code, $db, ['-d', 'zend.mm_observe_sample_bytes=64K']);
    mmo_wait_for($pipes, 'started');
    usleep($ms * 1000);
    $pid = proc_get_status($p)['pid'];
    posix_kill($pid, 9);
    proc_close($p);
    $ring = "$db.$pid.mmring";
    $r = mmo_cli(['--mm-import', $ring]);
    $results[] = ['ms' => $ms, 'status' => $r['status'], 'out' => $r['out'] . $r['err'], 'ring_left' => file_exists($ring)];
}
$h = mmo_db($db);
$ok = true;
foreach ($results as $i => $r) {
    if ($r['status'] !== 0 || $r['ring_left'] || !preg_match('/imported as run (\d+)/', $r['out'])) {
        $ok = false;
        echo "kill after {$r['ms']} ms: status {$r['status']}: {$r['out']}";
    }
}
echo "every import succeeded and removed its ring: ", var_export($ok, true), "\n";
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
$runs = mmo_rows($h, "SELECT r.run_id, r.status, r.imported_at IS NOT NULL AS imported, r.events_torn,
    (SELECT coalesce(sum(alloc_count), 0) FROM mm_sites s WHERE s.run_id = r.run_id AND s.line = 5) AS allocs,
    (SELECT count(*) FROM mm_samples m WHERE m.run_id = r.run_id) AS samples,
    (SELECT count(*) FROM mm_samples m WHERE m.run_id = r.run_id AND m.seq > (SELECT count(*) FROM mm_samples n WHERE n.run_id = r.run_id)) AS gaps
    FROM mm_runs r ORDER BY r.run_id");
echo "runs: ", count($runs), ", all crashed and imported: ",
    var_export(array_unique(array_map(fn($r) => $r['status'] . $r['imported'], $runs)) === ['crashed1'], true), "\n";
echo "every run has its allocations and samples: ", var_export(min(array_column($runs, 'allocs')) > 0 && min(array_column($runs, 'samples')) > 0, true), "\n";
echo "samples without gaps: ", var_export(array_sum(array_column($runs, 'gaps')) == 0, true), "\n";
/* Monotonic with the time of the kill: order the runs by delay; allocation
 * counts must not decrease (ties in delay aside), within noise of 25%. */
$by = [];
foreach ($runs as $i => $r) {
    $by[] = [$delays[$i], $r['allocs']];
}
usort($by, fn($a, $b) => $a[0] <=> $b[0]);
$mono = true;
for ($i = 1; $i < count($by); $i++) {
    if ($by[$i][0] - $by[$i - 1][0] > 100 && $by[$i][1] < $by[$i - 1][1] * 0.75) {
        $mono = false;
    }
}
echo "later kills recorded more: ", var_export($mono && $by[count($by) - 1][1] > $by[0][1], true), "\n";
/* A kill can land between two stores of one update: off by one block at most. */
echo "counters balance per site (within the one update a kill can split): ", var_export(mmo_value($h, 'SELECT count(*) FROM mm_sites WHERE abs(alloc_count - free_count - live_count) > 1') == 0, true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
every import succeeded and removed its ring: true
integrity: ok
runs: 12, all crashed and imported: true
every run has its allocations and samples: true
samples without gaps: true
later kills recorded more: true
counters balance per site (within the one update a kill can split): true
