--TEST--
php --mm-report (issue 16, item 1): what a script kept until its end (closures left in a global listener array, destroyed only at shutdown) is a sort key (--sort leak), a column ("at end", beside "live" after shutdown, both explained), a json figure and an html flame graph
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$listeners = [];
function on(string $event, Closure $f) { $GLOBALS['listeners'][$event][] = $f; }
for ($i = 0; $i < 200; $i++) {
    $payload = str_repeat('p', 4000);
    on("e$i", function () use ($payload) { return strlen($payload); });
}
for ($i = 0; $i < 300; $i++) {
    $tmp = str_repeat('t', 3000);
}
echo count($listeners), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'];
$t = mmo_report([$db, '--sort', 'leak', '--top', '3']);
$lines = explode("\n", $t['out']);
$i = array_search('Top 3 lines by bytes live at the end of the script', $lines, true);
echo $lines[$i], "\n", preg_replace('/ +/', ' ', $lines[$i + 1]), "\n";
/* The first row: line 5's payloads, kept until the end (about 200 x 4 KiB), gone after shutdown. */
preg_match('/^ *(\S+ \S+) +(\S+) +\S+ +(\S+ \S+) +(\S+ \S+) +(\S+ \S+) +(\S+)$/', $lines[$i + 2], $m);
echo "first: ", basename($m[6]), ", live after shutdown ", str_ends_with($m[3], ' B') || (float) $m[3] < 10 ? 'under 10 KiB' : $m[3], ", at end ", (float) $m[4] >= 780 && str_ends_with($m[4], 'KiB') ? '~800 KiB' : $m[4], "\n";
echo "legend: ", var_export((bool) preg_grep('/^  live: still allocated when observation stopped .* at end: when the script ended/', $lines), true), "\n";
echo "summary: ", var_export((bool) preg_grep('/^  memory .*; live at the end of the script \S+ \S+, after shutdown \S+/', $lines), true), "\n";
$j = json_decode(mmo_report([$db, '--sort', 'leak', '--format', 'json', '--top', '1'])['out'], true);
echo "json: sort {$j['sort']}, first line {$j['rows'][0]['line']}, leak_bytes > 790000: ", var_export($j['rows'][0]['leak_bytes'] > 790000, true), "\n";
$h = mmo_report([$db, '--format', 'html'])['out'];
echo "html: ", var_export(str_contains($h, 'Flame graph (call paths): bytes live at the end of the script') && str_contains($h, '<th>at end</th>'), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
200
Top 3 lines by bytes live at the end of the script
 allocated count reallocs live at end peak live line
first: report_leaks.child.php:5, live after shutdown under 10 KiB, at end ~800 KiB
legend: true
summary: true
json: sort leak, first line 5, leak_bytes > 790000: true
html: true
