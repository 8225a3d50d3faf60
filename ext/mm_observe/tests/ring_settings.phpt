--TEST--
mm_observe ring: zend.mm_observe_ring_size / _sample_bytes / _max_runs: bad values get a clear message and the default; max_runs keeps the newest runs
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = '<?php echo ini_get("zend.mm_observe_ring_size"), " ", ini_get("zend.mm_observe_sample_bytes"), " ", ini_get("zend.mm_observe_max_runs"), "\n";';
foreach ([
    ['zend.mm_observe_ring_size=1K'],
    ['zend.mm_observe_ring_size=2G'],
    ['zend.mm_observe_ring_size=lots'],
    ['zend.mm_observe_sample_bytes=-5'],
    ['zend.mm_observe_max_runs=-1'],
    ['zend.mm_observe_max_runs=ten'],
    ['zend.mm_observe_ring_size=64K', 'zend.mm_observe_sample_bytes=0'],
] as $settings) {
    $args = [];
    foreach ($settings as $s) { array_push($args, '-d', $s); }
    $r = mmo_observe(__FILE__, $code, $db, $args);
    echo implode(' ', $settings), " => ", $r['out'], $r['err'];
}
$h = mmo_db($db);
echo "runs recorded: ", mmo_value($h, "SELECT count(*) FROM mm_runs WHERE status = 'ok'"), "\n";
echo "samples with sample_bytes=0: ", mmo_value($h, "SELECT count(*) FROM mm_samples WHERE run_id = 7"), "\n";
$h->close();
/* Retention: keep the 3 newest finished runs. */
for ($i = 0; $i < 3; $i++) {
    mmo_observe(__FILE__, '<?php $a = str_repeat("r", 1000);', $db, ['-d', 'zend.mm_observe_max_runs=3']);
}
$h = mmo_db($db);
echo "after 3 more runs with max_runs=3: ", mmo_value($h, "SELECT group_concat(run_id) FROM mm_runs"), "\n";
$orphans = 0;
foreach (['mm_site_counters', 'mm_samples', 'mm_gc_passes', 'mm_flushes'] as $t) {
    $orphans += mmo_value($h, "SELECT count(*) FROM $t WHERE run_id NOT IN (SELECT run_id FROM mm_runs)");
}
echo "rows of removed runs left: $orphans\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
zend.mm_observe_ring_size=1K => 1M 16M 0
Warning: mm_observe: zend.mm_observe_ring_size=1K is outside 16384..1073741824 bytes; using the default
zend.mm_observe_ring_size=2G => 1M 16M 0
Warning: mm_observe: zend.mm_observe_ring_size=2G is outside 16384..1073741824 bytes; using the default
zend.mm_observe_ring_size=lots => 1M 16M 0
Warning: mm_observe: zend.mm_observe_ring_size=lots is not a size (Invalid quantity "lots": no valid leading digits, interpreting as "0" for backwards compatibility); using the default
zend.mm_observe_sample_bytes=-5 => 1M 16M 0
Warning: mm_observe: zend.mm_observe_sample_bytes=-5 is not a size (Invalid quantity "-5": value is out of range, using overflow result for backwards compatibility); using the default
zend.mm_observe_max_runs=-1 => 1M 16M 0
Warning: mm_observe: zend.mm_observe_max_runs=-1 is not a number of runs (0 keeps all); keeping all
zend.mm_observe_max_runs=ten => 1M 16M 0
Warning: mm_observe: zend.mm_observe_max_runs=ten is not a number of runs (0 keeps all); keeping all
zend.mm_observe_ring_size=64K zend.mm_observe_sample_bytes=0 => 64K 0 0
runs recorded: 7
samples with sample_bytes=0: 0
after 3 more runs with max_runs=3: 8,9,10
rows of removed runs left: 0
