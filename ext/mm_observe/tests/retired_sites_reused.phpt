--TEST--
mm_observe: sites of freed code are reused by later code with the same file, line, opcode and callee, so a loop of distinct evals never fills the table
--DESCRIPTION--
Without opcache every eval and include compiles a new op_array and frees it
afterwards; its sites are retired.  A later site with the same identity
(file, function, callee, line, opcode, kind) revives the retired one and its
counters keep accumulating.  100 000 distinct evals of three allocating
lines would need 300 000 sites (the table holds 262 144); with reuse the run
needs a handful, nothing goes to {overflow}, and each eval'd line has
exactly one allocation per eval.  The same for a file included 2 000 times.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$inc = mmo_path(__FILE__, '.data');
file_put_contents($inc, "<?php\n\$GLOBALS['kept'] = str_repeat('k', 100 + \$j % 7);\n");
$code = <<<'PHP'
<?php
$n = 100000;
$s = 'p';
for ($i = 0; $i < $n; $i++) {
    $r = eval("\$a = \$s . '$i';\n\$b = \$a . 'y';\n\$c = \$b . 'z';\nreturn \$c;");
}
for ($j = 0; $j < 2000; $j++) {
    include getenv('MMO_INC');
}
echo "done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, [], ['MMO_INC' => $inc]);
echo $r['out'], $r['err'];
$h = mmo_db($db);
$run = mmo_rows($h, 'SELECT site_count, sites_dropped FROM mm_runs WHERE run_id = 1')[0];
echo "site_count < 1000: ", var_export($run['site_count'] < 1000, true), "\n";
echo "sites_dropped: ", $run['sites_dropped'], "\n";
echo "{overflow} allocations: ", mmo_value($h, "SELECT coalesce(sum(alloc_count), 0) FROM mm_sites WHERE run_id = 1 AND flags & 2"), "\n";
$eval_file = $r['script'] . "(5) : eval()'d code";
foreach (mmo_rows($h, "SELECT line, opcode, count(*) AS sites, sum(alloc_count) AS n, sum(alloc_count - free_count - live_count) AS unbalanced
        FROM mm_sites WHERE run_id = 1 AND file = ? AND kind = 'vm' GROUP BY line, opcode ORDER BY line", [$eval_file]) as $row) {
    printf("eval'd line %d %s: %d allocations in %d site(s), unbalanced %d\n", $row['line'], $row['opcode'], $row['n'], $row['sites'], $row['unbalanced']);
}
foreach (mmo_rows($h, "SELECT line, callee, count(*) AS sites, sum(alloc_count) AS n
        FROM mm_sites WHERE run_id = 1 AND file = ? AND kind = 'vm' AND alloc_count > 0 GROUP BY line, callee ORDER BY line", [$inc]) as $row) {
    printf("included line %d %s: %d allocations in %d site(s)\n", $row['line'], $row['callee'], $row['n'], $row['sites']);
}
echo "sites of the eval line (5): ", mmo_value($h, "SELECT count(*) FROM mm_sites WHERE run_id = 1 AND file = ? AND line = 5", [$r['script']]) < 10 ? "few" : "many", "\n";
echo "per-site books balance everywhere: ", var_export(0 === mmo_value($h, "SELECT count(*) FROM mm_sites WHERE run_id = 1 AND (alloc_count - free_count != live_count OR alloc_bytes - free_bytes != live_bytes)"), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
done
site_count < 1000: true
sites_dropped: 0
{overflow} allocations: 0
eval'd line 1 CONCAT: 100000 allocations in 1 site(s), unbalanced 0
eval'd line 2 CONCAT: 100000 allocations in 1 site(s), unbalanced 0
eval'd line 3 CONCAT: 100000 allocations in 1 site(s), unbalanced 0
included line 2 str_repeat: 2000 allocations in 1 site(s)
sites of the eval line (5): few
per-site books balance everywhere: true
