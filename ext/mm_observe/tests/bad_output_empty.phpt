--TEST--
mm_observe: bad output path: an empty path
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = "";
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(file_exists(__DIR__ . "/mm_observe.sqlite"));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database '': the path is empty (set zend.mm_observe_output or --mm-observe=FILE)
exit status: 3
bool(false)
