--TEST--
mm_observe (issue 12): a relative database path is resolved once, at request start: chdir() moves neither the database nor the ring, and the error log names the memory error's report by its absolute path
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$away = mmo_path(__FILE__, '.d');
@mkdir($away);
$code = <<<'PHP'
<?php
chdir($argv[1]);
$a = str_repeat('a', 3000);
mm_observe_flush();
echo getcwd() === $argv[1] ? "moved\n" : "not moved\n";
if (($argv[2] ?? '') === 'oom') { $s = str_repeat('x', 64 << 20); }
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$rel = basename($db);
$r = mmo_cli(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$rel", basename(mmo_path(__FILE__, '.child.php')), $away], __DIR__);
echo $r['out'], $r['err'], "exit ", $r['status'], "\n";
$r = mmo_cli(['-d', 'memory_limit=32M', '-d', 'log_errors=1', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$rel", basename(mmo_path(__FILE__, '.child.php')), $away, 'oom'], __DIR__);
echo str_replace($db, 'ABSOLUTE-DB', $r['out'] . $r['err']);
echo "files in the other directory: ", count(glob("$away/*")), "\n";
echo "rings left: ", count(glob("$db.*")), "\n";
$h = mmo_db($db);
echo mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
moved
exit 0
moved

Fatal error: Allowed memory size of 33554432 bytes exhausted (tried to allocate %d bytes) in %s on line 6
mm_observe: the memory error below is recorded in ABSOLUTE-DB run 2
PHP Fatal error:  Allowed memory size of 33554432 bytes exhausted (tried to allocate %d bytes) in %s on line 6
files in the other directory: 0
rings left: 0
ok,oom
