--TEST--
php --mm-report --diff A B: sites matched by file, line, function, opcode and callee; largest change first; json and csv
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
$keep = [];
for ($i = 0; $i < N; $i++) { $keep[] = str_repeat('k', 300); }
$tmp = str_repeat('t', 1000);
echo count($keep), "\n";
PHP;
foreach ([100, 400] as $n) {
    $r = mmo_observe(__FILE__, str_replace('N', (string) $n, $code), $db);
    echo $r['out'], $r['err'];
}
$script = $r['script'];
$r = mmo_report([$db, '--diff', '1', '2', '--top', '3']);
echo "status {$r['status']}\n", preg_replace(['/\d{4}-\d\d-\d\dT[\d:.]+Z/', '/(?<=[ (+])\d[\d.]* (KiB|MiB|B)\b/'], ['TIME', 'N $1'], str_replace([$db, $script], ['DB', 'SCRIPT'], $r['out'])), $r['err'];
$j = json_decode(mmo_report([$db, '--diff', '1', '2', '--format', 'json'])['out'], true);
$first = $j['rows'][0];
echo "json first: line {$first['line']} {$first['opcode']} {$first['callee']}: count {$first['alloc_count_a']} -> {$first['alloc_count_b']}, delta bytes ", $first['alloc_bytes_delta'] === $first['alloc_bytes_b'] - $first['alloc_bytes_a'] ? 'consistent' : 'WRONG', "\n";
echo "line 4 unchanged, not listed: ", var_export(!array_filter($j['rows'], fn($r) => $r['line'] === 4 && $r['callee'] === 'str_repeat'), true), "\n";
$csv = explode("\n", trim(mmo_report([$db, '--diff', '2', '1', '--format', 'csv', '--sort', 'count'])['out']));
echo "csv header: ", $csv[0], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
100
400
status 0
Diff of runs 1 and 2 of DB
  run 1: SCRIPT, ok, peak N KiB, allocated N KiB
  run 2: SCRIPT, ok, peak N KiB, allocated N KiB

Top 2 sites by change in alloc_bytes (B - A)
      alloc A     alloc B   alloc B-A    live B-A  site
%w N KiB %w N KiB %w+N KiB %w+N KiB  SCRIPT:3  {main} DO_ICALL -> str_repeat()
%w N KiB %w N KiB %w+N KiB %w+N KiB  SCRIPT:3  {main} ASSIGN_DIM
json first: line 3 DO_ICALL str_repeat: count 100 -> 400, delta bytes consistent
line 4 unchanged, not listed: true
csv header: file,line,function,opcode,callee,kind,alloc_bytes_a,alloc_count_a,live_bytes_a,peak_live_bytes_a,leak_bytes_a,alloc_bytes_b,alloc_count_b,live_bytes_b,peak_live_bytes_b,leak_bytes_b,alloc_bytes_delta,alloc_count_delta,live_bytes_delta,peak_live_bytes_delta,leak_bytes_delta
