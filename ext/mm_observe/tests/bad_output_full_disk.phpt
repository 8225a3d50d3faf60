--TEST--
mm_observe: bad output path: the disk fills up while the run is written
--DESCRIPTION--
RLIMIT_FSIZE stands in for a full disk (writes past it fail with EFBIG).  The
first run fits; for the second, with thousands of sites, neither the ring file
(sized far past the limit) nor the run fits: one warning for each, the
script's output and exit status unchanged, the database intact
(integrity_check) with the first run complete and the second left 'running'.
(ring_full_disk.phpt: the ring fits but the run does not.)
--SKIPIF--
<?php if (!is_executable('/bin/bash')) die('skip needs /bin/bash for ulimit'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$r = mmo_observe(__FILE__, '<?php echo str_repeat("a", 3), "\n";', $db);
echo $r['out'], $r['err'];
clearstatcache();
$limit_kib = intdiv(filesize($db), 1024) + 4;
$code = "<?php\n";
for ($i = 1; $i <= 3000; $i++) { $code .= "\$a[] = str_repeat('x', $i);\n"; }
$code .= "echo count(\$a), \"\\n\"; exit(7);\n";
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$cmd = sprintf("trap '' XFSZ; ulimit -f %d; exec %s -n -d zend.mm_observe=1 -d zend.mm_observe_output=%s %s",
    $limit_kib, escapeshellarg($php), escapeshellarg($db), escapeshellarg(mmo_path(__FILE__, '.child.php')));
$p = proc_open(['/bin/bash', '-c', $cmd], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
$out = stream_get_contents($pipes[1]);
$err = stream_get_contents($pipes[2]);
$status = proc_close($p);
echo $out, str_replace($db, 'PATH', $err), "exit status: $status\n";
$h = mmo_db($db);
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
foreach (mmo_rows($h, 'SELECT run_id, status, (SELECT count(*) FROM mm_site_counters c WHERE c.run_id = r.run_id) AS sites FROM mm_runs r') as $row) {
    printf("run %d: %s, %s\n", $row['run_id'], $row['status'], $row['sites'] > 0 ? 'sites written' : 'no sites');
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
aaa
3000
Warning: mm_observe: report database 'PATH': ring file 'PATH.%d.mmring' would be %d bytes (sparse), over the file size limit of %d bytes (ulimit -f); recording in memory (not crash-safe)
Warning: mm_observe: report database 'PATH': cannot write run 2 (%s); the run stays marked 'running'
exit status: 7
integrity: ok
run 1: ok, sites written
run 2: running, no sites
