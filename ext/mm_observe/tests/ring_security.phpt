--TEST--
mm_observe ring: files are 0600, a symlink planted at the ring path is never followed, and no string contents are recorded
--SKIPIF--
<?php if (!is_executable('/bin/sh')) die('skip needs /bin/sh'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$victim = mmo_path(__FILE__, '.data');
file_put_contents($victim, "precious\n");
$code = <<<'PHP'
<?php
/* Data built at run time: it must appear in no file mm_observe writes. */
$secret = strrev('TERCES') . '-' . (1234 * 5678);
$kept = [$secret, str_repeat($secret, 3)];
$db = $argv[1];
$ring = "$db." . getmypid() . ".mmring";
if (is_link($ring)) {
    echo "ring path is a planted symlink\n";
} else {
    printf("modes: db %o wal %o shm %o ring %o\n", fileperms($db) & 0777, fileperms("$db-wal") & 0777, fileperms("$db-shm") & 0777, fileperms($ring) & 0777);
    echo "secret in the ring: ", var_export(str_contains(file_get_contents($ring), $secret), true), "\n";
}
echo "done\n";
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$php = escapeshellarg(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY);
$run = fn(string $pre) => mmo_cli(['-r', sprintf('passthru(%s);', var_export(sprintf(
    "/bin/sh -c %s 2>&1", escapeshellarg("$pre exec $php -n -d zend.mm_observe=1 -d zend.mm_observe_output=" . escapeshellarg($db)
    . ' ' . escapeshellarg(mmo_path(__FILE__, '.child.php')) . ' ' . escapeshellarg($db))), true))]);
/* 1. Normal run. */
echo $run('')['out'];
/* 2. A symlink to another file planted at the ring path of the pid that will run
 *    (exec keeps the shell's pid). */
$r = $run('ln -s ' . escapeshellarg($victim) . ' ' . escapeshellarg($db) . '.$$.mmring;');
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/"], ["'RING'", "'DB'"], $r['out']);
echo "victim: ", file_get_contents($victim);
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status || ':' || (ring_path IS NOT NULL)) FROM mm_runs"), "\n";
$h->close();
foreach (glob("$db.*.mmring") as $l) { unlink($l); }
$all = '';
foreach (glob("$db*") as $f) { $all .= file_get_contents($f); }
echo "secret in the database files: ", var_export(str_contains($all, strrev('TERCES') . '-' . (1234 * 5678)), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
modes: db 600 wal 600 shm 600 ring 600
secret in the ring: false
done
Warning: mm_observe: report database 'DB': ring file 'RING' is a symbolic link; refusing to follow it; recording in memory (not crash-safe)
ring path is a planted symlink
done
victim: precious
runs: ok:1,ok:0
secret in the database files: false
