--TEST--
mm_observe: php --mm-observe[=FILE] is -d zend.mm_observe=1 [-d zend.mm_observe_output=FILE]
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$dir = mmo_path(__FILE__, '.d');
@unlink($db);
@mkdir($dir);
@unlink("$dir/mm_observe.sqlite");
$code = '<?php echo ini_get("zend.mm_observe"), " ", basename(ini_get("zend.mm_observe_output")), "\n";';

$r = mmo_run(__FILE__, $code, ["--mm-observe=$db"]);
echo $r['out'], $r['err'];
var_dump(mmo_value(mmo_db($db), 'SELECT count(*) FROM mm_runs'));

/* Without =FILE: the default, relative to the working directory. */
$script = mmo_path(__FILE__, '.child.php');
$p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '--mm-observe', $script], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $dir);
echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
proc_close($p);
var_dump(file_exists("$dir/mm_observe.sqlite"));
@unlink("$dir/mm_observe.sqlite");

/* A path with spaces and an equals sign is taken as it is. */
$odd = "$dir/a b=c.sqlite";
$r = mmo_run(__FILE__, $code, ["--mm-observe=$odd"]);
echo $r['out'], $r['err'];
var_dump(file_exists($odd));
@unlink($odd);
$help = mmo_run(__FILE__, '', ['-h']);
echo preg_match('/--mm-observe\[=FILE\]/', $help['out']) ? "documented in -h\n" : $help['out'];
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
$dir = __DIR__ . '/cli_option.d';
foreach (glob("$dir/*") as $f) { @unlink($f); }
mmo_cleanup(__FILE__);
?>
--EXPECT--
1 cli_option.sqlite
int(1)
1 mm_observe.sqlite
bool(true)
1 a b=c.sqlite
bool(true)
documented in -h
