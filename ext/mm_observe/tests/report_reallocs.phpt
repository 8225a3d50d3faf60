--TEST--
php --mm-report (issue 16, item 3): a realloc counts what it grew the block by, not its whole new block: a string built by .= shows its own size as allocated, not the sum of every intermediate size; reallocs are a column (table, json, csv, html); the whole figure stays in alloc_full_bytes and mm_site_allocs; call paths agree; rows from before schema version 7 count whole blocks
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function build(int $n): string {
    $s = '';
    for ($i = 0; $i < $n; $i++) {
        $s .= str_repeat('y', 100);
    }
    return $s;
}
$kept = build(4000);
echo strlen($kept), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0']);
echo $r['out'];
$d = mmo_db($db);
$file = mmo_value($d, "SELECT file FROM mm_sites WHERE line = 5 AND kind = 'vm' LIMIT 1");
/* Line 5's .= site: 3 999 reallocs of a string that ends at 400 000 bytes. */
$s = mmo_rows($d, "SELECT * FROM mm_site_allocs WHERE file = :f AND line = 5 AND realloc_count > 0", [':f' => $file])[0];
$quad = $s['alloc_bytes'];
echo "reallocs: {$s['realloc_count']}\n";
echo "whole blocks (alloc_bytes) over 700 MB: ", var_export($quad > 700e6, true), "\n";
echo "realloc_bytes part of alloc_bytes: ", var_export($s['realloc_bytes'] <= $s['alloc_bytes'], true), "\n";
echo "growth within [400000, 420000): ", var_export($s['realloc_growth_bytes'] >= 400000 && $s['realloc_growth_bytes'] < 420000, true), "\n";
echo "alloc_net_bytes = alloc_bytes - realloc_bytes + growth: ",
    var_export($s['alloc_net_bytes'] === $s['alloc_bytes'] - $s['realloc_bytes'] + $s['realloc_growth_bytes'], true), "\n";
/* The conservation invariants are untouched: they hold on whole blocks. */
echo "alloc - free = live on every site: ", var_export((int) mmo_value($d, 'SELECT count(*) FROM mm_sites WHERE alloc_bytes - free_bytes <> live_bytes') === 0, true), "\n";

/* The table: line 5 near its real size, with its reallocs, and the summary says how. */
$t = mmo_report([$db, '--top', '3'])['out'];
$lines = explode("\n", $t);
echo preg_replace('/ +/', ' ', implode("\n", preg_grep('/^  (reallocs |allocated: )/', $lines))), "\n";
$hdr = array_values(preg_grep('/^ +allocated +count/', $lines))[0];
echo preg_replace('/ +/', ' ', trim($hdr)), "\n";
$row = array_values(preg_grep('/:5$/', $lines))[0];
preg_match('/^ *(\S+) (\S+) +(\S+) +(\S+)/', $row, $m);
echo "line 5: allocated {$m[1]} {$m[2]}, reallocs {$m[4]}\n";

/* json and csv: alloc_bytes is the grown figure, alloc_full_bytes the whole one. */
$j = json_decode(mmo_report([$db, '--format', 'json', '--by', 'site'])['out'], true);
$row = array_values(array_filter($j['rows'], fn($r) => $r['line'] === 5 && $r['realloc_count'] > 0))[0];
echo "json: alloc_bytes = net: ", var_export($row['alloc_bytes'] === $s['alloc_net_bytes'], true),
    ", alloc_full_bytes = whole: ", var_export($row['alloc_full_bytes'] === $quad, true), ", realloc_count: {$row['realloc_count']}\n";
$csv = explode("\n", mmo_report([$db, '--format', 'csv'])['out'])[0];
echo "csv: ", var_export(str_contains($csv, ',alloc_bytes,alloc_full_bytes,realloc_count,'), true), "\n";
$h = mmo_report([$db, '--format', 'html'])['out'];
echo "html: ", var_export(str_contains($h, '<th>reallocs</th>') && str_contains($h, 'a realloc counts what it grew the block by'), true), "\n";

/* Call paths recorded exactly (sample bytes 0): the path's figures agree with the site's. */
$p = mmo_rows($d, "SELECT c.alloc_bytes, c.realloc_bytes, c.realloc_growth_bytes FROM mm_path_counters c WHERE c.site_id = :s", [':s' => $s['site_id']]);
$sum = fn($k) => array_sum(array_column($p, $k));
echo "paths: whole ", var_export($sum('alloc_bytes') === $quad, true), ", realloc ", var_export($sum('realloc_bytes') === $s['realloc_bytes'], true),
    ", growth ", var_export($sum('realloc_growth_bytes') === $s['realloc_growth_bytes'], true), "\n";
$jp = json_decode(mmo_report([$db, '--format', 'json', '--by', 'path'])['out'], true);
$mine = array_values(array_filter($jp['rows'], fn($r) => $r['line'] === 5 && $r['opcode'] === $s['opcode'] && $r['callee'] === ''));
echo "--by path: the .= path has the grown figure: ", var_export(count($mine) === 1 && $mine[0]['alloc_bytes'] === $s['alloc_net_bytes']
    && $mine[0]['alloc_full_bytes'] === $quad, true), "\n";

/* A row written before schema version 7 has no realloc figures (NULL): it counts whole blocks. */
$d->close();
$w = new SQLite3($db);
$w->exec('UPDATE mm_site_counters SET realloc_bytes = NULL, realloc_growth_bytes = NULL');
$w->close();
$j = json_decode(mmo_report([$db, '--format', 'json', '--by', 'site'])['out'], true);
$row = array_values(array_filter($j['rows'], fn($r) => $r['line'] === 5 && $r['realloc_count'] > 0))[0];
echo "NULL realloc figures: alloc_bytes = whole: ", var_export($row['alloc_bytes'] === $quad, true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
400000
reallocs: 3999
whole blocks (alloc_bytes) over 700 MB: true
realloc_bytes part of alloc_bytes: true
growth within [400000, 420000): true
alloc_net_bytes = alloc_bytes - realloc_bytes + growth: true
alloc - free = live on every site: true
 reallocs 4,0%d, counted in "allocated" by what they grew a block (%s in whole new blocks)
 allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
allocated count reallocs live at end peak live line
line 5: allocated %s, reallocs 3,999
json: alloc_bytes = net: true, alloc_full_bytes = whole: true, realloc_count: 3999
csv: true
html: true
paths: whole true, realloc true, growth true
--by path: the .= path has the grown figure: true
NULL realloc figures: alloc_bytes = whole: true
