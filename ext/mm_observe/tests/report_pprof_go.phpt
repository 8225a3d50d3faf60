--TEST--
php --mm-report --format pprof: the real `go tool pprof -top` reads it (sample types, functions, lines)
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
@unlink($db);
$code = <<<'PHP'
<?php
function make_rows(int $n): array {
    $rows = [];
    for ($i = 0; $i < $n; $i++) { $rows[] = str_repeat('r', 400); }
    return $rows;
}
$kept = make_rows(2000);
echo count($kept), "\n";
PHP;
echo mmo_observe(__FILE__, $code, $db)['out'];
$r = mmo_report([$db, '--format', 'pprof', '--output', $pb]);
echo "report: {$r['status']}{$r['err']}\n";
$home = mmo_path(__FILE__, '.d');
@mkdir($home);
foreach (['alloc_space', 'inuse_objects'] as $index) {
    $cmd = 'HOME=' . escapeshellarg($home) . ' GOCACHE=' . escapeshellarg("$home/cache") . ' go tool pprof -top -nodecount=3 -sample_index=' . $index . ' ' . escapeshellarg($pb) . ' 2>&1';
    exec($cmd, $out, $rc);
    echo "== -sample_index=$index (exit $rc)\n";
    foreach ($out as $l) {
        if (preg_match('/^(Type|Showing|\s+flat)|make_rows|str_repeat|\{main\}|\{startup\}/', $l)) {
            echo preg_replace(['/[\d.]+(kB|MB|B|%)?/', '/\s+/'], ['N', ' '], trim($l)), "\n";
        }
    }
    $out = [];
}
$lines = shell_exec('HOME=' . escapeshellarg($home) . ' GOCACHE=' . escapeshellarg("$home/cache") . ' go tool pprof -top -lines -sample_index=alloc_objects ' . escapeshellarg($pb) . ' 2>&1');
echo "line-level: ", var_export((bool) preg_match('/make_rows \S*:4\b/', $lines), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
2000
report: 0
== -sample_index=alloc_space (exit 0)
Type: alloc_space
Showing %a
flat flat% sum% cum cum%
N N N N N str_repeat
%a
== -sample_index=inuse_objects (exit 0)
Type: inuse_objects
Showing %a
flat flat% sum% cum cum%
N N N N N str_repeat
%a
line-level: true
