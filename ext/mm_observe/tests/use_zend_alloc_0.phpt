--TEST--
mm_observe: USE_ZEND_ALLOC=0 is observed too
--DESCRIPTION--
With the system allocator behind the engine, bytes are requested sizes
(ZendMM's usage is not kept), counts are exact and the books still balance
per site: alloc - free = live.  Without ZendMM the engine frees every block
one by one at shutdown (no fast shutdown), so nothing is live at the end;
mm_leaks still shows what the script kept.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = <<<'PHP'
<?php
class Job { public $n; }
$kept = [];
for ($i = 0; $i < 1000; $i++) {
    $job = new Job;
    if ($i % 10 === 0) { $kept[] = $job; }
}
$big = str_repeat('x', 3 * 1024 * 1024);
unset($big);
echo count($kept), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, [], ['USE_ZEND_ALLOC' => '0']);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo "zend_mm: ", mmo_value($h, 'SELECT zend_mm FROM mm_runs WHERE run_id = 1'), "\n";
$row = mmo_rows($h, "SELECT alloc_count, free_count, live_count, leak_count FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 5 AND opcode = 'NEW'", [$r['script']])[0];
echo "line 5: allocated {$row['alloc_count']}, freed {$row['free_count']}, live {$row['live_count']}, at script end {$row['leak_count']}\n";
$row = mmo_rows($h, "SELECT alloc_count, alloc_bytes, free_count, live_bytes FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 8 AND callee = 'str_repeat'", [$r['script']])[0];
echo "line 8: allocated {$row['alloc_count']} of ", $row['alloc_bytes'] >= 3 * 1024 * 1024 ? '>= 3 MiB' : $row['alloc_bytes'], ", freed {$row['free_count']}, live {$row['live_bytes']}\n";
echo "alloc - free - live: ", mmo_value($h, 'SELECT sum(alloc_bytes) - sum(free_bytes) - sum(live_bytes) FROM mm_sites WHERE run_id = 1'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
100
zend_mm: 0
line 5: allocated 1000, freed 1000, live 0, at script end 101
line 8: allocated 1 of >= 3 MiB, freed 1, live 0
alloc - free - live: 0
