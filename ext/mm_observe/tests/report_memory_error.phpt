--TEST--
php --mm-report (issue 16, item 2): a run that died of a memory error shows the failing site with its source line, what it asked for, the limit and the usage, and the sites holding the most memory at that moment, in the table, json and html; figures that are not real ones show as '?'
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
mmo_cleanup(__DIR__ . '/report_memory_error_fine.php');
$code = <<<'PHP'
<?php
$keep = [];
function grow(array &$keep) {
    $keep[] = str_repeat('m', 100000);
}
while (true) { grow($keep); }
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'memory_limit=4M']);
echo "script: ", str_contains($r['out'] . $r['err'], 'Allowed memory size of 4194304 bytes exhausted') ? 'memory error' : $r['out'] . $r['err'], "\n";
/* Another child script: the first one's lines are read by the report. */
mmo_observe(__DIR__ . '/report_memory_error_fine.php', '<?php echo "fine\n";', $db);

$t = mmo_report([$db, '--run', '1']);
preg_match('/^  error .*\n(?:  .*\n)*?(?=  GC )/m', $t['out'], $m);
echo preg_replace(['/at \S+Z:/', '/\/\S*\//', '/ +/'], ['at TIME:', '', ' '], $m[0] ?? $t['out']);
$t = mmo_report([$db, '--run', '2']);
echo "a run without one: ", str_contains($t['out'], '  error ') ? 'shown' : 'none', "\n";

$j = json_decode(mmo_report([$db, '--run', '1', '--format', 'json'])['out'], true);
$e = $j['memory_error'];
echo "json: {$e['error']}, requested {$e['requested']}, limit {$e['memory_limit']}, usage > 3 MiB: ", var_export($e['usage'] > 3 << 20, true),
    ", at line {$e['site']['line']} {$e['site']['function']} {$e['site']['callee']}, top[0] line {$e['top'][0]['line']}, ", count($e['top']), " top sites\n";
echo "json without one: ", var_export(json_decode(mmo_report([$db, '--run', '2', '--format', 'json'])['out'], true)['memory_error'], true), "\n";

$h = mmo_report([$db, '--run', '1', '--format', 'html'])['out'];
echo "html: ", var_export(str_contains($h, '<h2>Memory error</h2>') && str_contains($h, 'memory_limit of 4.0 MiB exhausted'), true), "\n";

/* Figures no run records (a database changed by hand). */
$w = new SQLite3($db);
$w->exec('UPDATE mm_oom_events SET requested = -5, usage = 99999999999999999, memory_limit = 4194304');
$w->exec('UPDATE mm_oom_top SET live_bytes = -1');
$w->close();
$t = mmo_report([$db, '--run', '1']);
preg_match('/^  error .*$/m', $t['out'], $m);
echo preg_replace('/at \S+Z:/', 'at TIME:', $m[0]), "\n";
echo "top sites with '?': ", preg_match_all('/^  (live then|         ) +\? /m', $t['out']), ", status {$t['status']}\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
mmo_cleanup(__DIR__ . '/report_memory_error_fine.php');
?>
--EXPECTF--
script: memory error
 error memory_limit of 4.0 MiB exhausted at TIME: %s KiB requested with %s MiB in use
 at report_memory_error.child.php:4 grow DO_ICALL str_repeat()
 | $keep[] = str_repeat('m', 100000);
 live then %s MiB report_memory_error.child.php:4 grow DO_ICALL str_repeat()
%a
a run without one: none
json: memory_limit, requested %d, limit 4194304, usage > 3 MiB: true, at line 4 grow str_repeat, top[0] line 4, %d top sites
json without one: NULL
html: true
  error     memory_limit of 4.0 MiB exhausted at TIME: ? requested with ? in use
top sites with '?': %d, status 0
