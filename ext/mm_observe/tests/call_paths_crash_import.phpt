--TEST--
mm_observe call paths live in the ring: a run killed with SIGKILL imports with its paths (exact: every block of the loop on its path); a crafted ring whose frames loop or point past their region, or whose paths name sites and frames that do not exist, imports without them, never a loop
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip needs posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function leaf($n) { return str_repeat('x', $n); }
function mid($n) { return leaf($n); }
$keep = [];
for ($i = 0; $i < 200; $i++) { $keep[] = mid(100 + $i); }
echo "ready\n";
sleep(60);
PHP;
function killed(string $code, string $db): string
{
    [$p, $pipes] = mmo_start(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0']);
    mmo_wait_for($pipes, 'ready');
    $pid = proc_get_status($p)['pid'];
    posix_kill($pid, 9);
    proc_close($p);
    return "$db.$pid.mmring";
}

$ring = killed($code, $db);
$r = mmo_cli(['--mm-import', $ring]);
echo "import: status {$r['status']} {$r['err']}\n";
$h = mmo_db($db);
echo "run: ", json_encode(mmo_rows($h, 'SELECT status, path_sample_bytes, paths_dropped FROM mm_runs WHERE run_id = 1')[0]), "\n";
foreach (mmo_rows($h, "SELECT frames, alloc_count FROM mm_paths WHERE run_id = 1 AND line = 2 AND callee = 'str_repeat'") as $p) {
    echo preg_replace('/ \(\/[^)]*:(\d+)\)/', ':$1', $p['frames']), ' > leaf:2 x', $p['alloc_count'], "\n";
}
$h->close();

/* The same, crafted: frame 1's parent is itself, frame 2's is past the
 * region; path 1 names a site that does not exist, path 2 a frame. */
$ring = killed($code, $db);
$u32 = function (int $off) use ($ring) { $f = fopen($ring, 'rb'); fseek($f, $off); $v = unpack('V', fread($f, 4))[1]; fclose($f); return $v; };
$frames = mmo_ring_u64($ring, 224);
$paths = $frames + (($u32(232) * $u32(248) + 4095) & ~4095);
echo "frames ", $u32(240) >= 3 ? '>= 3' : $u32(240), ", paths ", $u32(244) >= 3 ? '>= 3' : $u32(244), "\n";
mmo_ring_poke($ring, $frames + 1 * $u32(248) + 24, pack('V', 1));
mmo_ring_poke($ring, $frames + 2 * $u32(248) + 24, pack('V', 999));
mmo_ring_poke($ring, $paths + 1 * $u32(252) + 4, pack('V', 0x7fffffff));
mmo_ring_poke($ring, $paths + 2 * $u32(252), pack('V', 60000));
$r = mmo_cli(['--mm-import', $ring]);
echo "crafted import: status {$r['status']} {$r['err']}\n";
$h = mmo_db($db);
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
echo "frames whose parent does not come before them: ", mmo_value($h, 'SELECT count(*) FROM mm_path_frames WHERE run_id = 2 AND parent_id >= frame_id'), "\n";
echo "paths naming no site or frame: ", mmo_value($h, 'SELECT count(*) FROM mm_path_counters c WHERE run_id = 2 AND (site_id >= 65536'
    . ' OR (frame_id <> 0 AND NOT EXISTS (SELECT 1 FROM mm_path_frames f WHERE f.run_id = 2 AND f.frame_id = c.frame_id)))'), "\n";
$r = mmo_report([$db, '--run', '2', '--by', 'path', '--top', '3']);
echo "report: status {$r['status']} {$r['err']}\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
foreach (glob(__DIR__ . '/call_paths_crash_import.sqlite.*.mmring') as $f) { @unlink($f); }
?>
--EXPECT--
import: status 0 
run: {"status":"crashed","path_sample_bytes":0,"paths_dropped":0}
{main}:5 > mid:3 > leaf:2 x200
frames >= 3, paths >= 3
crafted import: status 0 
integrity: ok
frames whose parent does not come before them: 0
paths naming no site or frame: 0
report: status 0 
