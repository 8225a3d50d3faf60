--TEST--
run-tests.php --mm-observe: a test that dies of memory_limit passes against upstream's message, with no filter (the line naming the report goes to the error log, which run-tests turns off); its run is recorded as 'oom'
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$dir = mmo_phpt_dir(__FILE__, [
    'oom.phpt' => "--TEST--\noom\n--INI--\nmemory_limit=4M\n--FILE--\n<?php\n\$s = str_repeat('x', 8 << 20);\n"
        . "--EXPECTF--\nFatal error: Allowed memory size of 4194304 bytes exhausted (tried to allocate %d bytes) in %s on line 2\n",
]);
$r = mmo_run_tests($dir, ['--mm-observe', 'oom.sqlite', 'oom.phpt']);
preg_match('/^(PASS|FAIL) .*$/m', $r['out'], $m);
echo rtrim($m[0] ?? "no result:\n{$r['out']}"), "\n";
$h = mmo_db("$dir/oom.sqlite");
echo implode(' | ', mmo_rows($h, "SELECT r.status, r.test_result, o.kind, o.requested > 4194304 AS big FROM mm_runs r JOIN mm_oom o USING (run_id)")[0]), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
PASS oom [oom.phpt]
oom | PASS | memory_limit | 1
