--TEST--
mm_observe: a second run appends to the same database; run metadata
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = '<?php $a = []; for ($i = 0; $i < 100; $i++) { $a[] = str_repeat("x", $i); } echo count($a), "\n";';
$first = mmo_observe(__FILE__, $code, $db);
$second = mmo_observe(__FILE__, $code, $db);
echo $first['out'], $first['err'], $second['out'], $second['err'];
$h = mmo_db($db);
echo "user_version: ", mmo_value($h, 'PRAGMA user_version'), "\n";
foreach (mmo_rows($h, 'SELECT run_id, pid, sapi, script, started_at, ended_at, php_version, status, peak_usage, exit_status FROM mm_runs ORDER BY run_id') as $row) {
    printf("run %d: pid>0=%s sapi=%s script=%s php=%s status=%s exit=%d peak>0=%s started=%s ordered=%s\n",
        $row['run_id'], var_export($row['pid'] > 0, true), $row['sapi'], basename($row['script']), $row['php_version'],
        $row['status'], $row['exit_status'], var_export($row['peak_usage'] > 0, true),
        preg_match('/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/', $row['started_at']) ? 'iso8601' : $row['started_at'],
        var_export($row['ended_at'] >= $row['started_at'], true));
}
/* Both runs saw the same program: the same sites with the same counts. */
$per_run = mmo_rows($h, "SELECT run_id, count(*) AS sites, sum(alloc_count) AS allocs FROM mm_sites WHERE kind = 'vm' GROUP BY run_id ORDER BY run_id");
var_dump($per_run[0]['sites'] === $per_run[1]['sites'], $per_run[0]['allocs'] === $per_run[1]['allocs']);
echo mmo_line_sites($h, 2, $first['script'], [1]);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
100
100
user_version: 7
run 1: pid>0=true sapi=cli script=runs_append.child.php php=8.4.24 status=ok exit=0 peak>0=true started=iso8601 ordered=true
run 2: pid>0=true sapi=cli script=runs_append.child.php php=8.4.24 status=ok exit=0 peak>0=true started=iso8601 ordered=true
bool(true)
bool(true)
line 1: {main} ASSIGN_DIM x%d, {main} DO_ICALL(str_repeat) x99, {main} ECHO x%d
