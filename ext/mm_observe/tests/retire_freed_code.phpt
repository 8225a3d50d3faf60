--TEST--
mm_observe: code freed mid-request is never confused with code loaded later
--DESCRIPTION--
Included files and eval'd code are destroyed right after they run (no
opcache), so later code may be compiled at the same addresses.  Their sites
are retired when the op_array is destroyed (flag 4): code loaded later at
the same addresses gets sites with its own file and callee.  Code with the
same file, line, opcode and callee (a.php included twice, the same eval'd
line twice) revives the retired site and adds to its counters
(retired_sites_reused.phpt).
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$base = mmo_path(__FILE__, '.d');
@mkdir($base);
foreach (['a' => 'str_repeat("a", 100)', 'b' => 'strtoupper(str_repeat(" ", 0) . "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")', 'c' => 'str_pad("c", 100)'] as $n => $expr) {
    file_put_contents("$base/$n.php", "<?php\n\$GLOBALS['kept'][] = $expr;\n");
}
$code = <<<'PHP'
<?php
foreach (['a', 'b', 'c', 'a'] as $n) {
    include getenv('MMO_BASE') . "/$n.php";
}
foreach (['str_repeat("x", 100)', 'str_pad("y", 100)', 'str_repeat("x", 100)'] as $expr) {
    eval("\$GLOBALS['kept'][] = $expr;");
}
echo count($kept), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, [], ['MMO_BASE' => $base]);
echo $r['out'], $r['err'];
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT file, line, callee, count(*) AS sites, sum(alloc_count) AS n, min(flags & 4) AS retired
        FROM mm_sites WHERE run_id = 1 AND kind = 'vm' AND callee IN ('str_repeat', 'strtoupper', 'str_pad')
        GROUP BY file, line, callee ORDER BY file, callee", []) as $row) {
    printf("%s:%d %s x%d in %d site(s)%s\n", str_replace([$base, $r['script']], ['DIR', 'SCRIPT'], $row['file']), $row['line'],
        $row['callee'], $row['n'], $row['sites'], $row['retired'] ? ', retired' : '');
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
foreach (glob(__DIR__ . '/retire_freed_code.d/*') as $f) { @unlink($f); }
mmo_cleanup(__FILE__);
?>
--EXPECT--
7
SCRIPT(6) : eval()'d code:1 str_pad x1 in 1 site(s), retired
SCRIPT(6) : eval()'d code:1 str_repeat x2 in 1 site(s), retired
DIR/a.php:2 str_repeat x2 in 1 site(s), retired
DIR/b.php:2 strtoupper x1 in 1 site(s), retired
DIR/c.php:2 str_pad x1 in 1 site(s), retired
