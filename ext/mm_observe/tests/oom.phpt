--TEST--
mm_observe: "Allowed memory size exhausted" is recorded before the bailout (site, request, limit, usage, top live sites), status 'oom'; the message is upstream's and the error log names the report on a line of its own; small, large and huge requests
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$prefix = <<<'PHP'
<?php
$keep = array_fill(0, 20000, null);
for ($i = 0; $i < 1000; $i++) { $keep[$i] = str_repeat('k', 1000); }
PHP;
$cases = [
    'small' => "\nfor (\$i = 1000; \$i < 20000; \$i++) { \$keep[\$i] = str_repeat('s', 100); }\n",
    'large' => "\nfor (\$i = 1000; \$i < 20000; \$i++) { \$keep[\$i] = str_repeat('l', 100000); }\n",
    'huge'  => "\n\$big = str_repeat('h', 6 * 1024 * 1024);\n",
];
foreach ($cases as $name => $tail) {
    /* log_errors=1 without error_log: the CLI logs to stderr. */
    $r = mmo_observe(__FILE__, $prefix . $tail . "echo 'not reached';\n", $db, ['-d', 'memory_limit=4M', '-d', 'log_errors=1']);
    $run = $name === 'small' ? 1 : ($name === 'large' ? 2 : 3);
    echo "== $name: exit {$r['status']}\n", str_replace([$db, $r['script']], ['DB', 'SCRIPT'], trim($r['out'] . $r['err'])), "\n";
}
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT r.run_id, r.status, o.kind, o.line, o.function, o.opcode, o.callee, o.requested, o.memory_limit, o.usage <= o.memory_limit AS under
        FROM mm_runs r JOIN mm_oom o USING (run_id) ORDER BY r.run_id") as $row) {
    echo implode(' | ', $row), "\n";
}
echo "top site of each run (the loop that filled memory, or the kept strings): ";
echo implode(',', array_column(mmo_rows($h, 'SELECT line FROM mm_oom_top_sites WHERE rank = 1 ORDER BY run_id'), 'line')), "\n";
echo "top sites ordered: ", var_export((int) mmo_value($h, 'SELECT count(*) FROM mm_oom_top_sites a JOIN mm_oom_top_sites b ON a.run_id = b.run_id AND b.rank = a.rank + 1 WHERE b.live_bytes > a.live_bytes') === 0, true), "\n";
/* Not observing: the stock message. */
$r = mmo_run(__FILE__, $prefix . $cases['huge'], ['-d', 'memory_limit=4M']);
echo "== not observed: ", str_replace($r['script'], 'SCRIPT', trim($r['out'] . $r['err'])), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
== small: exit 255
Fatal error: Allowed memory size of 4194304 bytes exhausted (tried to allocate 4096 bytes) in SCRIPT on line 4
mm_observe: the memory error below is recorded in DB run 1
PHP Fatal error:  Allowed memory size of 4194304 bytes exhausted (tried to allocate 4096 bytes) in SCRIPT on line 4
== large: exit 255
Fatal error: Allowed memory size of 4194304 bytes exhausted (tried to allocate 102400 bytes) in SCRIPT on line 4
mm_observe: the memory error below is recorded in DB run 2
PHP Fatal error:  Allowed memory size of 4194304 bytes exhausted (tried to allocate 102400 bytes) in SCRIPT on line 4
== huge: exit 255
Fatal error: Allowed memory size of 4194304 bytes exhausted (tried to allocate 6291488 bytes) in SCRIPT on line 4
mm_observe: the memory error below is recorded in DB run 3
PHP Fatal error:  Allowed memory size of 4194304 bytes exhausted (tried to allocate 6291488 bytes) in SCRIPT on line 4
1 | oom | memory_limit | 4 | {main} | DO_ICALL | str_repeat | 4096 | 4194304 | 1
2 | oom | memory_limit | 4 | {main} | DO_ICALL | str_repeat | 102400 | 4194304 | 1
3 | oom | memory_limit | 4 | {main} | DO_ICALL | str_repeat | 6291488 | 4194304 | 1
top site of each run (the loop that filled memory, or the kept strings): 4,4,3
top sites ordered: true
== not observed: Fatal error: Allowed memory size of 4194304 bytes exhausted (tried to allocate 6291488 bytes) in SCRIPT on line 4