--TEST--
mm_observe ring (issue 12, bug 1): a crafted ring whose regions wrap around 2^64 or pass the end of the file is refused by --mm-import, --mm-top and the orphan scan; no crash, no stray row
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
[$real] = mmo_orphan(__FILE__, $db);
$size = filesize($real);
/* Header offsets: 56 strings_offset, 64 strings_capacity, 28 site_capacity,
 * 40 events_size, 120 site_count (zend_mm_observe_ring.h). */
$cases = [
    'strings region wraps around 2^64' => [56 => pack('P', PHP_INT_MIN) . pack('P', $size | PHP_INT_MIN)],
    'huge site count' => [120 => pack('V', 0xFFFFFFF0)],
    'events_size 1G' => [40 => pack('P', 1 << 30)],
    'site capacity 2^32-1' => [28 => pack('V', 0xFFFFFFFF)],
    'strings past EOF' => [56 => pack('P', $size - 16) . pack('P', 1 << 25)],
];
$i = 0;
foreach ($cases as $what => $pokes) {
    $ring = "$db." . (4240 + $i++) . ".mmring";
    copy($real, $ring);
    chmod($ring, 0600);
    foreach ($pokes as $off => $bytes) {
        mmo_ring_poke($ring, $off, $bytes);
    }
    $imp = mmo_cli_timed(['--mm-import', $ring], 20);
    $top = mmo_cli_timed(['--mm-top', $ring, '--once'], 20);
    printf("%s: import exit %d, top exit %d, import says %s\n", $what, $imp['status'], $top['status'],
        preg_match('/inconsistent|truncated/', $imp['out'] . $imp['err']) ? 'corrupt' : trim($imp['out'] . $imp['err']));
}
@unlink($real);
/* Every crafted ring next to the database: an observed request still runs. */
$r = mmo_observe(__FILE__, '<?php echo "hello\n";', $db);
echo $r['out'];
echo "exit ", $r['status'], "\n";
echo "warnings name each ring as corrupt: ", preg_match_all("/'[^']*\.mmring' has an inconsistent header/", $r['err']), "\n";
$h = mmo_db($db);
/* The killed process's own row stays 'running': its ring became the mutants. */
echo "runs: ", mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
echo "crafted rings left in place: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
strings region wraps around 2^64: import exit 1, top exit 1, import says corrupt
huge site count: import exit 1, top exit 1, import says corrupt
events_size 1G: import exit 1, top exit 1, import says corrupt
site capacity 2^32-1: import exit 1, top exit 1, import says corrupt
strings past EOF: import exit 1, top exit 1, import says corrupt
hello
exit 0
warnings name each ring as corrupt: 5
runs: running,ok
crafted rings left in place: 5
