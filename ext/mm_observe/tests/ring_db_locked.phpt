--TEST--
mm_observe ring: another writer holds the database past the 10 s busy timeout: a clear error, the ring kept, the run imported once the lock is gone
--DESCRIPTION--
Takes about 11 s: the bound under test is the 10 s busy timeout.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
[$p, $pipes] = mmo_start(__FILE__, '<?php $a = str_repeat("a", 7777); echo "ready\n"; fgets(STDIN); echo "script done\n";', $db);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
/* Another writer takes the write lock and keeps it for 12 s. */
$holder = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-r',
    '$h = new SQLite3($argv[1]); $h->exec("BEGIN EXCLUSIVE"); echo "locked\n"; sleep(12); $h->exec("COMMIT");', $db],
    [1 => ['pipe', 'w']], $hp);
mmo_wait_for($hp, 'locked');
$t0 = microtime(true);
fwrite($pipes[0], "\n");
echo stream_get_contents($pipes[1]);
echo str_replace([$db, (string) $pid], ['DB', 'PID'], stream_get_contents($pipes[2]));
proc_close($p);
printf("the script waited the bound (10 s), no more: %s\n", var_export(microtime(true) - $t0 >= 9.5 && microtime(true) - $t0 < 12, true));
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
script done
Warning: mm_observe: report database 'DB': cannot write run 1 (database is locked: another writer held it for more than 10 s); it is kept in 'DB.PID.mmring': import it with php --mm-import 'DB.PID.mmring'
the script waited the bound (10 s), no more: true
mm-import: 'DB.PID.mmring' imported as run 1 of 'DB' (status 'ok')
run 1: ok, exit 0, imported 1
line 1 str_repeat allocations: 1
