--TEST--
mm_observe ring (issue 12): counters of 2^63 and more in an imported ring are clamped into SQLite's INTEGER range; the runs list and the report still work
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
[$ring] = mmo_orphan(__FILE__, $db);
$sites = mmo_ring_u64($ring, 48);
$site_size = mmo_ring_u64($ring, 24) & 0xFFFFFFFF;
/* Site 5 ({unobserved}): alloc_count at 72, alloc_bytes at 80, free_count
 * at 88 of zend_mm_observe_site. */
$at = $sites + 5 * $site_size;
mmo_ring_poke($ring, $at + 72, pack('P', -1));
mmo_ring_poke($ring, $at + 80, pack('P', PHP_INT_MIN));
mmo_ring_poke($ring, $at + 88, pack('P', PHP_INT_MIN + 5));
$r = mmo_cli(['--mm-import', $ring]);
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/"], ["'RING'", "'DB'"], $r['out'] . $r['err']);
$h = mmo_db($db);
echo "stored: ", mmo_value($h, "SELECT alloc_count || ' ' || alloc_bytes || ' ' || free_count FROM mm_site_counters WHERE site_id = 5"), "\n";
echo "none negative: ", mmo_value($h, "SELECT count(*) FROM mm_site_counters WHERE alloc_count < 0 OR alloc_bytes < 0 OR free_count < 0 OR free_bytes < 0"), "\n";
$h->close();
$r = mmo_report([$db, '--runs']);
echo "--runs: exit ", $r['status'], ", lists the run: ", var_export(str_contains($r['out'], 'crashed'), true), "\n";
$r = mmo_report([$db]);
echo "report: exit ", $r['status'], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
mm-import: 'RING' imported as run 1 of 'DB' (status 'crashed')
stored: 9223372036854775807 9223372036854775807 9223372036854775807
none negative: 0
--runs: exit 0, lists the run: true
report: exit 0
