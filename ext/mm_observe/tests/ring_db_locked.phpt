--TEST--
mm_observe ring (issue 12): another writer holds the database: an observed request starts without waiting, waits at most 1 s at its end, keeps its ring and is imported once the lock is gone
--DESCRIPTION--
The request path never waits on another process's lock but at its end
and at the drains the script asks for
(PHP_MM_EXPORT_SHORT_WAIT_MS, 1 s): what cannot be written stays in the ring.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
[$p, $pipes] = mmo_start(__FILE__, '<?php $a = str_repeat("a", 7777); echo "ready\n"; fgets(STDIN); echo "script done\n";', $db);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
/* Another writer takes the write lock and keeps it until told. */
$holder = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-r',
    '$h = new SQLite3($argv[1]); $h->exec("BEGIN EXCLUSIVE"); echo "locked\n"; fgets(STDIN); $h->exec("COMMIT");', $db],
    [0 => ['pipe', 'r'], 1 => ['pipe', 'w']], $hp);
mmo_wait_for($hp, 'locked');
/* A request that starts under the lock does not wait for it. */
$t0 = microtime(true);
$s = mmo_cli(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", '-r', 'echo "second: ", mm_observe_flush() ? "written" : "kept in the ring", "\n";']);
$second = microtime(true) - $t0;
echo $s['out'];
echo str_replace([$db], ['DB'], preg_replace('/\.\d+\.mmring/', '.PID2.mmring', $s['err']));
printf("the second request waited at most its flush and its end (1 s each): %s\n", var_export($second < 4, true));
$t0 = microtime(true);
fwrite($pipes[0], "\n");
echo stream_get_contents($pipes[1]);
echo str_replace([$db, (string) $pid], ['DB', 'PID'], stream_get_contents($pipes[2]));
proc_close($p);
printf("the first script waited at most the end bound (1 s): %s\n", var_export(microtime(true) - $t0 < 3, true));
fwrite($hp[0], "\n");
proc_close($holder);
$r = mmo_cli(['--mm-import', "$db.$pid.mmring"]);
echo str_replace([$db, (string) $pid], ['DB', 'PID'], $r['out'] . $r['err']);
$h = mmo_db($db);
echo "run 1: ", mmo_value($h, "SELECT status || ', exit ' || exit_status || ', imported ' || (imported_at IS NOT NULL) FROM mm_runs WHERE run_id = 1"), "\n";
echo "line 1 str_repeat allocations: ", mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE run_id = 1 AND line = 1 AND callee = 'str_repeat'"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
second: kept in the ring
Warning: mm_observe: report database 'DB': cannot write the run (database is locked: another writer held it for more than 1000 ms); its records stay in the ring
Warning: mm_observe: report database 'DB': cannot write the run (database is locked: another writer held it for more than 1000 ms); it is kept in 'DB.PID2.mmring': import it with php --mm-import 'DB.PID2.mmring'
the second request waited at most its flush and its end (1 s each): true
script done
Warning: mm_observe: report database 'DB': cannot write run 1 (database is locked: another writer held it for more than 1000 ms); it is kept in 'DB.PID.mmring': import it with php --mm-import 'DB.PID.mmring'
the first script waited at most the end bound (1 s): true
mm-import: 'DB.PID.mmring' imported as run 1 of 'DB' (status 'ok')
run 1: ok, exit 0, imported 1
line 1 str_repeat allocations: 1
