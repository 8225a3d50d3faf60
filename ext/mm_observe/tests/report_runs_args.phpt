--TEST--
php --mm-report (issue 16, item 5): the command-line arguments of CLI runs are recorded (shell-quoted, capped at 511 bytes, in the ring header too, never the environment; zend.mm_observe_args=0 turns it off) and shown by --runs and --match; --runs --by script sums the runs per script, test or request (table, json, csv) with the selection of --runs
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$a = mmo_path(__FILE__, '.a.php');
$b = mmo_path(__FILE__, '.b.php');
file_put_contents($a, '<?php $x = str_repeat("a", 3000); if (($argv[1] ?? "") === "wait") { echo "ready\n"; sleep(60); } exit(($argv[1] ?? "") === "fail" ? 3 : 0);');
file_put_contents($b, '<?php $y = str_repeat("b", 9000);');
function run(string $script, array $args, array $ini = []): void
{
    global $php, $db;
    $cmd = array_merge([$php, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db"], $ini, [$script], $args);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__, ['SECRET_TOKEN' => 'hunter2']);
    stream_get_contents($pipes[1]);
    echo stream_get_contents($pipes[2]);
    proc_close($p);
}
run($a, ['install', '--no-dev']);
run($a, ['update', 'two words', "it's", '']);
run($a, ['fail']);
run($a, ["\x1b[31mred"]);
run($a, [str_repeat('x', 300), str_repeat('y', 300)]);
run($a, ['hidden'], ['-d', 'zend.mm_observe_args=0']);
run($b, []);

$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT run_id, args FROM mm_runs ORDER BY run_id') as $r) {
    $v = $r['args'];
    echo "run {$r['run_id']}: ", $v === null ? 'NULL' : (strlen($v) > 60 ? strlen($v) . ' bytes, ends ' . substr($v, -6) : json_encode($v)), "\n";
}
echo "the environment is not recorded: ", var_export(!str_contains(file_get_contents($db), 'hunter2'), true), "\n";
$h->close();

$l = mmo_report([$db, '--runs']);
$norm = fn($s) => preg_replace(['/\d{4}-\d\d-\d\dT[\d:.]+Z/', '/ +/', '/[\d.]+ (B|KiB|MiB)/', '/\S*report_runs_args\./'], ['TIME', ' ', 'N $1', ''], $s);
echo $norm($l['out']), $l['err'];
$m = mmo_report([$db, '--runs', '--match', 'two words']);
echo "--match in the arguments: ", $norm($m['out']);

/* Groups: five runs of a.php, one of b.php. */
$g = mmo_report([$db, '--runs', '--by', 'script']);
echo preg_replace('/[\d.]+ (ms|B|KiB|MiB)/', 'N $1', $norm($g['out'])), $g['err'];
$g = mmo_report([$db, '--runs', '--by', 'script', '--status', 'ok', '--top', '1']);
echo preg_replace('/[\d.]+ (ms|B|KiB|MiB)/', 'N $1', $norm($g['out']));
$j = json_decode(mmo_report([$db, '--runs', '--by', 'script', '--format', 'json'])['out'], true);
$first = $j['groups'][0];
echo "json: runs {$j['runs']}, groups ", count($j['groups']), ", first ", basename($first['what']), " x{$first['runs']} [{$first['statuses']}], peak_max int: ",
    var_export(is_int($first['peak_max']) && $first['peak_max'] > 0, true), ", duration: ", var_export(is_float($first['duration_avg_ms']) || is_int($first['duration_avg_ms']), true), "\n";
$c = explode("\n", mmo_report([$db, '--runs', '--by', 'script', '--format', 'csv'])['out']);
echo "csv: {$c[0]}\n";
foreach ([['--by', 'script'], ['--runs', '--by', 'site']] as $bad) {
    $r = mmo_report(array_merge([$db], $bad));
    echo implode(' ', $bad), " => {$r['status']}: {$r['err']}";
}

/* A killed run: its arguments are in the ring header and in the run row. */
$p = proc_open([$php, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", $a, 'wait', 'for kill'],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
$ring = "$db.$pid.mmring";
echo "in the ring header: ", json_encode(rtrim(substr(file_get_contents($ring, false, null, 7568, 512), 0), "\0")), "\n";
posix_kill($pid, 9);
proc_close($p);
$r = mmo_cli(['--mm-import', $ring, $db]);
$h = mmo_db($db);
echo "imported: ", json_encode(mmo_rows($h, 'SELECT status, args FROM mm_runs ORDER BY run_id DESC LIMIT 1')[0]), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
@unlink(__DIR__ . '/report_runs_args.a.php');
@unlink(__DIR__ . '/report_runs_args.b.php');
?>
--EXPECTF--
run 1: "install --no-dev"
run 2: "update 'two words' 'it'\\''s' ''"
run 3: "fail"
run 4: "'\u001b[31mred'"
run 5: 511 bytes, ends yyy...
run 6: NULL
run 7: NULL
the environment is not recorded: true
 run started status peak allocated script
 1 TIME ok N KiB N KiB a.php install --no-dev
 2 TIME ok N KiB N KiB a.php update 'two words' 'it'\''s' ''
 3 TIME ok N KiB N KiB a.php fail
 4 TIME ok N KiB N KiB a.php '\x1b[31mred'
 5 TIME ok N KiB N KiB a.php xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...
 6 TIME ok N KiB N KiB a.php
 7 TIME ok N KiB N KiB b.php
--match in the arguments:  run started status peak allocated script
 2 TIME ok N KiB N KiB a.php update 'two words' 'it'\''s' ''
1 run(s) shown of 1 matching (of 7); all of them
 runs avg time avg peak max peak avg alloc status script, test or request
 6 N ms N KiB N KiB N KiB ok 6 a.php
 1 N ms N KiB N KiB N KiB ok 1 b.php
7 run(s) in 2 group(s)
 runs avg time avg peak max peak avg alloc status script, test or request
 6 N ms N KiB N KiB N KiB ok 6 a.php
7 run(s) matching (of 7) in 2 group(s), 1 shown (--top N)
json: runs 7, groups 2, first report_runs_args.a.php x6 [ok 6], peak_max int: true, duration: true
csv: what,runs,duration_avg_ms,peak_avg,peak_max,alloc_avg,last_started,statuses
--by script => 1: mm-report: --by script groups the runs of --runs: give --runs
--runs --by site => 1: mm-report: --runs lists runs, or groups them with --by script; not --by site
in the ring header: "wait 'for kill'"
imported: {"status":"crashed","args":"wait 'for kill'"}
