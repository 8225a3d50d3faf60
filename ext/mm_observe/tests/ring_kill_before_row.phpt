--TEST--
mm_observe ring (issue 12): the ring exists before the run row; a process killed before its row is written leaves a ring that imports as one run, and no 'running' row that nothing can finish
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* Create the database first, so the child's first SQLite step on the
 * drain path is the insert of its row. */
mmo_observe(__FILE__, '<?php ', $db);
$code = '<?php $a = str_repeat("a", 4321); echo "ready\n"; sleep(60);';
/* Fault seam: make the row's insert fail, as a kill between the ring and the
 * row would leave it (MM_OBSERVE_FAULT counts the seams; find the insert's). */
$log = mmo_run(__FILE__, '<?php ', ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db"], ['MM_OBSERVE_FAULT_LOG' => '1']);
preg_match_all('/mm_observe fault seam (\d+): (\w+)/', $log['err'], $m, PREG_SET_ORDER);
$insert = null;
foreach ($m as [, $n, $kind]) {
    if ($kind === 'sqlite') { $insert = (int) $n; break; }
}
echo "the first SQLite step comes after the ring's seams: ", var_export($insert > 1 && $m[0][2] !== 'sqlite', true), "\n";
$script = mmo_path(__FILE__, '.child.php');
file_put_contents($script, $code);
$p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", $script],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__, ['MM_OBSERVE_FAULT' => (string) $insert]);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
$h = mmo_db($db);
echo "rows while it runs: ", mmo_value($h, "SELECT count(*) FROM mm_runs"), "\n";
$h->close();
posix_kill($pid, 9);
proc_close($p);
$r = mmo_cli(['--mm-import', "$db.$pid.mmring"]);
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/"], ["'RING'", "'DB'"], $r['out'] . $r['err']);
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
echo "line 1 allocations of the killed run: ", mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE run_id = 3 AND line = 1 AND callee = 'str_repeat'"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
the first SQLite step comes after the ring's seams: true
rows while it runs: 2
mm-import: 'RING' imported as run 3 of 'DB' (status 'crashed')
runs: ok,ok,crashed
line 1 allocations of the killed run: 1
