--TEST--
mm_observe ring: a real segfault (C stack overflow, stack limit off) leaves a ring the next observed run imports by itself, quietly
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* Recursion through an internal function recurses in C; with
 * zend.max_allowed_stack_size=-1 nothing stops it before the guard page. */
$code = <<<'PHP'
<?php
$before = str_repeat('b', 123456);
function dive($n) { return array_map('dive', [$n + 1]); }
echo "diving\n";
dive(0);
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.max_allowed_stack_size=-1']);
echo $r['out'];
echo "died by a signal: ", var_export($r['status'] !== 0, true), "\n";
$rings = glob("$db.*.mmring");
echo "rings left: ", count($rings), "\n";
$h = mmo_db($db);
echo "run 1 before the import: ", mmo_value($h, 'SELECT status FROM mm_runs WHERE run_id = 1'), "\n";
$h->close();
/* The next observed run next to the database imports the orphan. */
$r2 = mmo_observe(__FILE__, '<?php echo "next run\n";', $db);
echo $r2['out'];
echo "stderr of the next run: '", $r2['err'], "'\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT run_id, status, imported_at IS NOT NULL AS imported FROM mm_runs ORDER BY run_id') as $row) {
    echo implode(' ', $row), "\n";
}
echo "line 2 of the crashed run: ", mmo_value($h, "SELECT live_bytes >= 123456 FROM mm_sites WHERE run_id = 1 AND line = 2 AND callee = 'str_repeat'"), "\n";
echo "line 3 (the dive) allocated: ", var_export(mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE run_id = 1 AND line = 3") > 1000, true), "\n";
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
diving
died by a signal: true
rings left: 1
run 1 before the import: running
next run
stderr of the next run: ''
rings left: 0
1 crashed 1
2 ok 0
line 2 of the crashed run: 1
line 3 (the dive) allocated: true
integrity: ok
