--TEST--
mm_observe call paths: one allocating line reached through six paths with distinct trip counts (two direct callers, a two-level chain, recursion, a callback through array_map) splits exactly by path in SQL (mm_paths), pprof (go tool pprof -traces) and collapsed stacks; a caller's inclusive figure is the sum of its paths
--SKIPIF--
<?php
exec('command -v go 2>/dev/null', $o, $rc);
if ($rc !== 0) die('skip needs go (Debian: golang-go; mk/deps.sh installs it with the test dependencies)');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$pb = mmo_path(__FILE__, '.data');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function price($i) { return str_repeat('p', 100 + $i); }
function directA() { for ($i = 0; $i < 3; $i++) { $GLOBALS['k'][] = price($i); } }
function directB() { for ($i = 0; $i < 5; $i++) { $GLOBALS['k'][] = price($i); } }
function outer() { inner(); }
function inner() { for ($i = 0; $i < 7; $i++) { $GLOBALS['k'][] = price($i); } }
function viaMap() { $GLOBALS['k'][] = array_map(fn($i) => price($i), range(1, 9)); }
function rec($d) { if ($d > 0) { rec($d - 1); } $GLOBALS['k'][] = price($d); }
directA(); directB(); outer(); viaMap(); rec(12);
echo count($GLOBALS['k']), "\n";
PHP;
echo mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0'])['out'];
$h = mmo_db($db);
$clean = fn(string $s) => preg_replace(['/ \(\/[^)]*:(\d+)\)/', '/\{closure:[^}]*\}/'], [':$1', '{closure}'], $s);

echo "== SQL (mm_paths)\n";
foreach (mmo_rows($h, "SELECT frames, alloc_count FROM mm_paths WHERE run_id = 1 AND line = 2 AND callee = 'str_repeat' ORDER BY alloc_count") as $r) {
    echo $r['alloc_count'], '  ', $clean($r['frames']), "\n";
}

echo "== collapsed (--sort count)\n";
$r = mmo_report([$db, '--format', 'collapsed', '--sort', 'count']);
$lines = [];
foreach (explode("\n", trim($r['out'])) as $l) {
    if (str_contains($l, 'str_repeat()') && str_contains($l, 'price (')) {
        [$stack, $v] = [substr($l, 0, strrpos($l, ' ')), (int) substr($l, strrpos($l, ' ') + 1)];
        $lines[] = sprintf('%d  %s', $v, $clean(preg_replace('/ \(([^:)]*):(\d+)\)/', ':$2', $stack)));
    }
}
sort($lines, SORT_NATURAL);
echo implode("\n", $lines), "\n";

echo "== inclusive (--by function)\n";
$j = json_decode(mmo_report([$db, '--by', 'function', '--format', 'json', '--sort', 'count'])['out'], true);
$sum = fn(string $fn) => (int) mmo_value($h, "SELECT sum(alloc_count) FROM mm_paths WHERE run_id = 1 AND (frames LIKE :f OR function = :g)",
    [':f' => "%$fn (%", ':g' => $fn]);
foreach ($j['rows'] as $row) {
    if (in_array($row['function'], ['outer', 'inner', 'rec', 'viaMap', 'directA'], true)) {
        printf("%-8s self %d, inclusive %d, sum of its paths %d\n", $row['function'], $row['alloc_count'], $row['incl_alloc_count'], $sum($row['function']));
    }
}

echo "== pprof (-traces)\n";
{
    mmo_report([$db, '--format', 'pprof', '--output', $pb]);
    $home = mmo_path(__FILE__, '.d');
    @mkdir($home);
    $traces = shell_exec('HOME=' . escapeshellarg($home) . ' GOCACHE=' . escapeshellarg("$home/cache")
        . ' go tool pprof -traces -sample_index=alloc_objects ' . escapeshellarg($pb) . ' 2>&1');
    $out = [];
    foreach (preg_split('/^-+\+-+$/m', $traces) as $block) {
        if (!preg_match('/^\s+(\d+)\s+str_repeat\n\s+price\n((?:\s+\S.*\n?)*)/m', $block, $m)) {
            continue;
        }
        $callers = array_map('trim', array_filter(explode("\n", $m[2]), 'strlen'));
        $out[] = $m[1] . '  ' . $clean(implode(' < ', $callers));
    }
    sort($out, SORT_NATURAL);
    echo implode("\n", $out), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
29
== SQL (mm_paths)
1  {main}:9 > rec:8
3  {main}:9 > directA:3
5  {main}:9 > directB:4
7  {main}:9 > outer:5 > inner:6
9  {main}:9 > viaMap:7 array_map() > {closure}:7
12  {main}:9 > rec:8 > rec:8
== collapsed (--sort count)
1  {main}:9;rec:8;price:2;str_repeat()
3  {main}:9;directA:3;price:2;str_repeat()
5  {main}:9;directB:4;price:2;str_repeat()
7  {main}:9;outer:5;inner:6;price:2;str_repeat()
9  {main}:9;viaMap:7;array_map();{closure}:7;price:2;str_repeat()
12  {main}:9;rec:8;rec:8;price:2;str_repeat()
== inclusive (--by function)
viaMap   self 5, inclusive 14, sum of its paths 14
rec      self 1, inclusive 14, sum of its paths 14
inner    self 1, inclusive 8, sum of its paths 8
outer    self 0, inclusive 8, sum of its paths 8
directA  self 2, inclusive 5, sum of its paths 5
== pprof (-traces)
1  rec < {main}
3  directA < {main}
5  directB < {main}
7  inner < outer < {main}
9  {closure} < array_map < viaMap < {main}
12  rec < rec < {main}
