--TEST--
mm_observe call paths: sampled at the default mean (2 KiB), every path holding at least 1% of a million-allocation run's bytes is within 10% of its exact share (zend.mm_observe_path_sample_bytes=0), live figures included
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$exact = mmo_path(__FILE__, '.exact.sqlite');
$sampled = mmo_path(__FILE__, '.sampled.sqlite');
mmo_cleanup(__FILE__);
@unlink($exact);
@unlink($sampled);
$code = <<<'PHP'
<?php
function text($i) { return str_repeat('a', 24 + $i % 90); }
function pair($i) { return [$i, $i + 1, "k$i"]; }
function viaA($i) { return text($i); }
function viaB($i) { return text($i + 7); }
function deep($i, $d) { return $d ? deep($i, $d - 1) . '' : text($i); }
class Item { public $a; public $b; function __construct($i) { $this->a = "item $i"; $this->b = [$i]; } }
$keep = [];
for ($i = 0; $i < 120000; $i++) {
    $x = viaA($i);
    $y = viaB($i);
    $z = pair($i);
    $w = array_map(fn($v) => $v . '-', [$i, $i + 1]);
    $o = new Item($i);
    if ($i % 4 === 0) {
        $keep[$i % 5000] = deep($i, 3);
    }
    $s = json_encode([$i, $x]);
}
echo count($keep), "\n";
PHP;
$r1 = mmo_observe(__FILE__, $code, $exact, ['-d', 'zend.mm_observe_path_sample_bytes=0']);
$r2 = mmo_observe(__FILE__, $code, $sampled, [], ['MM_OBSERVE_PATH_SEED' => '12345'] + getenv());
echo $r1['out'], $r1['err'], $r2['out'], $r2['err'];

/* A path's identity across two runs: its callers' functions and lines, and its site. */
function shares(string $db, string $metric): array
{
    $h = mmo_db($db);
    $frames = [];
    foreach (mmo_rows($h, 'SELECT frame_id, parent_id, function, line, callee FROM mm_path_frame_names WHERE run_id = 1') as $f) {
        $frames[$f['frame_id']] = $f;
    }
    $out = [];
    $total = 0;
    foreach (mmo_rows($h, "SELECT frame_id, function, line, coalesce(opcode, '') op, coalesce(callee, '') callee, $metric v FROM mm_paths WHERE run_id = 1") as $p) {
        $key = [];
        for ($id = $p['frame_id']; $id; $id = $frames[$id]['parent_id']) {
            $key[] = preg_replace('/\{closure:.*\}/', '{closure}', $frames[$id]['function']) . ':' . $frames[$id]['line'] . $frames[$id]['callee'];
        }
        $key = implode('<', array_reverse($key)) . '>' . preg_replace('/\{closure:.*\}/', '{closure}', $p['function']) . ":{$p['line']} {$p['op']} {$p['callee']}";
        $out[$key] = ($out[$key] ?? 0) + $p['v'];
        $total += $p['v'];
    }
    foreach ($out as &$v) {
        $v /= max($total, 1);
    }
    return [$out, $total, mmo_rows($h, 'SELECT path_samples, alloc_count FROM mm_runs WHERE run_id = 1')[0]];
}
[$e, $etotal, $erun] = shares($exact, 'alloc_bytes');
[$s, $stotal, $srun] = shares($sampled, 'alloc_bytes');
echo "allocations: ", $erun['alloc_count'] >= 1000000 ? 'at least a million' : $erun['alloc_count'], "\n";
echo "sampled: ", $srun['path_samples'] < $erun['path_samples'] / 2 ? 'fewer than half the blocks' : $srun['path_samples'] . ' of ' . $erun['path_samples'], "\n";
$big = 0;
$bad = [];
foreach ($e as $key => $share) {
    if ($share < 0.01) {
        continue;
    }
    $big++;
    $err = abs(($s[$key] ?? 0) - $share) / $share;
    if ($err > 0.10) {
        $bad[] = sprintf('%s: exact %.4f sampled %.4f', $key, $share, $s[$key] ?? 0);
    }
}
echo "paths with at least 1%: ", $big >= 6 ? 'six or more' : $big, "\n";
echo "outside 10%: ", $bad ? implode("\n", $bad) : 'none', "\n";
echo "total within 5%: ", json_encode(abs($stotal - $etotal) / $etotal < 0.05), "\n";
/* Live at the end of the script: what $keep holds, by path. */
[$e, $etotal] = shares($exact, 'leak_bytes');
[$s, $stotal] = shares($sampled, 'leak_bytes');
echo "live at the end within 10%: ", json_encode(abs($stotal - $etotal) / $etotal < 0.10), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
@unlink(mmo_path(__FILE__, '.exact.sqlite'));
@unlink(mmo_path(__FILE__, '.sampled.sqlite'));
?>
--EXPECT--
1250
1250
allocations: at least a million
sampled: fewer than half the blocks
paths with at least 1%: six or more
outside 10%: none
total within 5%: true
live at the end within 10%: true
