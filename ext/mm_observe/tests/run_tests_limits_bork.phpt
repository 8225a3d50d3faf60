--TEST--
run-tests.php: a malformed --MM_LIMITS-- line is a BORK with an exact message
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$cases = [
    'syntax' => 'alloc_bytes <== 2M',
    'unknown' => 'allocations <= 2M',
    'run_selector' => 'peak_usage(line 3) <= 2M',
    'bad_line' => 'alloc_count(line three) == 1',
    'count_suffix' => 'alloc_count <= 2K',
    'bad_size' => 'alloc_bytes <= 2MB',
    'bad_time' => 'gc_time <= 5',
    'empty' => "# only a comment\n",
];
$tests = [];
foreach ($cases as $name => $limit) {
    $tests["$name.phpt"] = "--TEST--\n$name\n--FILE--\n<?php echo 1;\n--MM_LIMITS--\n$limit\n--EXPECT--\n1\n";
}
$dir = mmo_phpt_dir(__FILE__, $tests);
$r = mmo_run_tests($dir, ['.']);
preg_match_all('/^BORK .*$/m', $r['out'], $m);
sort($m[0]);
echo implode("\n", $m[0]), "\nstatus: {$r['status']}\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
BORK --MM_LIMITS-- is empty [empty.phpt] 
BORK --MM_LIMITS-- line 1 'alloc_bytes <= 2MB': '2MB' is not a size: an integer number of bytes, or a number with K, M or G (1024-based), e.g. 2M [bad_size.phpt] 
BORK --MM_LIMITS-- line 1 'alloc_bytes <== 2M': expected METRIC [(line N|function NAME|callee NAME)] OP VALUE, e.g. 'alloc_bytes <= 2M' [syntax.phpt] 
BORK --MM_LIMITS-- line 1 'alloc_count <= 2K': 'alloc_count' is a count and takes a plain integer, not '2K' [count_suffix.phpt] 
BORK --MM_LIMITS-- line 1 'alloc_count(line three) == 1': line 'three' is not a line number [bad_line.phpt] 
BORK --MM_LIMITS-- line 1 'allocations <= 2M': unknown metric 'allocations'; known: alloc_count, alloc_bytes, free_count, free_bytes, realloc_count, live_count, live_bytes, leaked_count, leaked_bytes, peak_live_bytes, peak_usage, usage_end, gc_runs, gc_collected, gc_time [unknown.phpt] 
BORK --MM_LIMITS-- line 1 'gc_time <= 5': gc_time takes a duration with a unit (ns, us, ms, s), e.g. 'gc_time <= 5ms' [bad_time.phpt] 
BORK --MM_LIMITS-- line 1 'peak_usage(line 3) <= 2M': 'peak_usage' is a figure of the whole run and takes no (line ...) [run_selector.phpt] 
status: 1
