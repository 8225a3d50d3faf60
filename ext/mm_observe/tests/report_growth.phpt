--TEST--
php --mm-report --snapshots and --growth [A B] (table, json, csv; clear errors), the ring's figures in the summary, samples and snapshot ticks in the HTML memory plot
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$small = $big = [];
function job(int $i, array &$small, array &$big): void {
    $tmp = str_repeat('t', 1000);                       // freed at the end of the job
    if ($i % 2) { $small[] = str_repeat('s', 300); }    // 500 x 384 bytes per 1000 jobs
    if ($i % 5 == 0) { $big[] = str_repeat('b', 2000); }  // 200 x 2048 bytes per 1000 jobs
}
for ($i = 1; $i <= 3000; $i++) {
    job($i, $small, $big);
    if ($i % 1000 == 0) { echo mm_observe_snapshot("after $i jobs"), ' '; }
}
echo count($small), ' ', count($big), "\n";
PHP;
/* Run 1 has no snapshot; run 2 (the last) leaks and takes three. */
$r = mmo_observe(__FILE__, '<?php echo "no snapshot\n";', $db);
echo $r['out'], $r['err'];
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_sample_bytes=256K']);
echo $r['out'], $r['err'];
$script = $r['script'];
$show = fn(array $r) => "status {$r['status']}\n" . str_replace([$db, $script], ['DB', 'SCRIPT'], $r['out']) . $r['err'];

echo "== summary\n";
$lines = explode("\n", mmo_report([$db, '--top', '1'])['out']);
echo implode("\n", preg_grep('/^  (ring|warning) /', $lines)), "\n";

echo "== --snapshots\n", $show(mmo_report([$db, '--snapshots']));
$j = json_decode(mmo_report([$db, '--snapshots', '--format', 'json'])['out'], true);
$t = array_column($j['snapshots'], 't_ns');
$sorted = $t;
sort($sorted);
echo "json: run {$j['run']}, ids ", implode(',', array_column($j['snapshots'], 'snapshot_id')), ", labels ", implode(' | ', array_column($j['snapshots'], 'label')),
    ", t_ns ascending ints: ", var_export($t === $sorted && $t === array_filter($t, 'is_int'), true), "\n";
echo "csv header: ", strtok(mmo_report([$db, '--snapshots', '--format', 'csv'])['out'], "\n"), "\n";
echo $show(mmo_report([$db, '--run', '1', '--snapshots']));

/* By line, a leak's line also holds its array's growth (the figures of ZendMM's bins): by site, str_repeat()'s blocks alone. */
echo "== --growth --top 2 (the first and the last snapshot), by line\n", $show(mmo_report([$db, '--growth', '--top', '2']));
echo "== --growth 2 3 --by site --top 2\n", $show(mmo_report([$db, '--growth', '2', '3', '--by', 'site', '--top', '2']));

echo "== --growth --format json --by site\n";
$j = json_decode(mmo_report([$db, '--growth', '--by', 'site', '--format', 'json'])['out'], true);
echo "a: {$j['a']['snapshot_id']} {$j['a']['label']}; b: {$j['b']['snapshot_id']} {$j['b']['label']}; by {$j['by']}\n";
foreach (array_slice($j['rows'], 0, 2) as $row) {
    echo "line {$row['line']} {$row['function']} {$row['opcode']} {$row['callee']}: {$row['live_bytes_a']} -> {$row['live_bytes_b']}, growth {$row['live_bytes_growth']} bytes, {$row['live_count_growth']} blocks\n";
}
echo "every row B - A: ", var_export(!array_filter($j['rows'], fn($r) => $r['live_bytes_growth'] !== $r['live_bytes_b'] - $r['live_bytes_a']
    || $r['live_count_growth'] !== $r['live_count_b'] - $r['live_count_a']), true), "\n";
$h = mmo_db($db);
echo "total = the sum of mm_growth over snapshots 2 and 3: ", var_export(array_sum(array_column($j['rows'], 'live_bytes_growth'))
    === mmo_value($h, "SELECT sum(live_bytes_growth) FROM mm_growth WHERE run_id = 2 AND snapshot_id IN (2, 3) AND function <> '{unobserved}'"), true), "\n";
$csv = explode("\n", trim(mmo_report([$db, '--growth', '1', '2', '--format', 'csv', '--top', '2'])['out']));
echo "csv: ", $csv[0], "; ", count($csv) - 1, " rows\n";

echo "== errors\n";
foreach ([
    [$db, '--run', '1', '--growth'],
    [$db, '--growth', '1', '7'],
    [$db, '--growth', '2'],
    [$db, '--growth', '2', '2'],
    [$db, '--growth', '--format', 'html'],
    [$db, '--snapshots', '--diff', '1', '2'],
] as $args) {
    $r = mmo_report($args);
    echo implode(' ', array_slice($args, 1)), "\n  => {$r['status']}: ", str_replace($db, 'DB', strtok($r['err'], "\n")), $r['out'] === '' ? '' : ' [stdout not empty]', "\n";
}

echo "== html\n";
$html = mmo_report([$db, '--format', 'html'])['out'];
preg_match('/<svg class="memory".*?<\/svg>/s', $html, $m);
echo "no external asset, one inline script (zoom): ", var_export(!preg_match('/<link|<img|<iframe|url\(|@import|src=/i', $html) && substr_count($html, '<script>') === 1, true), "\n";
echo "usage and peak lines: ", substr_count($m[0], '<polyline class="usage"'), ' ', substr_count($m[0], '<polyline class="peak"'), "\n";
echo "snapshot ticks: ", substr_count($m[0], '<g class="snapshot">'), "\n";
echo preg_match_all('/<g class="snapshot"><title>([^<]*)<\/title>/', $m[0], $t) ? implode("\n", $t[1]) : 'no tooltips', "\n";
echo "usage points > 4: ", var_export(preg_match('/<polyline class="usage" points="([^"]*)"/', $m[0], $p) && count(explode(' ', $p[1])) > 4, true), "\n";
echo preg_match('/<p class="note">Bytes \(memory_get_usage\(\)\) over time since the start of the run\. (\d+ sample\(s\) of memory_get_usage\(\))/', $html, $n) ? $n[1] : 'no samples note', "\n";
$html = mmo_report([$db, '--run', '1', '--format', 'html'])['out'];
echo "run 1 (no samples, no snapshots): ", substr_count($html, 'class="snapshot"'), ' ', substr_count($html, 'class="peak"'), ' ',
    var_export(str_contains($html, 'memory_get_usage() at the start, before and after each GC pass'), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
no snapshot
1 2 3 1500 600
== summary
  ring      %d sample(s); 3 snapshot(s); %d flush(es), %f ms total pause, longest %f ms
== --snapshots
status 0
Snapshots of run 2 of DB
      id         time      usage  label
       1 %s  after 1000 jobs
       2 %s  after 2000 jobs
       3 %s  after 3000 jobs
json: run 2, ids 1,2,3, labels after 1000 jobs | after 2000 jobs | after 3000 jobs, t_ns ascending ints: true
csv header: snapshot_id,label,t_ns,usage
status 0
Snapshots of run 1 of DB
  (none: call mm_observe_snapshot() in the script)
== --growth --top 2 (the first and the last snapshot), by line
status 0
Growth in run 2 of DB (SCRIPT)
  A  snapshot 1 "after 1000 jobs" at %f ms, usage %s
  B  snapshot 3 "after 3000 jobs" at %f ms, usage %s (+%s)

Top 2 lines by growth of live bytes (B - A)
      live A     live B      growth   blocks  line
%s     +400  SCRIPT:6
                                              | if ($i % 5 == 0) { $big[] = str_repeat('b', 2000); }  // 200 x 2048 bytes per 1000 jobs
%s   +1,000  SCRIPT:5
                                              | if ($i % 2) { $small[] = str_repeat('s', 300); }    // 500 x 384 bytes per 1000 jobs
== --growth 2 3 --by site --top 2
status 0
Growth in run 2 of DB (SCRIPT)
  A  snapshot 2 "after 2000 jobs" at %f ms, usage %s
  B  snapshot 3 "after 3000 jobs" at %f ms, usage %s (+%s)

Top 2 sites by growth of live bytes (B - A)
      live A     live B      growth   blocks  site
   800.0 KiB    1.2 MiB  +400.0 KiB     +200  SCRIPT:6  job DO_ICALL -> str_repeat()
   375.0 KiB  562.5 KiB  +187.5 KiB     +500  SCRIPT:5  job DO_ICALL -> str_repeat()
== --growth --format json --by site
a: 1 after 1000 jobs; b: 3 after 3000 jobs; by site
line 6 job DO_ICALL str_repeat: 409600 -> 1228800, growth 819200 bytes, 400 blocks
line 5 job DO_ICALL str_repeat: 192000 -> 576000, growth 384000 bytes, 1000 blocks
every row B - A: true
total = the sum of mm_growth over snapshots 2 and 3: true
csv: file,line,function,opcode,callee,kind,live_bytes_a,live_bytes_b,live_bytes_growth,live_count_a,live_count_b,live_count_growth,alloc_bytes_growth; 2 rows
== errors
--run 1 --growth
  => 1: mm-report: run 1 has 0 snapshot(s); --growth needs two: call mm_observe_snapshot() in the script
--growth 1 7
  => 1: mm-report: run 2 has no snapshot 7 (it has 3 snapshot(s), ids 1 to 3)
--growth 2
  => 1: mm-report: --growth takes two snapshots or none, e.g. --growth 1 5
--growth 2 2
  => 1: mm-report: --growth 2 2: give two different snapshots
--growth --format html
  => 1: mm-report: --growth writes table, json or csv, not html
--snapshots --diff 1 2
  => 1: mm-report: --diff and --snapshots are separate reports: give one
== html
no external asset, one inline script (zoom): true
usage and peak lines: 1 1
snapshot ticks: 3
snapshot 1: after 1000 jobs (at %f ms, usage %s)
snapshot 2: after 2000 jobs (at %f ms, usage %s)
snapshot 3: after 3000 jobs (at %f ms, usage %s)
usage points > 4: true
%d sample(s) of memory_get_usage()
run 1 (no samples, no snapshots): 0 0 true
