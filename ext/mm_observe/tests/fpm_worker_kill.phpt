--TEST--
mm_observe worker mode: kill -9 of a php-fpm worker mid-request loses nothing its ring held; the import names the request that was running
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
mmo_fpm_skipif();
?>
--FILE--
<?php
require __DIR__ . '/fpm.inc';
$scripts = [
    'a.php' => "<?php\n\$s = str_repeat('x', 5000);\necho getmypid(), \"\\n\";\n",
    /* Holds memory, says who it is, then waits to be killed. */
    'slow.php' => "<?php\n\$keep = [];\nfor (\$i = 0; \$i < 50; \$i++) { \$keep[] = str_repeat('k', 10000); }\n"
        . "file_put_contents(__DIR__ . '/slow.pid', getmypid());\nsleep(30);\n",
];
/* One worker; summaries are never drained during the test (a huge drain
 * interval, no detail): they exist only in the ring when the worker dies. */
$h = mmo_fpm_start(__FILE__, $scripts, ['zend.mm_observe' => 1, 'zend.mm_observe_output' => '{dir}/app.sqlite',
    'zend.mm_observe_detail_every' => 0, 'zend.mm_observe_drain_ms' => 3600000], 1);
$db = "{$h['dir']}/app.sqlite";
$r = mmo_fpm_get($h, '/a.php', 7);
echo "a.php answers: ", count(array_filter($r, fn($x) => $x['status'] === 200)), "\n";
/* The slow request in the background: a socket left open. */
$c = stream_socket_client(str_replace('http://', 'tcp://', $h['url']), $errno, $errstr, 5);
fwrite($c, "GET /slow.php HTTP/1.0\r\nHost: localhost\r\n\r\n");
$pidfile = "{$h['docroot']}/slow.pid";
for ($t = 0; $t < 100 && !is_file($pidfile); $t++) { usleep(50000); }
$pid = (int) @file_get_contents($pidfile);
echo "slow request running in a worker: ", var_export($pid > 0 && in_array($pid, mmo_fpm_workers($h), true), true), "\n";
echo "rows before the kill: ", is_file($db) ? (int) mmo_value(mmo_db($db), "SELECT count(*) FROM mm_runs") : 0, "\n";
posix_kill($pid, SIGKILL);
usleep(300000);
fclose($c);
mmo_fpm_stop($h);
$rings = glob("$db.*.mmring");
echo "rings left: ", count($rings), ", the killed worker's: ", var_export($rings === ["$db.$pid.mmring"], true), "\n";
/* The next observed process next to the database imports it. */
['out' => $out, 'err' => $err, 'status' => $rc] = mmo_cli(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", '-r', 'echo "next\n";']);
echo trim($out), " rc=$rc err=", json_encode(trim($err)), "\n";
$d = mmo_db($db);
foreach (mmo_rows($d, "SELECT request_uri, status, detail, count(*) AS n, sum(imported_at IS NOT NULL) AS imported FROM mm_runs WHERE sapi = 'fpm-fcgi' GROUP BY request_uri, status ORDER BY request_uri") as $x) {
    echo "  {$x['request_uri']} {$x['status']} detail={$x['detail']} n={$x['n']} imported={$x['imported']}\n";
}
echo "the crashed request's sites: ", mmo_value($d, "SELECT sum(s.alloc_count) FROM mm_sites s JOIN mm_runs r USING (run_id) WHERE r.status = 'crashed' AND s.line = 3 AND s.callee = 'str_repeat'"), "\n";
echo "endpoints: ", json_encode(mmo_rows($d, "SELECT uri, requests, errors FROM mm_endpoints ORDER BY uri")), "\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
a.php answers: 7
slow request running in a worker: true
rows before the kill: 0
rings left: 1, the killed worker's: true
next rc=0 err=""
  /a.php ok detail= n=7 imported=0
  /slow.php crashed detail=error n=1 imported=1
the crashed request's sites: 50
endpoints: [{"uri":"\/a.php","requests":7,"errors":0},{"uri":"\/slow.php","requests":1,"errors":1}]
rings left: 0
