--TEST--
mm_observe: bad output path: a directory that does not exist
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = "/nonexistent-mm-observe-dir/report.sqlite";
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(file_exists($out));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database 'PATH': directory '/nonexistent-mm-observe-dir' does not exist
exit status: 3
bool(false)
