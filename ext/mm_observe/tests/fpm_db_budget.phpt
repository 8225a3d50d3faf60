--TEST--
mm_observe worker mode: zend.mm_observe_max_db_size holds after a burst, by rolling old detail up, never by refusing to record
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
mmo_fpm_skipif();
?>
--FILE--
<?php
require __DIR__ . '/fpm.inc';
/* ~40 sites per request, and every request keeps its detail: the
 * database would grow far past 256 KiB without the budget. */
$page = "<?php\n\$out = [];\n";
for ($i = 0; $i < 40; $i++) {
    $page .= "\$out[] = str_repeat('p$i', " . (50 + $i) . ");\n";
}
$page .= "echo count(\$out), \"\\n\";\n";
$budget = 256 * 1024;
$h = mmo_fpm_start(__FILE__, ['page.php' => $page], ['zend.mm_observe' => 1, 'zend.mm_observe_output' => '{dir}/app.sqlite',
    'zend.mm_observe_detail' => 'all', 'zend.mm_observe_max_db_size' => '256K']);
$db = "{$h['dir']}/app.sqlite";
$r = mmo_fpm_get($h, '/page.php', 400, 2);
echo "answers: ", count(array_filter($r, fn($x) => $x['status'] === 200 && $x['body'] === "40\n")), "\n";
mmo_fpm_stop($h);
clearstatcache();
$size = filesize($db);
$wal = is_file("$db-wal") ? filesize("$db-wal") : 0;
echo "database within its budget: ", var_export($size <= $budget, true), "\n";
echo "WAL within a quarter of it: ", var_export($wal <= $budget / 4 + 8192, true), "\n";
if ($size > $budget || $wal > $budget / 4 + 8192) {
    echo "  database $size bytes, WAL $wal bytes\n";
}
$d = mmo_db($db);
echo "integrity: ", mmo_value($d, 'PRAGMA integrity_check'), "\n";
/* Every request is still counted in its endpoint. */
echo "requests in the endpoint aggregates: ", mmo_value($d, "SELECT sum(requests) FROM mm_endpoint_windows WHERE uri = '/page.php'"), "\n";
echo "per-site sums in the aggregates: ", mmo_value($d, "SELECT sum(alloc_count) FROM mm_endpoint_sites WHERE uri = '/page.php' AND callee = 'str_repeat'"), "\n";
$runs = (int) mmo_value($d, "SELECT count(*) FROM mm_runs");
$rolled = (int) mmo_value($d, "SELECT count(*) FROM mm_runs WHERE detail = 'rolled_up'");
$kept = (int) mmo_value($d, "SELECT count(DISTINCT run_id) FROM mm_site_counters");
echo "old detail rolled up or old rows dropped: ", var_export($runs < 400 || $rolled > 0, true), "\n";
echo "the newest requests keep their detail: ", var_export($kept > 0 && (int) mmo_value($d, "SELECT max(run_id) FROM mm_site_counters") === (int) mmo_value($d, "SELECT max(run_id) FROM mm_runs"), true), "\n";
echo "rolled-up runs have no sites left: ", mmo_value($d, "SELECT count(*) FROM mm_site_counters WHERE run_id IN (SELECT run_id FROM mm_runs WHERE detail = 'rolled_up')"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
answers: 400
database within its budget: true
WAL within a quarter of it: true
integrity: ok
requests in the endpoint aggregates: 400
per-site sums in the aggregates: 16000
old detail rolled up or old rows dropped: true
the newest requests keep their detail: true
rolled-up runs have no sites left: 0
