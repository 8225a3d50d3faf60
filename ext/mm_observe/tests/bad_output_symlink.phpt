--TEST--
mm_observe: bad output path: a symbolic link is not followed
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$target = mmo_path(__FILE__, ".data"); file_put_contents($target, "precious"); $out = mmo_path(__FILE__, ".sqlite"); @unlink($out); symlink($target, $out);
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(file_get_contents($target));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database 'PATH': is a symbolic link; refusing to follow it
exit status: 3
string(8) "precious"
