--TEST--
mm_observe with php-fpm: every request is one run (sapi, method, URI without its query), workers never mix or lose data
--SKIPIF--
<?php
$fpm = dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 2) . '/fpm/php-fpm';
if (!is_executable($fpm)) die('skip php-fpm not built');
if (!is_executable('/usr/bin/cgi-fcgi')) die('skip cgi-fcgi (Debian libfcgi-bin) not installed');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
$dir = mmo_path(__FILE__, '.d');
mkdir($dir);
$db = "$dir/fpm.sqlite";
$fpm = dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 2) . '/fpm/php-fpm';
/* A free port on loopback. */
$s = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
fclose($s);
/* Worker mode keeps per-site detail for selected requests only; this
 * test wants it for every one (zend.mm_observe_detail=all).  A graceful
 * stop gives the workers time for their module shutdown. */
file_put_contents("$dir/fpm.conf", "[global]\nerror_log = $dir/fpm.log\npid = $dir/fpm.pid\nprocess_control_timeout = 10s\n[www]\nlisten = 127.0.0.1:$port\n"
    . "pm = static\npm.max_children = 2\ncatch_workers_output = yes\n");
file_put_contents("$dir/app.php", <<<'PHP'
<?php
$n = (int) ($_GET['n'] ?? 1);
$rows = [];
for ($i = 0; $i < $n; $i++) { $rows[] = str_repeat('r', 100); }
echo getmypid(), ' ', count($rows), "\n";
PHP);
$args = [$fpm, '-n', '-F', '-y', "$dir/fpm.conf", '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", '-d', 'zend.mm_observe_detail=all'];
if (posix_getuid() === 0) { $args[] = '-R'; }
$master = proc_open($args, [1 => ['file', '/dev/null', 'w'], 2 => ['file', "$dir/fpm.stderr", 'w']], $pipes);
for ($t = 0; $t < 100 && !@fsockopen('127.0.0.1', $port); $t++) { usleep(50000); }
/* 4 clients at once, 50 requests each; request k allocates k+1 rows. */
$clients = [];
for ($c = 0; $c < 4; $c++) {
    $sh = '';
    for ($k = $c * 50; $k < ($c + 1) * 50; $k++) {
        $sh .= sprintf("SCRIPT_FILENAME=%s REQUEST_METHOD=GET REQUEST_URI='/app?n=%d&token=hunter2' QUERY_STRING='n=%d&token=hunter2' cgi-fcgi -bind -connect 127.0.0.1:%d | tail -n1\n",
            escapeshellarg("$dir/app.php"), $k + 1, $k + 1, $port);
    }
    $clients[$c] = proc_open(['/bin/sh', '-c', $sh], [1 => ['pipe', 'w']], $cp[$c], null, ['PATH' => getenv('PATH')]);
}
$answers = [];
foreach ($clients as $c => $p) {
    foreach (explode("\n", trim(stream_get_contents($cp[$c][1]))) as $line) { $answers[] = $line; }
    proc_close($p);
}
/* A worker writes its run after the response has gone out: wait for the
 * last ones before stopping the server. */
for ($t = 0; $t < 200; $t++) {
    $w = new SQLite3($db, SQLITE3_OPEN_READONLY);
    $w->busyTimeout(10000);
    $busy = $w->querySingle("SELECT count(*) FROM mm_runs WHERE status = 'running'") + 200 - $w->querySingle('SELECT count(*) FROM mm_runs');
    $w->close();
    if ($busy == 0) { break; }
    usleep(50000);
}
proc_terminate($master, SIGQUIT);
proc_close($master);
echo "answers: ", count($answers), "\n";
$pids = array_unique(array_map(fn($l) => (int) $l, $answers));
echo "workers that answered: ", count($pids), "\n";
$h = mmo_db($db);
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
echo "runs: ", mmo_value($h, "SELECT count(*) FROM mm_runs"), ", ",
    mmo_value($h, "SELECT group_concat(DISTINCT sapi || ' ' || status || ' ' || request_method || ' ' || request_uri) FROM mm_runs"), "\n";
echo "run pids are the workers: ", var_export(array_map('intval', array_column(mmo_rows($h, 'SELECT DISTINCT pid FROM mm_runs ORDER BY pid'), 'pid')) == (sort($pids) ? $pids : []), true), "\n";
/* Each run allocated exactly its own request's rows at line 4: 1..200, each once. */
$counts = array_column(mmo_rows($h, "SELECT sum(alloc_count) AS n FROM mm_sites WHERE line = 4 AND callee = 'str_repeat' GROUP BY run_id ORDER BY n"), 'n');
echo "each request's rows in its own run: ", var_export($counts == range(1, 200), true), "\n";
if ($counts != range(1, 200)) {
    echo "missing: ", implode(',', array_diff(range(1, 200), $counts)), " extra: ", implode(',', array_diff($counts, range(1, 200))), " n=", count($counts), "\n";
    print_r(mmo_rows($h, "SELECT r.run_id, r.status, r.site_count, r.flushes, r.events_lost, (SELECT count(*) FROM mm_site_counters c WHERE c.run_id = r.run_id) AS sites FROM mm_runs r WHERE r.run_id NOT IN (SELECT run_id FROM mm_sites WHERE line = 4 AND callee = 'str_repeat')"));
}
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
$all = '';
foreach (["$db", "$db-wal"] as $f) { $all .= @file_get_contents($f); }
echo "query string recorded: ", var_export(str_contains($all, 'hunter2'), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
answers: 200
workers that answered: 2
integrity: ok
runs: 200, fpm-fcgi ok GET /app
run pids are the workers: true
each request's rows in its own run: true
rings left: 0
query string recorded: false
