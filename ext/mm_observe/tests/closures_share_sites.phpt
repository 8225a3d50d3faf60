--TEST--
mm_observe: closures share their function's sites (destroying a closure does not retire them), so a closure-heavy loop keeps a small site table
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$out = [];
for ($i = 0; $i < 5000; $i++) {
    $f = fn($x) => str_repeat('c', $x);
    $out[$i % 10] = array_map($f, [10, 20]);
    $g = function ($y) use ($i) { return [$y, $i]; };
    $out[$i % 10][] = $g(1);
}
echo "done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo "sites: ", var_export(mmo_value($h, 'SELECT site_count FROM mm_runs WHERE run_id = 1') < 60, true), "\n";
echo "sites of the closures' lines: ", mmo_value($h, "SELECT count(*) FROM mm_sites WHERE run_id = 1 AND line IN (4, 6) AND kind = 'vm' AND function LIKE '{closure%'"), "\n";
echo "line 4 str_repeat: ", mmo_value($h, "SELECT group_concat(function || ' x' || alloc_count) FROM mm_sites WHERE run_id = 1 AND line = 4 AND callee = 'str_repeat'"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
done
sites: true
sites of the closures' lines: %d
line 4 str_repeat: {closure:%s} x10000
