--TEST--
mm_observe: live blocks and leaks are billed to the line that allocated them
--DESCRIPTION--
A worker loop keeps every tenth object.  Frees are credited back to the
allocating site wherever they happen, so line 5 shows exactly 100 live
objects at heap shutdown.  At the end of the script (mm_leaks) there is one
more: $job still holds the last object, which the engine's shutdown
destructor pass frees before the heap is torn down; the kept ones are never
freed one by one (the heap is reset wholesale).
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = <<<'PHP'
<?php
class Job { public $payload; }
$kept = [];
for ($i = 0; $i < 1000; $i++) {
    $job = new Job;
    $job->payload = $i;
    if ($i % 10 === 0) {
        $kept[] = $job;
    }
}
function drop(array &$a) { $a = []; }   /* frees happen on another line */
$tmp = [];
for ($i = 0; $i < 50; $i++) { $tmp[] = new Job; }
drop($tmp);
echo count($kept), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT line, opcode, alloc_count, free_count, live_count, live_bytes, leak_count
        FROM mm_sites WHERE run_id = 1 AND file = ? AND line IN (5, 13) AND opcode = 'NEW' ORDER BY line", [$r['script']]) as $row) {
    printf("line %d %s: allocated %d, freed %d, live %d (%d bytes each), at script end %d\n", $row['line'], $row['opcode'],
        $row['alloc_count'], $row['free_count'], $row['live_count'], $row['live_bytes'] / max(1, $row['live_count']), $row['leak_count']);
}
echo "freed on line 11 (drop): ", mmo_value($h, "SELECT coalesce(sum(free_count), 0) FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 11", [$r['script']]), "\n";
$leak = mmo_rows($h, "SELECT line, function, leak_count FROM mm_leaks WHERE run_id = 1 AND file = ? AND line = 5", [$r['script']]);
echo "mm_leaks: line {$leak[0]['line']} {$leak[0]['function']} {$leak[0]['leak_count']}\n";
$c = mmo_rows($h, "SELECT sum(alloc_bytes) - sum(free_bytes) - sum(live_bytes) AS rest, sum(live_bytes) AS live,
        (SELECT usage_end FROM mm_runs WHERE run_id = 1) AS usage_end FROM mm_sites WHERE run_id = 1")[0];
echo "alloc - free - live = {$c['rest']}; live = usage_end: ", var_export($c['live'] === $c['usage_end'], true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
100
line 5 NEW: allocated 1000, freed 900, live 100 (56 bytes each), at script end 101
line 13 NEW: allocated 50, freed 50, live 0 (0 bytes each), at script end 0
freed on line 11 (drop): 0
mm_leaks: line 5 {main} 101
alloc - free - live = 0; live = usage_end: true
