--TEST--
mm_observe ring (issue 16, item 9): a process killed while asleep, blocked or looping without allocating is imported with its real duration (the heartbeat thread stamps the ring every 100 ms); the thread leaves signals, pcntl_fork and the end of the run alone
--SKIPIF--
<?php if (!function_exists('posix_kill') || !function_exists('pcntl_fork')) die('skip posix, pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$cases = [
    'asleep'  => '<?php $a = str_repeat("a", 10000); echo "ready\n"; sleep(30);',
    'blocked' => '<?php $a = str_repeat("b", 10000); echo "ready\n"; fgets(STDIN);',
    'looping' => '<?php $a = str_repeat("c", 10000); echo "ready\n"; for ($i = 0; ; $i++) { $i ^= 1; }',
];
foreach ($cases as $name => $code) {
    [$p, $pipes] = mmo_start(__FILE__, $code, $db);
    mmo_wait_for($pipes, 'ready');
    $t0 = hrtime(true);
    usleep(1200000);
    $pid = proc_get_status($p)['pid'];
    posix_kill($pid, 9);
    $alive_ms = (hrtime(true) - $t0) / 1e6;
    proc_close($p);
    $r = mmo_cli(['--mm-import', "$db.$pid.mmring"]);
    preg_match('/imported as run (\d+)/', $r['out'] . $r['err'], $m);
    $h = mmo_db($db);
    $d = (int) mmo_value($h, "SELECT duration_ns FROM mm_runs WHERE run_id = " . (int) ($m[1] ?? 0)) / 1e6;
    $h->close();
    /* Killed at least 1.2 s after "ready": the run lasted that long, and the
     * heartbeat is at most 100 ms (plus scheduling) behind the kill. */
    echo "$name: imported ", isset($m[1]) ? 'yes' : $r['out'] . $r['err'], ", duration >= 1.1 s: ", var_export($d >= 1100, true),
        ", not past the kill: ", var_export($d <= $alive_ms + 2000, true), "\n";
}

/* Signals still reach the script (the thread blocks them all), a forked
 * child runs and exits without the parent's thread, and a run that ends
 * is written and its ring removed (the thread stopped and joined). */
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
asleep: imported yes, duration >= 1.1 s: true, not past the kill: true
blocked: imported yes, duration >= 1.1 s: true, not past the kill: true
looping: imported yes, duration >= 1.1 s: true, not past the kill: true
signals: 20, child exit: 7
stderr: ''
last run: ok
rings left: 0
