--TEST--
mm_observe GC: a collection run inside a fiber, and destructors the GC runs in its own fiber
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = '<?php
$__s0 = gc_status();
class Res { public $self; public function __destruct() { $GLOBALS["log"][] = str_repeat("f", 40); } }
$fiber = new Fiber(function () {
    for ($i = 0; $i < 30; $i++) { $o = new Res; $o->self = $o; }
    unset($o);
    Fiber::suspend(gc_collect_cycles());
});
$n = $fiber->start();
$fiber->resume();
echo "collected in fiber: $n\n";
' . MMO_GC_STATUS;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo mmo_gc_check($h, 1, $r['out']);
foreach (mmo_rows($h, 'SELECT seq, rerun, trigger, line, function, collected FROM mm_gc_runs WHERE run_id = 1 ORDER BY seq') as $row) {
    printf("pass %d%s: %s at line %d in %s, collected %d\n", $row['seq'], $row['rerun'] ? ' (rerun)' : '', $row['trigger'], $row['line'],
        str_replace($r['script'], 'SCRIPT', $row['function']), $row['collected']);
}
$row = mmo_rows($h, "SELECT function, alloc_count, gc_alloc_count FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 3 AND callee = 'str_repeat'", [$r['script']])[0];
echo "destructor str_repeat: {$row['function']} x{$row['alloc_count']}, inside a GC run {$row['gc_alloc_count']}\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
collected in fiber: 30
GC runs 2 collected 30 time_ns %d
rows == runs delta: true; sum(collected) == collected delta: true; sum(total_ns) + idle within 1% + 50us of collector_time: true; phases <= total: true
pass 1: explicit at line 7 in {closure:SCRIPT:4}, collected 0
pass 2 (rerun): explicit at line 7 in {closure:SCRIPT:4}, collected 30
destructor str_repeat: Res::__destruct x30, inside a GC run 30
