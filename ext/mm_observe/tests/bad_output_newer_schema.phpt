--TEST--
mm_observe: bad output path: a report database written by a newer schema is left untouched
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$out = mmo_path(__FILE__, ".sqlite"); @unlink($out); $h = new SQLite3($out); $h->exec("PRAGMA application_id = 1835888482; PRAGMA user_version = 99; CREATE TABLE mm_runs (run_id INTEGER PRIMARY KEY);"); $h->close(); $before = md5_file($out);
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
Warning: mm_observe: report database 'PATH': was written by a newer mm_observe (schema version 99; this build writes version 7); left untouched
exit status: 3
bool(true)
