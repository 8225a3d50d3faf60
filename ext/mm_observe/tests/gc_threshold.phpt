--TEST--
mm_observe GC: runs triggered by the root buffer threshold, one row per run
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = '<?php
$__s0 = gc_status();
class Node { public $self; }
function churn() {
    for ($i = 0; $i < 25000; $i++) {
        $n = new Node; $n->self = $n;
    }
}
churn();
' . MMO_GC_STATUS;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo mmo_gc_check($h, 1, $r['out']);
foreach (mmo_rows($h, 'SELECT seq, trigger, line, function, roots, collected, buffer_size, threshold_before, threshold_after,
        mem_after < mem_before AS freed, started_ns > 0 AS timed, total_ns > 0 AS paused FROM mm_gc_runs WHERE run_id = 1 ORDER BY seq') as $row) {
    printf("pass %d: %s at line %d in %s, roots %d, collected %d, buffer %d, threshold %d -> %d, memory went down: %d, timed: %d/%d\n",
        $row['seq'], $row['trigger'], $row['line'], $row['function'], $row['roots'], $row['collected'], $row['buffer_size'],
        $row['threshold_before'], $row['threshold_after'], $row['freed'], $row['timed'], $row['paused']);
}
$s = mmo_rows($h, 'SELECT gc_runs, collected, total_pause_ns >= max_pause_ns AS ok, mark_share + scan_share + collect_share + destructor_share + free_share + compact_share <= 1.0001 AS shares FROM mm_gc_summary WHERE run_id = 1')[0];
echo "summary: {$s['gc_runs']} runs, {$s['collected']} collected, pause sums: {$s['ok']}, shares <= 1: {$s['shares']}\n";
echo "freed by the GC at line 6: ", mmo_value($h, "SELECT sum(gc_free_count) FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 6 AND opcode = 'NEW'", [$r['script']]), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
GC runs 2 collected 20000 time_ns %d
rows == runs delta: true; sum(collected) == collected delta: true; sum(total_ns) + idle within 1% + 50us of collector_time: true; phases <= total: true
pass 1: threshold at line 6 in churn, roots 10000, collected 10000, buffer 16384, threshold 10001 -> 10001, memory went down: 1, timed: 1/1
pass 2: threshold at line 6 in churn, roots 10000, collected 10000, buffer 16384, threshold 10001 -> 10001, memory went down: 1, timed: 1/1
summary: 2 runs, 20000 collected, pause sums: 1, shares <= 1: 1
freed by the GC at line 6: 20000
