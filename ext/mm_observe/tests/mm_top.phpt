--TEST--
mm_observe ring: php --mm-top PID|RING --once shows a running process's top sites by live bytes, with their source lines, without stopping it
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$big = [];
for ($i = 0; $i < 1000; $i++) { $big[] = str_repeat('b', 2000); }
$small = str_repeat('s', 100000);
echo "ready\n";
fgets(STDIN);
echo "still running: ", count($big), "\n";
PHP;
[$p, $pipes] = mmo_start(__FILE__, $code, $db);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
foreach ([(string) $pid, "$db.$pid.mmring"] as $target) {
    $r = mmo_cli(['--mm-top', $target, '--once', '--top', '3']);
    $lines = explode("\n", $r['out']);
    echo "status {$r['status']}, stderr '", $r['err'], "'\n";
    echo "header: ", var_export(str_starts_with($lines[0], "pid $pid  recording  ") && str_contains($lines[0], 'run 1 in '), true), "\n";
    echo preg_replace(['/ +/', '/\/\S*\//'], [' ', ''], implode("\n", array_slice($lines, 3, 6))), "\n";
}
fwrite($pipes[0], "\n");
echo stream_get_contents($pipes[1]);
proc_close($p);
echo "after the end: ", trim(mmo_cli(['--mm-top', (string) $pid, '--once'])['err']) !== '' ? 'refused' : 'shown', "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
status 0, stderr ''
header: true
 LIVE GROWTH BLOCKS ALLOCATED SITE
 2.0 MiB - 1000 2.0 MiB mm_top.child.php:3 {main} DO_ICALL str_repeat()
 | for ($i = 0; $i < 1000; $i++) { $big[] = str_repeat('b', 2000); }
 %s KiB - %d %s KiB {startup}
 100.0 KiB - 1 100.0 KiB mm_top.child.php:4 {main} DO_ICALL str_repeat()
 | $small = str_repeat('s', 100000);
status 0, stderr ''
header: true
 LIVE GROWTH BLOCKS ALLOCATED SITE
 2.0 MiB - 1000 2.0 MiB mm_top.child.php:3 {main} DO_ICALL str_repeat()
 | for ($i = 0; $i < 1000; $i++) { $big[] = str_repeat('b', 2000); }
 %s KiB - %d %s KiB {startup}
 100.0 KiB - 1 100.0 KiB mm_top.child.php:4 {main} DO_ICALL str_repeat()
 | $small = str_repeat('s', 100000);
still running: 1000
after the end: refused
