--TEST--
mm_observe: frees are credited to their own site when ZendMM gives a page to blocks of another size (the block map's per-page slices)
--DESCRIPTION--
The block map keeps, per page of a ZendMM chunk, a slice of entries sized
for the page's bin (zend_mm_observe_blocks.c).  Here pages change hands
within one request: small strings of many bins fill pages, are freed, and
gc_mem_caches() gives their runs back to the chunk; then strings of other
bins, multi-page runs (320, 640, 1792, 3072 bytes), large blocks and
32-byte blocks take those pages, half of them are freed, and the cycle runs
three times.  Every str_repeat() site must count its own allocations and
frees exactly and keep exactly the blocks still referenced at the script's
end (line 13: one more than half, the foreach's $v holds the last one); the
heap is discarded at shutdown without frees, so they stay live; and the run
must conserve memory with no block left untracked.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
for ($round = 0; $round < 3; $round++) {
    $k = null; gc_mem_caches();
    $t = [];
    for ($i = 0; $i < 20000; $i++) { $t[] = str_repeat('a', 2 + $i % 40); }
    unset($t); gc_mem_caches();
    $k = [];
    for ($i = 0; $i < 600; $i++) { $k[] = str_repeat('b', 280); }
    for ($i = 0; $i < 600; $i++) { $k[] = str_repeat('c', 600); }
    for ($i = 0; $i < 300; $i++) { $k[] = str_repeat('d', 1700); }
    for ($i = 0; $i < 300; $i++) { $k[] = str_repeat('e', 3000); }
    for ($i = 0; $i < 200; $i++) { $k[] = str_repeat('f', 5000); }
    for ($i = 0; $i < 3000; $i++) { $k[] = str_repeat('g', 2); }
    foreach ($k as $j => $v) { if ($j % 2) { unset($k[$j]); } }
}
echo count($k), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT line, sum(alloc_count) AS a, sum(free_count) AS f, sum(leak_count) AS l, sum(live_count) AS live
        FROM mm_sites WHERE callee = 'str_repeat' GROUP BY line ORDER BY line") as $row) {
    printf("line %d: allocated %d, freed %d, live at the script's end %d, after shutdown %d\n",
        $row['line'], $row['a'], $row['f'], $row['l'], $row['live']);
}
foreach (mmo_rows($h, 'SELECT r.blocks_untracked, r.usage_end,
        (SELECT CASE WHEN sum(alloc_bytes) - sum(free_bytes) = sum(live_bytes) THEN sum(live_bytes) ELSE -1 END
         FROM mm_sites s WHERE s.run_id = r.run_id) AS recorded,
        (SELECT alloc_count FROM mm_sites s WHERE s.run_id = r.run_id AND s.function = \'{unobserved}\') AS unobserved_frees
        FROM mm_runs r') as $row) {
    printf("untracked %d, %s\n", $row['blocks_untracked'],
        $row['usage_end'] === $row['recorded'] ? 'conserved' : "MISMATCH usage {$row['usage_end']} vs recorded {$row['recorded']}");
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
2500
line 5: allocated 60000, freed 60000, live at the script's end 0, after shutdown 0
line 8: allocated 1800, freed 1500, live at the script's end 300, after shutdown 300
line 9: allocated 1800, freed 1500, live at the script's end 300, after shutdown 300
line 10: allocated 900, freed 750, live at the script's end 150, after shutdown 150
line 11: allocated 900, freed 750, live at the script's end 150, after shutdown 150
line 12: allocated 600, freed 500, live at the script's end 100, after shutdown 100
line 13: allocated 9000, freed 7499, live at the script's end 1501, after shutdown 1501
untracked 0, conserved
