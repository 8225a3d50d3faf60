--TEST--
mm_observe ring (issue 16, item 9): a killed process is imported with its real duration when it kept allocating to the end (heartbeat_ns, stamped on the call-path samples' slow path, even with memory samples off); the observed process stays single-threaded (pcntl_unshare(CLONE_NEWUSER) needs it); a run that ends is unaffected
--SKIPIF--
<?php if (!function_exists('posix_kill') || !function_exists('pcntl_fork')) die('skip posix, pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* Allocates about 20 MB/s; memory samples off, so before the heartbeat
 * nothing in the ring said when it was last alive. */
$code = '<?php echo "ready\n"; for (;;) { $a = str_repeat("a", 20000); usleep(1000); }';
[$p, $pipes] = mmo_start(__FILE__, $code, $db, ['-d', 'zend.mm_observe_sample_bytes=0']);
mmo_wait_for($pipes, 'ready');
$t0 = hrtime(true);
usleep(1200000);
$pid = proc_get_status($p)['pid'];
$threads = preg_match('/^Threads:\s+(\d+)$/m', (string) @file_get_contents("/proc/$pid/status"), $m) ? (int) $m[1] : 1;
posix_kill($pid, 9);
$alive_ms = (hrtime(true) - $t0) / 1e6;
proc_close($p);
$r = mmo_cli(['--mm-import', "$db.$pid.mmring"]);
preg_match('/imported as run (\d+)/', $r['out'] . $r['err'], $m);
$h = mmo_db($db);
$d = (int) mmo_value($h, "SELECT duration_ns FROM mm_runs WHERE run_id = " . (int) ($m[1] ?? 0)) / 1e6;
$h->close();
echo "imported: ", isset($m[1]) ? 'yes' : $r['out'] . $r['err'], ", threads of the observed process: $threads\n";
echo "duration >= 1.1 s: ", var_export($d >= 1100, true), ", not past the kill: ", var_export($d <= $alive_ms + 2000, true), "\n";

/* A crafted ring: a heartbeat far in the future is not believed (the run
 * would last centuries); the import falls back to the last drain. */
[$p, $pipes] = mmo_start(__FILE__, $code, $db, ['-d', 'zend.mm_observe_sample_bytes=0']);
mmo_wait_for($pipes, 'ready');
usleep(300000);
$pid = proc_get_status($p)['pid'];
posix_kill($pid, 9);
proc_close($p);
$ring = "$db.$pid.mmring";
$fh = fopen($ring, 'r+');
fseek($fh, 7560);
fwrite($fh, pack('P', PHP_INT_MAX));
fclose($fh);
$r = mmo_cli(['--mm-import', $ring]);
preg_match('/imported as run (\d+)/', $r['out'] . $r['err'], $m);
$h = mmo_db($db);
$d = (int) mmo_value($h, "SELECT duration_ns FROM mm_runs WHERE run_id = " . (int) ($m[1] ?? 0));
$h->close();
echo "crafted heartbeat: status {$r['status']}, imported ", isset($m[1]) ? 'yes' : 'no', ", duration under a minute: ", var_export($d >= 0 && $d < 60e9, true), "\n";

/* Signals, a forked child and a normal end, as before. */
$code = <<<'PHP'
<?php
pcntl_async_signals(true);
$got = 0;
pcntl_signal(SIGUSR1, function () use (&$got) { $got++; });
for ($i = 0; $i < 20; $i++) { posix_kill(getmypid(), SIGUSR1); usleep(20000); }
$pid = pcntl_fork();
if ($pid === 0) { $x = str_repeat('f', 1000); usleep(300000); exit(7); }
pcntl_waitpid($pid, $st);
echo "signals: $got, child exit: ", pcntl_wexitstatus($st), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], "stderr: '", $r['err'], "'\n";
$h = mmo_db($db);
echo "last run: ", mmo_value($h, "SELECT status FROM mm_runs ORDER BY run_id DESC LIMIT 1"), "\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
imported: yes, threads of the observed process: 1
duration >= 1.1 s: true, not past the kill: true
crafted heartbeat: status 0, imported yes, duration under a minute: true
signals: 20, child exit: 7
stderr: ''
last run: ok
rings left: 0
