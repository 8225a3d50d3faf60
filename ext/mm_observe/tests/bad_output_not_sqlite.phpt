--TEST--
mm_observe: bad output path: an existing file that is not a SQLite database is left untouched
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = mmo_path(__FILE__, ".data"); $before = str_repeat("not a database\n", 300); file_put_contents($out, $before);
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(file_get_contents($out) === $before);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database 'PATH': is not a SQLite database; left untouched
exit status: 3
bool(true)
