--TEST--
mm_observe GC: explicit runs whose destructors allocate and create new garbage
--DESCRIPTION--
Destructors run by the GC make new cycles, so the collector reruns once
after them: that rerun is its own row (rerun = 1, same call).  What the
destructors allocate is billed to the destructor's line and flagged as
made inside a GC run.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = '<?php
$__s0 = gc_status();
class Res { public $self; public function __destruct() { $c = new stdClass; $c->self = $c; $GLOBALS["log"][] = str_repeat("x", 40); } }
for ($i = 0; $i < 100; $i++) { $o = new Res; $o->self = $o; }
unset($o);
$first = gc_collect_cycles();
$second = gc_collect_cycles();
echo "collected $first then $second\n";
' . MMO_GC_STATUS;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo mmo_gc_check($h, 1, $r['out']);
foreach (mmo_rows($h, 'SELECT seq, call, rerun, trigger, line, roots, collected, destructor_ns > 0 AS dtors FROM mm_gc_runs WHERE run_id = 1 ORDER BY seq') as $row) {
    printf("pass %d (call %d%s): %s at line %d, roots %d, collected %d, destructors timed: %d\n", $row['seq'], $row['call'],
        $row['rerun'] ? ', rerun' : '', $row['trigger'], $row['line'], $row['roots'], $row['collected'], $row['dtors']);
}
foreach (mmo_rows($h, "SELECT function, opcode, coalesce(callee, '') AS callee, alloc_count, gc_alloc_count FROM mm_sites
        WHERE run_id = 1 AND file = ? AND line = 3 AND alloc_count > 0 ORDER BY opcode, callee", [$r['script']]) as $row) {
    printf("line 3 %s %s%s: allocated %d, inside a GC run %d\n", $row['function'], $row['opcode'],
        $row['callee'] !== '' ? "({$row['callee']})" : '', $row['alloc_count'], $row['gc_alloc_count']);
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
collected %d then %d
GC runs %d collected %d time_ns %d
rows == runs delta: true; sum(collected) == collected delta: true; sum(total_ns) + idle within 1% + 50us of collector_time: true; phases <= total: true
pass 1 (call 1): explicit at line 6, roots 100, collected 0, destructors timed: 1
pass 2 (call 1, rerun): explicit at line 6, roots 200, collected 200, destructors timed: 0
line 3 Res::__destruct ASSIGN_DIM: allocated 6, inside a GC run 6
line 3 Res::__destruct ASSIGN_OBJ: allocated 200, inside a GC run 200
line 3 Res::__destruct DO_ICALL(str_repeat): allocated 100, inside a GC run 100
line 3 Res::__destruct NEW: allocated 100, inside a GC run 100
