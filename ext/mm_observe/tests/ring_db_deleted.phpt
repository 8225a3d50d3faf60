--TEST--
mm_observe ring (issue 12): the database deleted mid-run: the run is not written into the unlinked file; the ring is kept, said once, and imports into a new database at the same path
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$db = $argv[1];
$a = str_repeat('a', 3000);
mm_observe_flush();
foreach ([$db, "$db-wal", "$db-shm"] as $f) { @unlink($f); }
$b = str_repeat('b', 5000);
var_dump(mm_observe_flush(), mm_observe_flush());
echo "done\n";
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$r = mmo_cli(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", mmo_path(__FILE__, '.child.php'), $db]);
echo $r['out'], "exit ", $r['status'], "\n";
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/"], ["'RING'", "'DB'"], $r['err']);
$rings = glob("$db.*.mmring");
echo "rings kept: ", count($rings), "\n";
$i = mmo_cli(['--mm-import', $rings[0]]);
echo preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/"], ["'RING'", "'DB'"], $i['out'] . $i['err']);
$h = mmo_db($db);
echo mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
echo "line 6 (str_repeat 'b') allocations: ", mmo_value($h, "SELECT sum(alloc_count) FROM mm_sites WHERE line = 6 AND callee = 'str_repeat'"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
bool(false)
bool(false)
done
exit 0
Warning: mm_observe: report database 'DB': cannot write run 1 (the database file was deleted or replaced during the run); its records stay in the ring
Warning: mm_observe: report database 'DB': cannot write run 1 (the database file was deleted or replaced during the run); it is kept in 'RING': import it with php --mm-import 'RING'
rings kept: 1
mm-import: 'RING' imported as run 1 of 'DB' (status 'ok')
ok
line 6 (str_repeat 'b') allocations: 1
