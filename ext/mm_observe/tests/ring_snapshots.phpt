--TEST--
mm_observe ring: mm_observe_snapshot() every N jobs; mm_growth names the leaking line; mm_observe_flush(); both are no-ops when not observing
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$cache = [];
function job(int $i, array &$cache): void {
    $tmp = str_repeat('t', 1000);            // freed at the end of the job
    if ($i % 2) { $cache[] = str_repeat('L', 300); }   // the leak: every other job (384-byte bin)
}
$ids = [];
for ($i = 1; $i <= 500; $i++) {
    job($i, $cache);
    if ($i % 100 == 0) { $ids[] = mm_observe_snapshot("after $i jobs"); }
}
echo implode(',', $ids), "\n";
var_export(mm_observe_flush()); echo "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo "snapshots: ", mmo_value($h, "SELECT group_concat(label, ' | ') FROM (SELECT label FROM mm_snapshots WHERE run_id = 1 ORDER BY snapshot_id)"), "\n";
$cols = array_keys(mmo_rows($h, 'SELECT * FROM mm_snapshot_sites LIMIT 1')[0]);
echo "mm_snapshot_sites: ", implode(',', array_slice($cols, 0, 10)), "\n";
echo "top growth per snapshot:\n";
foreach (mmo_rows($h, "SELECT snapshot_id, prev_snapshot_id, line, function, callee, live_bytes_growth, live_count_growth FROM mm_growth g
        WHERE run_id = 1 AND live_bytes_growth = (SELECT max(live_bytes_growth) FROM mm_growth WHERE run_id = 1 AND snapshot_id = g.snapshot_id)
        ORDER BY snapshot_id") as $row) {
    printf("  %d (from %d): line %d %s %s +%d bytes, +%d blocks\n", ...array_values($row));
}
echo "line 4 never grows: ", var_export(mmo_value($h, "SELECT max(abs(live_bytes_growth)) FROM mm_growth WHERE run_id = 1 AND line = 4") == 0, true), "\n";
echo "flushes: ", mmo_value($h, "SELECT group_concat(reason) FROM (SELECT reason FROM mm_flushes WHERE run_id = 1 ORDER BY seq)"), "\n";
/* Not observing: nothing to do. */
$r = mmo_run(__FILE__, '<?php var_dump(mm_observe_snapshot("x"), mm_observe_flush());');
echo $r['out'], $r['err'];
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
1,2,3,4,5
true
snapshots: after 100 jobs | after 200 jobs | after 300 jobs | after 400 jobs | after 500 jobs
mm_snapshot_sites: run_id,snapshot_id,label,file,line,function,alloc_count,alloc_bytes,live_count,live_bytes
top growth per snapshot:
  2 (from 1): line 5 job str_repeat +19200 bytes, +50 blocks
  3 (from 2): line 5 job str_repeat +19200 bytes, +50 blocks
  4 (from 3): line 5 job str_repeat +19200 bytes, +50 blocks
  5 (from 4): line 5 job str_repeat +19200 bytes, +50 blocks
line 4 never grows: true
flushes: snapshot,snapshot,snapshot,snapshot,snapshot,explicit
int(0)
bool(false)
