--TEST--
mm_observe ring (issue 12, bug 2): a FIFO named like an orphan ring never blocks an observed request, --mm-import or --mm-top
--SKIPIF--
<?php if (!function_exists('posix_mkfifo')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$fifo = "$db.31338.mmring";
posix_mkfifo($fifo, 0600);
$r = mmo_cli_timed(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", '-r', 'echo "hello\n";'], 20);
echo $r['out'], "exit ", $r['status'], "\n";
echo str_replace($fifo, 'FIFO', $r['err']);
$r = mmo_cli_timed(['--mm-import', $fifo], 20);
echo "import: exit ", $r['status'], ": ", str_replace($fifo, 'FIFO', $r['out'] . $r['err']);
$r = mmo_cli_timed(['--mm-top', $fifo, '--once'], 20);
echo "top: exit ", $r['status'], ": ", str_replace($fifo, 'FIFO', $r['out'] . $r['err']);
echo "the FIFO is still there: ", var_export(filetype($fifo) === 'fifo', true), "\n";
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
hello
exit 0
Warning: mm_observe: 'FIFO' is a FIFO, not a ring file
import: exit 1: mm-import: 'FIFO' is a FIFO, not a ring file
top: exit 1: mm-top: 'FIFO' is a FIFO, not a ring file
the FIFO is still there: true
runs: ok
