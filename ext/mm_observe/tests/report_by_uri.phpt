--TEST--
php --mm-report --by uri: a worker's requests (php -S) per endpoint, summary-only runs included; --uri, --sort, json, csv, --runs
--SKIPIF--
<?php
if (!function_exists('proc_open')) die('skip needs proc_open');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
$dir = mmo_path(__FILE__, '.d');
mkdir($dir);
mkdir("$dir/www");
$db = "$dir/uri.sqlite";
/* /a.php allocates much and keeps nothing; /b.php allocates less and keeps
 * what it allocated until the end of the script. */
file_put_contents("$dir/www/a.php", "<?php\n\$s = str_repeat('a', 300000);\necho strlen(\$s), \"\\n\";\nunset(\$s);\n");
file_put_contents("$dir/www/b.php", "<?php\n\$keep = str_repeat('b', 100000);\necho strlen(\$keep), \"\\n\";\n");
/* A free port on loopback. */
$s = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($s, false), ':'), 1);
fclose($s);
/* The CLI server runs in worker mode: a summary row per request, the
 * detail of selected ones only (here the first: zend.mm_observe_detail_every),
 * everything folded into the endpoint tables.  drain_ms=0: every request
 * is written when it ends, since SIGTERM does not run module shutdown. */
$server = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
    '-d', 'zend.mm_observe_drain_ms=0', '-S', "127.0.0.1:$port", '-t', "$dir/www"],
    [0 => ['file', '/dev/null', 'r'], 1 => ['file', "$dir/server.out", 'w'], 2 => ['file', "$dir/server.err", 'w']], $pipes);
for ($t = 0; $t < 200 && !($c = @fsockopen('127.0.0.1', $port)); $t++) { usleep(50000); }
if ($c) { fclose($c); }
$answers = [];
foreach (array_merge(array_fill(0, 6, '/a.php'), array_fill(0, 3, '/b.php?x=1')) as $path) {
    $answers[] = trim((string) @file_get_contents("http://127.0.0.1:$port$path"));
}
echo "answers: ", implode(' ', $answers), "\n";
/* A request is written after its response has gone out: wait for the last. */
for ($t = 0; $t < 200; $t++) {
    $w = mmo_db($db);
    $done = $w->querySingle("SELECT count(*) FROM mm_runs WHERE status <> 'running'");
    $w->close();
    if ($done >= 9) { break; }
    usleep(50000);
}
proc_terminate($server);
proc_close($server);
$h = mmo_db($db);
echo "runs: ", mmo_value($h, 'SELECT count(*) FROM mm_runs'), ", without detail: ", mmo_value($h, 'SELECT count(*) FROM mm_runs WHERE detail IS NULL'),
    ", with sites: ", mmo_value($h, 'SELECT count(DISTINCT run_id) FROM mm_site_counters'), "\n";
/* The endpoint sums are the sums of the requests' rows (invariant 7). */
foreach (mmo_rows($h, 'SELECT request_uri, count(*) AS n, sum(alloc_bytes) AS alloc_bytes, sum(end_live_bytes) AS end_live_bytes
        FROM mm_runs GROUP BY request_uri ORDER BY request_uri') as $r) {
    $e = mmo_rows($h, 'SELECT requests, alloc_bytes, end_live_bytes FROM mm_endpoints WHERE uri = ?', [$r['request_uri']])[0] ?? null;
    echo "mm_runs {$r['request_uri']}: {$r['n']} request(s), same as mm_endpoints: ", var_export($e == ['requests' => $r['n'],
        'alloc_bytes' => $r['alloc_bytes'], 'end_live_bytes' => $r['end_live_bytes']], true), "\n";
}
$h->close();
/* Figures vary: the rows, their order and counts are checked, and that
 * the script's own str_repeat() line is among the top sites (the engine's
 * pseudo sites, {startup} and the like, may come before it). */
$norm = function (string $s) use ($dir): string {
    $out = '';
    $sites = 0;
    foreach (explode("\n", str_replace($dir, 'DIR', rtrim($s))) as $line) {
        $figures = preg_replace(['/\d{4}-\d\d-\d\dT[\d:]+Z/', '/(?<![\w.:\/])\d[\d,.]*( [KMG]iB| B)?(?![\w.])/', '/ +/'], ['TIME', 'N', ' '], trim($line));
        if (preg_match('/^ +([\d,]+) +([\d,]+) +([\d,]+) .*  (\S+ \S+)$/', $line, $m)) {
            $out .= "requests $m[1] errors $m[2] detailed $m[3] $m[4]\n";
        } elseif (str_starts_with($line, '      ')) {
            $sites++;
            $out .= str_contains($line, '(str_repeat)') ? "  $figures\n" : '';
        } else {
            $out .= (str_starts_with($line, 'Endpoints of') ? preg_replace('/\d{4}-\d\d-\d\dT[\d:]+Z/', 'TIME', $line) : $figures) . "\n";
        }
    }
    return $out . "site lines: $sites\n";
};
foreach ([['--by', 'uri'], ['--by', 'uri', '--sort', 'live', '--top', '1'], ['--by=uri', '--uri', 'b.']] as $args) {
    $r = mmo_report(array_merge([$db], $args));
    echo "== ", implode(' ', $args), ", status {$r['status']}\n", $norm($r['out']), $r['err'];
}
$r = mmo_report([$db, '--by', 'uri', '--format', 'json']);
$j = json_decode($r['out'], true);
echo "== --by uri --format json, status {$r['status']}\n";
foreach ($j['rows'] as $e) {
    $mine = array_values(array_filter($e['sites'], fn($s) => $s['callee'] === 'str_repeat'));
    printf("%s %s: requests %d errors %d detailed %d, alloc_bytes = requests * per request: %s, peak avg <= max: %s, sites %d, str_repeat() at %s\n",
        $e['method'], $e['uri'], $e['requests'], $e['errors'], $e['detailed'],
        var_export(abs($e['alloc_bytes'] - $e['requests'] * $e['alloc_bytes_per_request']) < $e['requests'], true),
        var_export($e['peak_avg'] > 0 && $e['peak_avg'] <= $e['peak_max'], true), count($e['sites']),
        implode(', ', array_map(fn($s) => basename($s['file']) . ":{$s['line']} {$s['function']}, {$s['requests']} requests", $mine)));
}
$r = mmo_report([$db, '--by', 'uri', '--format', 'csv']);
echo "== csv, status {$r['status']}: ", count(explode("\n", trim($r['out']))), " lines, ", explode(',', $r['out'])[0], ",", explode(',', $r['out'])[1], "\n";
$r = mmo_report([$db, '--runs']);
$lines = explode("\n", trim($r['out']));
echo "== --runs, status {$r['status']}: ", count($lines) - 1, " runs, ", count(preg_grep('/ 0 B /', $lines)), " with nothing allocated\n", $r['err'];
/* Nothing to show, and options that do not go with --by uri. */
$cli = "$dir/cli.sqlite";
mmo_observe(__FILE__, '<?php echo "cli\n";', $cli);
$v4 = new SQLite3($db);
$v4->exec("VACUUM INTO '$dir/v4.sqlite'");
$v4->close();
$v4 = new SQLite3("$dir/v4.sqlite");
$v4->exec('PRAGMA user_version = 4');
$v4->close();
foreach ([[$cli, '--by', 'uri'], ["$dir/v4.sqlite", '--by', 'uri'], [$db, '--by', 'uri', '--uri', 'nothing'], [$db, '--by', 'uri', '--format', 'html'],
        [$db, '--by', 'uri', '--run', '1'], [$db, '--by', 'uri', '--runs'], [$db, '--uri', 'a'], [$db, '--by', 'uri', '--sort', 'size']] as $args) {
    $r = mmo_report($args);
    echo "== ", implode(' ', array_slice($args, 1)), ": status {$r['status']}, ", str_replace($dir, 'DIR', $r['err']), $r['out'];
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
answers: 300000 300000 300000 300000 300000 300000 100000 100000 100000
runs: 9, without detail: 8, with sites: 1
mm_runs /a.php: 6 request(s), same as mm_endpoints: true
mm_runs /b.php: 3 request(s), same as mm_endpoints: true
== --by uri, status 0
Endpoints of DIR/uri.sqlite: 9 request(s) to 2 endpoint(s), in windows from TIME to TIME

Top N endpoints by allocated bytes; under each, its top N sites by allocated bytes (all its requests)
requests errors detailed avg time max time allocated alloc/req peak avg peak max live/req endpoint
requests 6 errors 0 detailed 1 GET /a.php
  DIR/www/a.php:2 {main} (str_repeat) N
requests 3 errors 0 detailed 0 GET /b.php
  DIR/www/b.php:2 {main} (str_repeat) N
site lines: 6
== --by uri --sort live --top 1, status 0
Endpoints of DIR/uri.sqlite: 9 request(s) to 2 endpoint(s), in windows from TIME to TIME

Top N endpoints by bytes live at the end of the script per request; under each, its top N sites by bytes live at the end (all its requests)
requests errors detailed avg time max time allocated alloc/req peak avg peak max live/req endpoint
requests 3 errors 0 detailed 0 GET /b.php
  DIR/www/b.php:2 {main} (str_repeat) N
site lines: 3
== --by=uri --uri b., status 0
Endpoints of DIR/uri.sqlite: 3 request(s) to 1 endpoint(s) whose URI contains "b.", in windows from TIME to TIME

Top N endpoints by allocated bytes; under each, its top N sites by allocated bytes (all its requests)
requests errors detailed avg time max time allocated alloc/req peak avg peak max live/req endpoint
requests 3 errors 0 detailed 0 GET /b.php
  DIR/www/b.php:2 {main} (str_repeat) N
site lines: 3
== --by uri --format json, status 0
GET /a.php: requests 6 errors 0 detailed 1, alloc_bytes = requests * per request: true, peak avg <= max: true, sites 3, str_repeat() at a.php:2 {main}, 6 requests
GET /b.php: requests 3 errors 0 detailed 0, alloc_bytes = requests * per request: true, peak avg <= max: true, sites 3, str_repeat() at b.php:2 {main}, 3 requests
== csv, status 0: 3 lines, method,uri
== --runs, status 0: 9 runs, 0 with nothing allocated
== --by uri: status 1, mm-report: 'DIR/cli.sqlite' has no per-endpoint figures: no request of php-fpm, php -S or another web SAPI is recorded in it
== --by uri: status 1, mm-report: 'DIR/v4.sqlite' has no per-endpoint figures: it has schema version 4, and requests are summed per endpoint from version 5 on (those of php-fpm, php -S, ... that this PHP records)
== --by uri --uri nothing: status 1, mm-report: 'DIR/uri.sqlite' has no endpoint whose URI contains 'nothing'
== --by uri --format html: status 1, mm-report: --by uri writes table, json or csv, not html
== --by uri --run 1: status 1, mm-report: --by uri sums the requests of every run: give no --run
== --by uri --runs: status 1, mm-report: --runs and --by uri are separate reports: give one
== --uri a: status 1, mm-report: --uri selects the endpoints of --by uri
== --by uri --sort size: status 1, mm-report: --sort: 'size' is not one of alloc, live, leak, peak, count