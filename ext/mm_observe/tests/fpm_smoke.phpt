--TEST--
mm_observe with a real php-fpm behind nginx: 20 requests are 20 runs, a graceful stop, no warning
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
mmo_fpm_skipif();
?>
--FILE--
<?php
require __DIR__ . '/fpm.inc';
$h = mmo_fpm_start(__FILE__, ['hello.php' => "<?php echo \"hello\\n\";\n"],
    ['zend.mm_observe' => 1, 'zend.mm_observe_output' => '{dir}/app.sqlite']);
$workers = mmo_fpm_workers($h);
echo "workers: ", count($workers), "\n";
$r = mmo_fpm_get($h, '/hello.php', 20, 2);
$bad = array_filter($r, fn($x) => $x['status'] !== 200 || $x['body'] !== "hello\n");
echo "answers 200 hello: ", count($r) - count($bad), "\n";
foreach (array_slice($bad, 0, 3, true) as $i => $x) {
    echo "request $i: status {$x['status']} {$x['error']} body ", json_encode(substr($x['body'], 0, 300)), "\n";
}
mmo_fpm_stop($h);
$left = array_filter(array_merge([$h['fpm_pid'], $h['nginx_pid']], $workers), 'mmo_fpm_alive');
echo "processes left: ", count($left), "\n";
$log = mmo_fpm_log($h);
echo "graceful: ", var_export(str_contains($log, 'Finishing ...') && str_contains($log, 'exiting, bye-bye!'), true), "\n";
$db = mmo_db("{$h['dir']}/app.sqlite");
echo "fpm-fcgi runs: ", mmo_value($db, "SELECT count(*) FROM mm_runs WHERE sapi = 'fpm-fcgi'"), "\n";
echo "runs: ", mmo_value($db, "SELECT group_concat(DISTINCT sapi || ' ' || status || ' ' || request_method || ' ' || request_uri) FROM mm_runs"), "\n";
$pids = array_map('intval', array_column(mmo_rows($db, 'SELECT DISTINCT pid FROM mm_runs'), 'pid'));
echo "run pids are workers: ", var_export($pids !== [] && !array_diff($pids, $workers), true), "\n";
$db->close();
$lines = preg_grep('/mm_observe/i', explode("\n", $log));
echo "FPM log lines about mm_observe: ", count($lines), "\n", $lines ? implode("\n", $lines) . "\n" : '';
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
workers: 2
answers 200 hello: 20
processes left: 0
graceful: true
fpm-fcgi runs: 20
runs: fpm-fcgi ok GET /hello.php
run pids are workers: true
FPM log lines about mm_observe: 0
