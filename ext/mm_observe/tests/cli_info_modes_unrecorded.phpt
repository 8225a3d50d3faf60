--TEST--
mm_observe: php -m, -i, -v, --ini and the report tools are never recorded, even with observation on
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
$db = mmo_path(__FILE__, '.sqlite');
$on = ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db"];
foreach ([['-m'], ['-i'], ['-v'], ['--ini']] as $mode) {
    $r = mmo_cli(array_merge($on, $mode));
    echo implode(' ', $mode), ": exit {$r['status']}, output ", $r['out'] !== '' ? 'yes' : 'no', ", stderr ", json_encode($r['err']), "\n";
}
echo "database after them: ", var_export(is_file($db), true), "\n";
/* phpinfo() still shows the setting as configured. */
echo "phpinfo says observing: ", var_export((bool) preg_match('/^Observing => yes$/m', mmo_cli(array_merge($on, ['-i']))['out']), true), "\n";
$r = mmo_cli(array_merge($on, ['-r', 'echo "script\n";']));
echo trim($r['out']), ": recorded runs ", mmo_value(mmo_db($db), 'SELECT count(*) FROM mm_runs'), "\n";
foreach ([['--mm-report', $db], ['--mm-top', "$db.1.mmring", '--once']] as $tool) {
    mmo_cli(array_merge($on, $tool));
}
echo "after the report tools: ", mmo_value(mmo_db($db), 'SELECT count(*) FROM mm_runs'), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
-m: exit 0, output yes, stderr ""
-i: exit 0, output yes, stderr ""
-v: exit 0, output yes, stderr ""
--ini: exit 0, output yes, stderr ""
database after them: false
phpinfo says observing: true
script: recorded runs 1
after the report tools: 1
