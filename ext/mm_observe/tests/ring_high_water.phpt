--TEST--
mm_observe ring: past its high-water mark the ring is drained at the next safe point (nothing lost); a ring that fills inside one internal call counts its loss
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* A: many memory samples from PHP code: the VM reaches safe points often. */
$a = mmo_observe(__FILE__, '<?php $k = []; for ($i = 0; $i < 30000; $i++) { $k[] = str_repeat("x", 200); } echo count($k), "\n";', $db,
    ['-d', 'zend.mm_observe_ring_size=16K', '-d', 'zend.mm_observe_sample_bytes=4K']);
echo $a['out'], $a['err'];
/* B: one unserialize() call makes ~40000 allocations with no safe point in between. */
$b = mmo_observe(__FILE__, '<?php $s = serialize(array_map(fn($i) => "v$i", range(1, 40000))); $v = unserialize($s); echo count($v), "\n";', $db,
    ['-d', 'zend.mm_observe_ring_size=16K', '-d', 'zend.mm_observe_sample_bytes=64']);
echo $b['out'], $b['err'];
$h = mmo_db($db);
foreach ([1, 2] as $run) {
    $r = mmo_rows($h, 'SELECT status, events_lost, flushes, flush_ns >= flush_max_ns AS sane FROM mm_runs WHERE run_id = ?', [$run])[0];
    $s = mmo_rows($h, 'SELECT count(*) AS n, max(seq) AS last FROM mm_samples WHERE run_id = ?', [$run])[0];
    $f = mmo_rows($h, "SELECT count(*) AS n, sum(reason = 'high_water') AS hw, max(duration_ns) AS longest FROM mm_flushes WHERE run_id = ?", [$run])[0];
    printf("run %d: %s; samples %s; lost %s; high-water drains %s; every drain recorded: %s; durations add up: %s\n", $run, $r['status'],
        $s['n'] == $s['last'] ? 'contiguous' : 'with gaps',
        $r['events_lost'] == 0 ? 'none' : ($r['events_lost'] >= $s['last'] - $s['n'] ? 'counted' : 'UNDERCOUNTED'),
        $f['hw'] > 0 ? 'yes' : 'no', var_export($f['n'] == $r['flushes'], true), var_export((bool) $r['sane'], true));
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
30000
40000
run 1: ok; samples contiguous; lost none; high-water drains yes; every drain recorded: true; durations add up: true
run 2: ok; samples with gaps; lost counted; high-water drains yes; every drain recorded: true; durations add up: true
