--TEST--
mm_observe: with zend.mm_observe=0 nothing is written and the output is unchanged
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = '<?php $x = str_repeat("x", 1000); echo strlen($x), " ", PHP_VERSION, "\n"; fwrite(STDERR, "to stderr\n"); exit(5);';
$plain = mmo_run(__FILE__, $code);
$off = mmo_run(__FILE__, $code, ['-d', 'zend.mm_observe=0', '-d', "zend.mm_observe_output=$db"]);
var_dump($plain['out'] === $off['out'], $plain['err'] === $off['err'], $plain['status'] === $off['status']);
var_dump(file_exists($db));
echo $off['out'], $off['err'], $off['status'], "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
bool(true)
bool(true)
bool(true)
bool(false)
1000 8.4.24
to stderr
5
