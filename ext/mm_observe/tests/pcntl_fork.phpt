--TEST--
mm_observe: a child forked during an observed request does not write its parent's run
--SKIPIF--
<?php if (!function_exists('pcntl_fork')) die('skip pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
$before = str_repeat('p', 10000);
$pid = pcntl_fork();
if ($pid === 0) {
    $child = str_repeat('c', 20000);
    echo "child done\n";
    exit(0);
}
pcntl_waitpid($pid, $status);
echo "parent done, child exit ", pcntl_wexitstatus($status), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'], "exit: {$r['status']}\n";
$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT run_id, status FROM mm_runs') as $row) {
    echo implode(' ', $row), "\n";
}
echo "line 2 (parent, before the fork): ", mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE run_id = 1 AND line = 2 AND kind = 'vm'"), "\n";
echo "line 5 (child only): ", mmo_value($h, "SELECT count(*) FROM mm_sites WHERE run_id = 1 AND line = 5 AND kind = 'vm'"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
child done
parent done, child exit 0
exit: 0
1 ok
line 2 (parent, before the fork): 1
line 5 (child only): 0
