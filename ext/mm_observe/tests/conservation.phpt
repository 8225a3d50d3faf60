--TEST--
mm_observe: recorded allocs minus frees equal ZendMM's own accounting
--DESCRIPTION--
For every run, over all sites: sum(alloc_bytes) - sum(free_bytes) equals
sum(live_bytes), which equals usage_end of mm_runs (memory_get_usage() when
observation stopped; what was live when it started is the {unobserved}
site's alloc_bytes, usage_start).  Small, large (> 3 KiB) and huge (> 2 MiB) blocks,
reallocs growing and shrinking, and a run that exits with a fatal error.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
$small = [];
for ($i = 0; $i < 1000; $i++) { $small[] = "s$i"; }
$large = str_repeat('L', 10000);
$huge = str_repeat('H', 3 * 1024 * 1024);
$s = '';
for ($i = 0; $i < 5000; $i++) { $s .= 'grow'; }
$arr = range(1, 5000);
$arr = array_slice($arr, 0, 10);
unset($huge, $small[5]);
$keep = json_decode(json_encode(['a' => range(1, 100)]), true);
echo strlen($s), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$r = mmo_observe(__FILE__, '<?php $x = str_repeat("y", 100000); undefined_function();', $db);
echo str_contains($r['out'], 'Call to undefined function undefined_function()') ? "fatal error shown\n" : $r['out'], $r['err'];
$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT r.run_id, r.status, r.zend_mm, r.usage_end AS usage_delta,
        (SELECT CASE WHEN sum(alloc_bytes) - sum(free_bytes) = sum(live_bytes) THEN sum(live_bytes) ELSE -1 END
         FROM mm_sites s WHERE s.run_id = r.run_id) AS recorded,
        (SELECT sum(realloc_count) FROM mm_sites s WHERE s.run_id = r.run_id) AS reallocs,
        (SELECT max(alloc_bytes) FROM mm_sites s WHERE s.run_id = r.run_id) AS biggest
        FROM mm_runs r ORDER BY run_id') as $row) {
    printf("run %d %s zend_mm=%d: %s, reallocs seen: %s, huge block seen: %s\n", $row['run_id'], $row['status'], $row['zend_mm'],
        $row['usage_delta'] === $row['recorded'] ? 'conserved' : "MISMATCH usage {$row['usage_delta']} vs recorded {$row['recorded']}",
        $row['reallocs'] > 0 ? 'yes' : 'no', $row['biggest'] >= 3 * 1024 * 1024 ? 'yes' : 'no');
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
20000
fatal error shown
run 1 ok zend_mm=1: conserved, reallocs seen: yes, huge block seen: yes
run 2 error zend_mm=1: conserved, reallocs seen: %s, huge block seen: no
