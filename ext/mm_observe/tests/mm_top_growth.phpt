--TEST--
mm_observe (issue 16): php --mm-top --frames 2 shows each site's growth since the previous frame (live bytes per second), the run's in its header, and source lines escaped
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* Line 5 grows by 100 000 bytes every 20 ms (about 5 MB/s); line 4 holds
 * a string whose source line carries an escape byte. */
$code = "<?php\n\$keep = [];\n\$s = str_repeat('x', 50000); /* \x1b[2J */\necho \"ready\\n\";\n"
    . "for (\$i = 0; \$i < 150; \$i++) { \$keep[] = str_repeat('g', 100000); usleep(20000); }\n";
[$p, $pipes] = mmo_start(__FILE__, $code, $db);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
$r = mmo_cli(['--mm-top', (string) $pid, '--frames', '2', '--interval', '0.5', '--top', '4']);
echo "status {$r['status']}, stderr '", $r['err'], "'\n";
$frames = explode("\n\npid ", $r['out']);
echo "frames: ", count($frames), "\n";
foreach ($frames as $n => $f) {
    preg_match('/^live \S+ \S+ \(([^)]*)\)/m', $f, $m);
    echo "frame $n: run growth ", $n === 0 ? $m[1] : (preg_match('/^\+[\d.]+ [KM]iB\/s$/', $m[1]) ? 'positive' : $m[1]), "\n";
    preg_match('/^ *[\d.]+ \S+ +(-|[+-]?[\d.]+ \S+\/s) +\d+ .*child\.php:5 \{main\} DO_ICALL str_repeat\(\)$/m', $f, $m);
    echo "frame $n: line 5 growth ", $n === 0 ? $m[1] : (preg_match('/^\+[\d.]+ [KM]iB\/s$/', $m[1]) ? 'positive' : $m[1]), "\n";
    preg_match('/^ *[\d.]+ \S+ +(-|[+-]?[\d.]+ \S+\/s) +\d+ .*child\.php:3 \{main\} DO_ICALL str_repeat\(\)$/m', $f, $m);
    echo "frame $n: line 3 growth ", $m[1] ?? 'not shown', "\n";
}
echo "source line escaped: ", var_export(str_contains($r['out'], "| \$s = str_repeat('x', 50000); /* \\x1b[2J */") && !str_contains($r['out'], "\x1b"), true), "\n";
echo "first frame with no screen clearing: ", var_export(str_starts_with($r['out'], "pid $pid  recording"), true), "\n";
fclose($pipes[0]);
proc_terminate($p);
proc_close($p);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
status 0, stderr ''
frames: 2
frame 0: run growth -
frame 0: line 5 growth -
frame 0: line 3 growth -
frame 1: run growth positive
frame 1: line 5 growth positive
frame 1: line 3 growth 0 B/s
source line escaped: true
first frame with no screen clearing: true
