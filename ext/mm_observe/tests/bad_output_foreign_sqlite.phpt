--TEST--
mm_observe: bad output path: another application's SQLite database is left untouched
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = mmo_path(__FILE__, ".db"); @unlink($out); $h = new SQLite3($out); $h->exec("CREATE TABLE t (x); INSERT INTO t VALUES (42);"); $h->close(); $before = md5_file($out);
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(md5_file($out) === $before);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
script output
Warning: mm_observe: report database 'PATH': is a SQLite database of another application; left untouched
exit status: 3
bool(true)
