--TEST--
run-tests.php: --MM_LIMITS-- passes, fails with the measured value in the diff, and observes without --mm-observe
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$file = "<?php\n\$a = [];\nfor (\$i = 0; \$i < 1000; \$i++) {\n    \$a[] = str_repeat('x', 100);\n}\necho count(\$a), \"\\n\";\n";
$dir = mmo_phpt_dir(__FILE__, [
    'ok.phpt' => "--TEST--\nwithin budget\n--FILE--\n$file--MM_LIMITS--\n# comments and blank lines are ignored\n\nalloc_bytes <= 2M\nalloc_count(line 4) == 1009    # 1000 strings, 9 array growths\nlive_bytes(line 4) == 0\nleaked_bytes == 0\npeak_usage < 4M\ngc_runs == 0\nalloc_count(function str_repeat) == 0\nalloc_count(callee str_repeat) == 1000\nalloc_bytes(function {main}) > 100K\n--EXPECT--\n1000\n",
    'over.phpt' => "--TEST--\nover budget\n--FILE--\n$file--MM_LIMITS--\nalloc_bytes <= 100K\nalloc_count(line 4) < 1000\npeak_usage >= 1M\n--EXPECT--\n1000\n",
    'leak.phpt' => "--TEST--\na cycle nobody collects\n--FILE--\n<?php\nclass C { public \$self; }\n\$c = new C;\n\$c->self = \$c;\necho \"done\\n\";\n--MM_LIMITS--\nleaked_bytes == 0\nleaked_count(line 3) == 0\n--EXPECT--\ndone\n",
    'gc.phpt' => "--TEST--\nGC runs\n--FILE--\n<?php\nfor (\$i = 0; \$i < 3; \$i++) { \$o = new stdClass; \$o->o = \$o; unset(\$o); gc_collect_cycles(); }\necho \"ok\\n\";\n--MM_LIMITS--\ngc_runs == 3\ngc_collected == 3\ngc_time < 10s\n--EXPECT--\nok\n",
]);
$r = mmo_run_tests($dir, ['.']);
preg_match_all('/^(PASS|FAIL|SKIP|BORK) .*$/m', $r['out'], $m);
sort($m[0]);
echo implode("\n", $m[0]), "\nstatus: {$r['status']}\n";
echo "--- over.diff\n", preg_replace('/\d{5,}/', 'N', file_get_contents("$dir/over.diff"));
echo "--- leak.diff\n", file_get_contents("$dir/leak.diff");
/* Without --mm-observe the runs went to a temporary database, removed at the end. */
var_dump(glob("$dir.tmp/*"), glob("$dir/*.sqlite"));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
FAIL a cycle nobody collects [leak.phpt] 
FAIL over budget [over.phpt] 
PASS GC runs [gc.phpt] 
PASS within budget [ok.phpt] 
status: 1
--- over.diff
     1000
     --MM_LIMITS--
003- alloc_bytes <= 100K
004- alloc_count(line 4) < 1000
005- peak_usage >= 1M
003+ alloc_bytes <= 100K: measured N (%f KiB), limit N (100.00 KiB)
004+ alloc_count(line 4) < 1000: measured 1009, limit 1000
005+ peak_usage >= 1M: measured N (%f KiB), limit N (1.00 MiB)
--- leak.diff
     done
     --MM_LIMITS--
003- leaked_bytes == 0
004- leaked_count(line 3) == 0
003+ leaked_bytes == 0: measured 56, limit 0
004+ leaked_count(line 3) == 0: measured 1, limit 0
array(0) {
}
array(0) {
}
