--TEST--
mm_observe call paths: with zend.mm_observe_path_sample_bytes=0 every allocation has its call path (user frames, internal frames calling back, destructors, generators, include, shutdown functions; direct recursion kept once), and the paths' figures add up exactly to the sites'
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$inc = mmo_path(__FILE__, '.inc.php');
mmo_cleanup(__FILE__);
file_put_contents($inc, "<?php\n\$GLOBALS['inc'] = leaf(70);\n");
$code = <<<'PHP'
<?php
function leaf($n) { return str_repeat('x', $n); }
function mid($n) { return leaf($n); }
function top() {
    $a = mid(100);
    $b = array_map(fn($x) => leaf($x), [200, 300]);
    return [$a, $b];
}
function rec($d) { return $d ? rec($d - 1) : leaf(1000); }
class D { public $self; function __destruct() { $GLOBALS['d'] = leaf(50); } }
function gen() { yield leaf(80); }
$keep = top();
$r = rec(40);
$arr = [3, 1, 2];
usort($arr, function ($a, $b) { $GLOBALS['u'][] = leaf(60); return $a <=> $b; });
$o = new D; $o->self = $o; unset($o); gc_collect_cycles();
foreach (gen() as $g) { $keep[] = $g; }
include getenv('MMO_INC');
register_shutdown_function(function () { $GLOBALS['s'] = leaf(90); });
echo "done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0'], ['MMO_INC' => $inc] + getenv());
echo $r['out'], $r['err'];
$h = mmo_db($db);
$frames = [];
foreach (mmo_rows($h, 'SELECT * FROM mm_path_frame_names WHERE run_id = 1') as $f) {
    $frames[$f['frame_id']] = $f;
}
$chain = function (int $id) use ($frames): string {
    $out = [];
    for (; $id; $id = $frames[$id]['parent_id']) {
        $f = $frames[$id];
        $out[] = preg_replace('/\{closure:.*\}/', '{closure}', $f['function']) . ':' . $f['line'] . ($f['callee'] !== null ? " [{$f['callee']}]" : '');
    }
    return implode(' > ', array_reverse($out));
};
$seen = [];
foreach (mmo_rows($h, "SELECT frame_id, sum(alloc_count) AS n FROM mm_paths WHERE run_id = 1 AND line = 2 AND callee = 'str_repeat' GROUP BY frame_id") as $p) {
    $seen[] = $chain((int) $p['frame_id']) . " > leaf:2 x{$p['n']}";
}
sort($seen);
echo implode("\n", $seen), "\n";
echo "run: ", json_encode(mmo_rows($h, 'SELECT path_sample_bytes, paths_dropped, paths_truncated FROM mm_runs WHERE run_id = 1')[0]), "\n";
$sites = mmo_rows($h, "SELECT sum(alloc_count) a, sum(alloc_bytes) b, sum(live_bytes) l, sum(peak_live_bytes) p, sum(leak_bytes) k FROM mm_sites WHERE run_id = 1 AND function <> '{unobserved}'")[0];
$paths = mmo_rows($h, 'SELECT sum(alloc_count) a, sum(alloc_bytes) b, sum(live_bytes) l, sum(peak_live_bytes) p, sum(leak_bytes) k FROM mm_paths WHERE run_id = 1')[0];
echo "paths add up to the sites: ", json_encode($sites === $paths), $sites === $paths ? '' : ' ' . json_encode([$sites, $paths]), "\n";
$bysite = mmo_rows($h, 'SELECT s.site_id, s.alloc_count, s.alloc_bytes, s.leak_bytes, coalesce(p.a, 0) a, coalesce(p.b, 0) b, coalesce(p.k, 0) k FROM mm_sites s'
    . ' LEFT JOIN (SELECT site_id, sum(alloc_count) a, sum(alloc_bytes) b, sum(leak_bytes) k FROM mm_paths WHERE run_id = 1 GROUP BY site_id) p ON p.site_id = s.site_id'
    . " WHERE s.run_id = 1 AND s.function <> '{unobserved}' AND (s.alloc_count <> p.a OR s.alloc_bytes <> p.b OR s.leak_bytes <> p.k OR p.a IS NULL)");
echo "sites whose paths differ: ", count($bysite), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
@unlink(mmo_path(__FILE__, '.inc.php'));
?>
--EXPECTF--
done
{closure}:19 > leaf:2 x1
{main}:12 > top:5 > mid:3 > leaf:2 x1
{main}:12 > top:6 [array_map] > {closure}:6 > leaf:2 x2
{main}:13 > rec:9 > rec:9 > leaf:2 x1
{main}:15 [usort] > {closure}:15 > leaf:2 x%d
{main}:16 [gc_collect_cycles] > D::__destruct:10 > leaf:2 x1
{main}:17 > gen:11 > leaf:2 x1
{main}:18 > {main}:2 > leaf:2 x1
run: {"path_sample_bytes":0,"paths_dropped":0,"paths_truncated":0}
paths add up to the sites: true
sites whose paths differ: 0
