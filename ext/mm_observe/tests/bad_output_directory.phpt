--TEST--
mm_observe: bad output path: a directory
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = mmo_path(__FILE__, ".d"); @mkdir($out);
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(is_dir($out), count(scandir($out)));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database 'PATH': is a directory
exit status: 3
bool(true)
int(2)
