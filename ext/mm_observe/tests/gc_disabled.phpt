--TEST--
mm_observe GC: with zend.enable_gc=0 there are no GC rows and no errors
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = '<?php
class Node { public $self; }
for ($i = 0; $i < 30000; $i++) { $n = new Node; $n->self = $n; }
var_dump(gc_enabled(), gc_status()["runs"]);
';
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.enable_gc=0']);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo "status: ", mmo_value($h, 'SELECT status FROM mm_runs WHERE run_id = 1'), "\n";
echo "gc rows: ", mmo_value($h, 'SELECT count(*) FROM mm_gc_runs'), "\n";
echo "summary rows: ", mmo_value($h, 'SELECT count(*) FROM mm_gc_summary'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
bool(false)
int(0)
status: ok
gc rows: 0
summary rows: 0
