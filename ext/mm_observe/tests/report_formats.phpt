--TEST--
php --mm-report --format json, csv, collapsed, callgrind, pprof (gzipped profile.proto), html (self-contained); --output
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
function fill(array &$a): void {
    for ($i = 0; $i < 100; $i++) { $a[] = str_repeat('x', 100); }
}
$a = [];
fill($a);
$o = new stdClass; $o->self = $o; unset($o); gc_collect_cycles();
echo count($a), "\n";
PHP;
/* Without call paths: the formats by file, function and line (report_call_paths has them with paths). */
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_call_paths=0']);
echo $r['out'], $r['err'];
$script = $r['script'];

echo "== json\n";
$j = json_decode(mmo_report([$db, '--format', 'json', '--by', 'site'])['out'], true);
echo "run: ", $j['run']['run_id'], " ", $j['run']['status'], " gc_runs=", $j['run']['gc_runs'], "\n";
foreach ($j['rows'] as $row) {
    if ($row['file'] === $script && $row['line'] === 3) {
        echo "line 3: {$row['function']} {$row['opcode']} {$row['callee']} count={$row['alloc_count']} bytes={$row['alloc_bytes']}\n";
    }
}
echo "all rows (no --top): ", count($j['rows']) > 3 ? 'yes' : 'no', "; ints: ", var_export(is_int($j['rows'][0]['alloc_bytes']), true), "\n";

echo "== csv\n";
$csv = array_map(fn($l) => str_getcsv($l, ',', '"', ''), explode("\n", trim(mmo_report([$db, '--format', 'csv', '--top', '2'])['out'])));
echo implode(',', $csv[0]), "\n", count($csv) - 1, " rows\n";

echo "== collapsed\n";
foreach (explode("\n", trim(mmo_report([$db, '--format', 'collapsed', '--top', '3'])['out'])) as $l) {
    echo preg_match('/^[^ ].* \d+$/', $l) ? 'ok ' : 'BAD ', str_replace($script, 'SCRIPT', $l), "\n";
}

echo "== callgrind\n";
$cg = mmo_report([$db, '--format', 'callgrind'])['out'];
echo str_replace($script, 'SCRIPT', implode("\n", preg_grep('/^(pid|cmd): /', array_slice(explode("\n", $cg), 0, 8), PREG_GREP_INVERT))), "\n";
echo "fl= for the script: ", var_export((bool) preg_match('/^fl=\(\d+\) ' . preg_quote($script, '/') . '$/m', $cg), true), "; fn=(2) fill: ", var_export((bool) preg_match('/^fn=\(\d+\) fill$/m', $cg), true),
    "; cfn str_repeat: ", var_export((bool) preg_match('/^cfn=\(\d+\) str_repeat$/m', $cg), true), "\n";
preg_match('/^totals: (\d+)/m', $cg, $m);
echo "totals = sum of AllocBytes of the json sites: ", var_export((int) $m[1] === array_sum(array_column(array_filter($j['rows'], fn($r) => $r['function'] !== '{unobserved}'), 'alloc_bytes')), true), "\n";

echo "== pprof\n";
$out = mmo_path(__FILE__, '.data');
$r = mmo_report([$db, '--format', 'pprof', '--output', $out]);
$raw = file_get_contents($out);
echo "status {$r['status']}, stdout '{$r['out']}', gzip: ", var_export(substr($raw, 0, 2) === "\x1f\x8b", true), "\n";
$pb = gzdecode($raw);
foreach (['alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space', 'fill', 'str_repeat', $script] as $s) {
    echo "string '", $s === $script ? 'SCRIPT' : $s, "': ", var_export(str_contains($pb, chr(strlen($s)) . $s), true), "\n";
}

echo "== html\n";
$html = mmo_report([$db, '--format', 'html'])['out'];
echo "doctype: ", var_export(str_starts_with($html, '<!DOCTYPE html>'), true), "\n";
echo "no external asset, one inline script (zoom): ", var_export(!preg_match('/<link|<img|<iframe|url\(|@import|src=/i', $html) && substr_count($html, '<script>') === 1, true), "\n";
echo "flame graphs: ", substr_count($html, '<svg class="flame"'), ", frames: ", var_export(substr_count($html, 'class="frame"') > 5, true), ", GC marks: ", var_export(str_contains($html, 'class="gc-run"'), true), "\n";
echo "fill frame: ", var_export(str_contains($html, '<title>fill — '), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
100
== json
run: 1 ok gc_runs=1
line 3: fill DO_ICALL str_repeat count=100 bytes=%d
line 3: fill ASSIGN_DIM  count=%d bytes=%d
all rows (no --top): yes; ints: true
== csv
file,line,function,opcode,callee,kind,alloc_count,alloc_bytes,alloc_full_bytes,realloc_count,free_count,free_bytes,live_count,live_bytes,peak_live_bytes,leak_bytes
2 rows
== collapsed
ok {startup} %d
ok SCRIPT;{main};report_formats.child.php:0 (compiling) %d
ok SCRIPT;fill;report_formats.child.php:3;str_repeat() %d
== callgrind
# callgrind format
version: 1
creator: mm_observe (php --mm-report)
part: 1
positions: line
events: AllocBytes AllocCount LiveBytes PeakLiveBytes
fl= for the script: true; fn=(2) fill: true; cfn str_repeat: true
totals = sum of AllocBytes of the json sites: true
== pprof
status 0, stdout '', gzip: true
string 'alloc_objects': true
string 'alloc_space': true
string 'inuse_objects': true
string 'inuse_space': true
string 'fill': true
string 'str_repeat': true
string 'SCRIPT': true
== html
doctype: true
no external asset, one inline script (zoom): true
flame graphs: 3, frames: true, GC marks: true
fill frame: true
