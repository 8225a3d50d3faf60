--TEST--
mm_observe ring: while recording, the site table and events live in <db>.<pid>.mmring (0600, locked); request end drains it and removes it
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$rings = glob($argv[1] . '.*.mmring');
echo "rings: ", count($rings), "\n";
echo "named after this pid: ", var_export($rings === [$argv[1] . '.' . getmypid() . '.mmring'], true), "\n";
printf("ring mode: %o\n", fileperms($rings[0]) & 0777);
printf("database mode: %o\n", fileperms($argv[1]) & 0777);
$h = fopen($rings[0], 'r');
echo "locked by its writer: ", var_export(!flock($h, LOCK_EX | LOCK_NB), true), "\n";
fclose($h);
echo "magic: ", file_get_contents($rings[0], false, null, 0, 8), "\n";
$a = [];
for ($i = 0; $i < 20000; $i++) { $a[] = str_repeat('x', 100); }
echo "done\n";
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
    '-d', 'zend.mm_observe_sample_bytes=256K', mmo_path(__FILE__, '.child.php'), $db], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
proc_close($p);
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
$h = mmo_db($db);
$run = mmo_rows($h, 'SELECT status, ring_path LIKE ? AS ring, events_lost, events_torn, flushes FROM mm_runs', ['%.mmring'])[0];
echo implode(' ', $run), "\n";
$s = mmo_rows($h, 'SELECT count(*) AS n, min(seq) AS first, max(seq) AS last, sum(usage > 0) AS pos,
    max(allocated) >= 20000 * 100 AS enough FROM mm_samples WHERE run_id = 1')[0];
echo "samples contiguous from 1: ", var_export($s['n'] > 5 && $s['first'] == 1 && $s['last'] == $s['n'] && $s['pos'] == $s['n'], true), "\n";
echo "timeline view rows: ", var_export(mmo_value($h, 'SELECT count(*) FROM mm_timeline WHERE run_id = 1') == $s['n'], true), "\n";
echo "journal: ", mmo_value($h, 'PRAGMA journal_mode'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
rings: 1
named after this pid: true
ring mode: 600
database mode: 600
locked by its writer: true
magic: MMOBRING
done
rings left: 0
ok 1 0 0 0
samples contiguous from 1: true
timeline view rows: true
journal: wal
