--TEST--
run-tests.php --mm-compare: lists the tests that grew past the threshold and exits non-zero
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$phpt = fn(string $title, int $n) => "--TEST--\n$title\n--FILE--\n<?php \$a = range(1, $n); echo count(\$a) > 0 ? 'ok' : 'no';\n--EXPECT--\nok\n";
$base = mmo_path(__FILE__, '.sqlite');
$new = mmo_path(__FILE__, '.sqlite-new');
@unlink($base);
@unlink($new);
$dir = mmo_phpt_dir(__FILE__, ['same.phpt' => $phpt('same', 1000), 'grows.phpt' => $phpt('grows', 1000), 'shrinks.phpt' => $phpt('shrinks', 100000)]);
$r = mmo_run_tests($dir, ['--mm-observe', $base, '.']);
echo "base: status {$r['status']}\n";
/* grows.phpt now allocates 2 MiB more; shrinks.phpt less; added.phpt is new. */
file_put_contents("$dir/grows.phpt", $phpt('grows', 100000));
file_put_contents("$dir/shrinks.phpt", $phpt('shrinks', 1000));
file_put_contents("$dir/added.phpt", $phpt('added', 1000));
$r = mmo_run_tests($dir, ['--mm-observe', $new, '--mm-compare', $base, '.']);
echo "compare: status {$r['status']}\n", substr($r['out'], strpos($r['out'], 'Compared with'));
/* A higher threshold lets it pass. */
$r = mmo_run_tests($dir, ['--mm-observe=' . $new, '--mm-compare=' . $base, '--mm-compare-threshold=1000', 'grows.phpt']);
echo "threshold 1000%: status {$r['status']}\n", substr($r['out'], strpos($r['out'], 'Compared with'));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
base: status 0
compare: status 1
Compared with %srun_tests_compare.sqlite: 3 test(s) in both, threshold 10%
MEMORY REGRESSIONS (2):
    peak        %f KiB -> %f MiB%w+%f%  grows.phpt
    allocated   %f KiB -> %f MiB%w+%f%  grows.phpt
=====================================================================
threshold 1000%: status 0
Compared with %srun_tests_compare.sqlite: 1 test(s) in both, threshold 1000%
    no test grew by more than the threshold
=====================================================================
