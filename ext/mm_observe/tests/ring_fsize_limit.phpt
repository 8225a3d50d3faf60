--TEST--
mm_observe ring (issue 12, bug 4): a file-size limit below the ring's size never kills the script: one warning, the run recorded in memory, no file left behind
--SKIPIF--
<?php if (!is_executable('/usr/bin/prlimit')) die('skip needs prlimit (util-linux)'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$cmd = ['/usr/bin/prlimit', '--fsize=1000000', $php, '-n', "--mm-observe=$db", '-r', 'echo str_repeat("1", 3), "\n";'];
$p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__);
$out = stream_get_contents($pipes[1]);
$err = stream_get_contents($pipes[2]);
$status = proc_close($p);
echo $out, "exit $status\n";
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/", '/\d+ bytes/'], ["'RING'", "'DB'", 'N bytes'], $err);
echo "files left: ", implode(' ', array_map('basename', glob("$db.*"))), "\n";
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status || ', ring ' || coalesce(ring_path, 'none')) FROM mm_runs"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
111
exit 0
Warning: mm_observe: report database 'DB': ring file 'RING' would be N bytes (sparse), over the file size limit of N bytes (ulimit -f); recording in memory (not crash-safe)
files left: 
runs: ok, ring none
