--TEST--
run-tests.php --mm-observe with -j4: one run per test, with path, title and result; the summary
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$tests = [];
for ($i = 1; $i <= 8; $i++) {
    $n = 1000 << $i;
    $tests["t$i.phpt"] = "--TEST--\nrange of $n\n--SKIPIF--\n<?php if (0) die('skip'); ?>\n--FILE--\n<?php \$a = range(1, $n); echo count(\$a), \"\\n\";\n--CLEAN--\n<?php echo '';\n--EXPECT--\n$n\n";
}
$tests['fail.phpt'] = "--TEST--\nfails\n--FILE--\n<?php echo 'no';\n--EXPECT--\nyes\n";
$tests['skip.phpt'] = "--TEST--\nskipped\n--SKIPIF--\n<?php die('skip not today');\n--FILE--\n<?php echo 1;\n--EXPECT--\n1\n";
$tests['gc.phpt'] = "--TEST--\ncollects\n--FILE--\n<?php for (\$i = 0; \$i < 2; \$i++) { \$o = new stdClass; \$o->o = \$o; unset(\$o); gc_collect_cycles(); } echo 'ok';\n--EXPECT--\nok\n";
$dir = mmo_phpt_dir(__FILE__, $tests);
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$r = mmo_run_tests($dir, ['-j4', '--mm-observe', $db, '.']);
echo "status: {$r['status']}\n";
$out = $r['out'];
echo substr($out, strpos($out, "MEMORY (--mm-observe)")), "\n";
$h = mmo_db($db);
/* One run per executed FILE section (SKIPIF and CLEAN are not observed; the skipped test has none). */
echo "runs: ", mmo_value($h, 'SELECT count(*) FROM mm_runs'), ", distinct pids: ", mmo_value($h, 'SELECT count(DISTINCT pid) FROM mm_runs'), "\n";
foreach (mmo_rows($h, "SELECT test_path, test_title, test_result, status, full_shutdown, alloc_bytes > 0 AS a, gc_runs FROM mm_tests ORDER BY test_path") as $row) {
    echo implode(' | ', $row), "\n";
}
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
status: 1
MEMORY (--mm-observe)
---------------------------------------------------------------------
10 test run(s) recorded in %srun_tests_observe_parallel.sqlite
Query them: sqlite3 %s "SELECT * FROM mm_tests WHERE run_id IN (SELECT run_id FROM mm_runs WHERE run_tag GLOB '%s-*')"

Top tests by allocated bytes:
%w%f %s  t8.phpt
%w%f %s  t7.phpt
%w%f %s  t6.phpt
%w%f %s  t5.phpt
%w%f %s  t4.phpt
%w%f %s  t3.phpt
%w%f %s  t2.phpt
%w%f %s  t1.phpt
%w%f KiB  gc.phpt
%w%f KiB  fail.phpt

Top tests by peak memory:
%w%f %s  t8.phpt
%w%f %s  t7.phpt
%w%f %s  t6.phpt
%w%f %s  t5.phpt
%w%f %s  t4.phpt
%w%f %s  t3.phpt
%w%f %s  t2.phpt
%w%f %s  t1.phpt
%w%f KiB  gc.phpt
%w%f KiB  fail.phpt

Top tests by GC time:
%w%f ms (2 runs)  gc.phpt
=====================================================================

runs: 10, distinct pids: 10
fail.phpt | fails | FAIL | ok | 1 | 1 | 0
gc.phpt | collects | PASS | ok | 1 | 1 | 2
t1.phpt | range of 2000 | PASS | ok | 1 | 1 | 0
t2.phpt | range of 4000 | PASS | ok | 1 | 1 | 0
t3.phpt | range of 8000 | PASS | ok | 1 | 1 | 0
t4.phpt | range of 16000 | PASS | ok | 1 | 1 | 0
t5.phpt | range of 32000 | PASS | ok | 1 | 1 | 0
t6.phpt | range of 64000 | PASS | ok | 1 | 1 | 0
t7.phpt | range of 128000 | PASS | ok | 1 | 1 | 0
t8.phpt | range of 256000 | PASS | ok | 1 | 1 | 0
integrity: ok
