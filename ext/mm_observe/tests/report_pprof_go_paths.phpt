--TEST--
php --mm-report --format pprof with call paths: real stacks, so `go tool pprof -sample_index=inuse_space -top -cum` bills a caller with what its callees hold, and -peek lists the callers of one function
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
class Formatter { static function price($i) { return str_repeat('p', 200 + $i % 10); } }
function process(array $items) { $out = []; foreach ($items as $i) { $out[] = Formatter::price($i); } return $out; }
function other() { return Formatter::price(1); }
$kept = process(range(1, 3000));
for ($i = 0; $i < 1000; $i++) { other(); }
echo count($kept), "\n";
PHP;
echo mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0'])['out'];
$r = mmo_report([$db, '--format', 'pprof', '--output', $pb]);
echo "report: {$r['status']}{$r['err']}\n";
$home = mmo_path(__FILE__, '.d');
@mkdir($home);
$go = fn(string $args) => shell_exec('HOME=' . escapeshellarg($home) . ' GOCACHE=' . escapeshellarg("$home/cache") . " go tool pprof $args " . escapeshellarg($pb) . ' 2>&1');
/* -top -cum: process's cumulative live bytes hold the 3000 strings price() made for it. */
$top = $go('-top -cum -sample_index=inuse_space');
preg_match('/^\s*\S+\s+\S+\s+\S+\s+([\d.]+)(kB|MB|B)\s+\S+\s+process$/m', $top, $m);
$kb = isset($m[1]) ? $m[1] * ['B' => 1 / 1024, 'kB' => 1, 'MB' => 1024][$m[2]] : 0;
echo "process holds (cum, inuse_space): ", $kb > 3000 * 200 / 1024 ? 'the 3000 prices' : $top, "\n";
preg_match('/^\s*([\d.]+)(kB|MB|B)\s+\S+\s+\S+\s+\S+\s+\S+\s+process$/m', $top, $m);
echo "process itself (flat): ", isset($m[1]) && $m[1] * ['B' => 1 / 1024, 'kB' => 1, 'MB' => 1024][$m[2]] < 3000 * 200 / 1024 ? 'less than that' : 'all of it', "\n";
/* -peek: price()'s callers, above it. */
$peek = $go('-peek "Formatter::price" -sample_index=alloc_objects');
$lines = array_values(array_filter(array_map('trim', explode("\n", $peek)), fn($l) => preg_match('/\b(process|other|Formatter::price|str_repeat)$/', $l)));
echo implode("\n", array_map(fn($l) => preg_replace(['/^[\d.]+\s+[\d.]+%\s+\|\s+/', '/^[\d.]+\s+[\d.]+%\s+[\d.]+%\s+[\d.]+\s+[\d.]+%\s+\|\s+/', '/^\|\s+[\d.]+\s+[\d.]+%\s+\|\s+/'], ['caller ', 'self ', 'callee '], $l), $lines)), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
3000
report: 0
process holds (cum, inuse_space): the 3000 prices
process itself (flat): less than that
%a
