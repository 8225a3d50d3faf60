--TEST--
php --mm-report with call paths: --by path, --callers FILE:LINE with shares, --by function with self and inclusive figures, collapsed stacks and callgrind calls from the paths; a run without paths and bad --callers values are one-line errors; frames that loop in a hand-edited database are cut, never followed forever
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function price($i) { return str_repeat('p', 1000 + $i); }
function process() { $out = []; for ($i = 0; $i < 30; $i++) { $out[] = price($i); } return $out; }
function audit() { $log = []; for ($i = 0; $i < 10; $i++) { $log[] = price($i); } return $log; }
$a = process();
$b = audit();
echo count($a) + count($b), "\n";
PHP;
echo mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0'])['out'];
$script = basename(mmo_path(__FILE__, '.child.php'));
$show = function (array $r) {
    echo "status {$r['status']}", $r['err'] !== '' ? " stderr: {$r['err']}" : "\n";
};

echo "== --by path (the paths through price())\n";
$r = mmo_report([$db, '--by', 'path']);
$show($r);
echo preg_match('/\n(Top \d+ call paths[^\n]*\n[^\n]*\n)/', $r['out'], $m) ? preg_replace('/Top \d+/', 'Top N', $m[1]) : $r['out'];
foreach (preg_split('/\n(?=  +[\d.]+ (?:B|KiB|MiB))/', $r['out']) as $block) {
    if (str_contains($block, 'price (')) {
        echo rtrim($block), "\n";
    }
}

echo "== --callers\n";
$r = mmo_report([$db, '--callers', "$script:2"]);
$show($r);
echo preg_replace('/^.*(Call paths into)/s', '$1', $r['out']);

echo "== --by function (sorted by the inclusive figure)\n";
$r = mmo_report([$db, '--by', 'function']);
$show($r);
$lines = explode("\n", preg_replace(['/^.*\n(Top \d+ functions)/s', '/  \(\/.*\)$/m'], ['$1', ''], $r['out']));
echo preg_replace('/Top \d+/', 'Top N', $lines[0]), "\n", $lines[1], "\n";
foreach ($lines as $l) {
    if (preg_match('/ (price|process|audit)$/', $l)) {
        echo $l, "\n";
    }
}

echo "== collapsed\n";
$r = mmo_report([$db, '--format', 'collapsed']);
$lines = array_filter(explode("\n", $r['out']), fn($l) => str_contains($l, 'price'));
sort($lines);
echo preg_replace('/ \d+$/', ' N', implode("\n", $lines)), "\n";

echo "== callgrind\n";
$r = mmo_report([$db, '--format', 'callgrind']);
echo "calls from process to price: ", preg_match('/fn=\(\d+\) process\n(?:.*\n)*?cfn=\(\d+\) price\ncalls=1 0\n3 (\d+)/', $r['out'], $m) ? "yes, {$m[1]} bytes inclusive" : "no\n{$r['out']}", "\n";

echo "== --by path --format json\n";
$j = json_decode(mmo_report([$db, '--by', 'path', '--format', 'json'])['out'], true);
foreach ($j['rows'] as $row) {
    if (str_starts_with($row['path'][1] ?? '', 'price (')) {
        echo json_encode(['sampled' => $j['sampled'], 'path' => $row['path'], 'alloc_count' => $row['alloc_count']]), "\n";
    }
}

echo "== errors\n";
foreach ([['--callers', 'nofile'], ['--callers', 'x.php:0'], ['--by', 'path', '--format', 'pprof']] as $args) {
    $r = mmo_report(array_merge([$db], $args));
    echo "status {$r['status']}: ", $r['err'];
}
/* The same run without paths. */
$db2 = mmo_path(__FILE__, '.nopaths.sqlite');
@unlink($db2);
mmo_observe(__FILE__, $code, $db2, ['-d', 'zend.mm_observe_call_paths=0']);
$r = mmo_report([$db2, '--by', 'path']);
echo "status {$r['status']}: ", $r['err'];
$r = mmo_report([$db2, '--format', 'collapsed']);
echo "collapsed without paths: status {$r['status']}, ", str_contains($r['out'], ';price;') ? 'by file, function and line' : $r['out'], "\n";

echo "== loops\n";
$db3 = mmo_path(__FILE__, '.loop.sqlite');
copy($db, $db3);
$h = new SQLite3($db3);
$h->exec('UPDATE mm_path_frames SET parent_id = frame_id');
$h->close();
$r = mmo_report([$db3, '--by', 'path', '--top', '10']);
$show($r);
echo str_contains($r['out'], '{truncated}') ? "cut at {truncated}\n" : $r['out'];
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
@unlink(mmo_path(__FILE__, '.nopaths.sqlite'));
@unlink(mmo_path(__FILE__, '.loop.sqlite'));
?>
--EXPECT--
40
== --by path (the paths through price())
status 0
Top N call paths by allocated bytes (the allocating line first, then its callers)
   allocated     count       live  peak live     at end
    37.5 KiB        30   37.5 KiB   37.5 KiB   37.5 KiB
      str_repeat()
      <- price (report_call_paths.child.php:2)
      <- process (report_call_paths.child.php:3)
      <- {main} (report_call_paths.child.php:5)
    12.5 KiB        10   12.5 KiB   12.5 KiB   12.5 KiB
      str_repeat()
      <- price (report_call_paths.child.php:2)
      <- audit (report_call_paths.child.php:4)
      <- {main} (report_call_paths.child.php:6)
== --callers
status 0
Call paths into report_call_paths.child.php:2, by allocated bytes
   share  allocated     count       live  peak live
   75.0%   37.5 KiB        30   37.5 KiB   37.5 KiB
      <- process (report_call_paths.child.php:3)
      <- {main} (report_call_paths.child.php:5)
   25.0%   12.5 KiB        10   12.5 KiB   12.5 KiB
      <- audit (report_call_paths.child.php:4)
      <- {main} (report_call_paths.child.php:6)
== --by function (sorted by the inclusive figure)
status 0
Top N functions by allocated bytes (self: its own lines; incl: with all it called, from the call paths)
  self alloc incl alloc     count  self live  incl live   incl end  incl peak  function
    50.0 KiB   50.0 KiB        40   50.0 KiB   50.0 KiB   50.0 KiB   50.0 KiB  price
       696 B   38.2 KiB         4      696 B   38.2 KiB   38.2 KiB   38.2 KiB  process
       376 B   12.9 KiB         3      376 B   12.9 KiB   12.9 KiB   12.9 KiB  audit
== collapsed
{main} (report_call_paths.child.php:5);process (report_call_paths.child.php:3);price (report_call_paths.child.php:2);str_repeat() 38400
{main} (report_call_paths.child.php:6);audit (report_call_paths.child.php:4);price (report_call_paths.child.php:2);str_repeat() N
== callgrind
calls from process to price: yes, 38400 bytes inclusive
== --by path --format json
{"sampled":false,"path":["str_repeat()","price (report_call_paths.child.php:2)","process (report_call_paths.child.php:3)","{main} (report_call_paths.child.php:5)"],"alloc_count":30}
{"sampled":false,"path":["str_repeat()","price (report_call_paths.child.php:2)","audit (report_call_paths.child.php:4)","{main} (report_call_paths.child.php:6)"],"alloc_count":10}
== errors
status 1: mm-report: --callers needs FILE:LINE, e.g. --callers src/Formatter.php:42
status 1: mm-report: --callers needs FILE:LINE, e.g. --callers src/Formatter.php:42
status 1: mm-report: --by path writes table, json or csv, not pprof
status 1: mm-report: run 1 has no call paths, which --by path needs (recorded with zend.mm_observe_call_paths=0 or by an older PHP)
collapsed without paths: status 0, by file, function and line
== loops
status 0
cut at {truncated}
