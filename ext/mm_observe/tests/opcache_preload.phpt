--TEST--
mm_observe: opcache preloading works while observing (with full shutdown too); the preloading request is not recorded as a run
--SKIPIF--
<?php
if (!file_exists(dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 3) . '/modules/opcache.so')) die('skip opcache.so not built');
if (posix_geteuid() === 0 && !function_exists('posix_getpwnam')) die('skip needs posix');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$opcache = dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 3) . '/modules/opcache.so';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$preload = mmo_path(__FILE__, '.data');
file_put_contents($preload, '<?php class Preloaded { public static function make(): array { return range(1, 100); } }');
$args = ['-d', "zend_extension=$opcache", '-d', 'opcache.enable_cli=1', '-d', "opcache.preload=$preload"];
if (posix_geteuid() === 0) {
    $args = array_merge($args, ['-d', 'opcache.preload_user=' . posix_getpwuid(0)['name']]);
}
$code = '<?php echo count(Preloaded::make()), " ", class_exists("Preloaded", false) ? "preloaded" : "missing", "\n";';
foreach (['0', '1'] as $full) {
    $r = mmo_observe(__FILE__, $code, $db, array_merge($args, ['-d', "zend.mm_observe_full_shutdown=$full"]));
    echo "full_shutdown=$full: ", $r['out'], $r['err'], "exit {$r['status']}\n";
}
$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT run_id, status, full_shutdown FROM mm_runs ORDER BY run_id') as $row) {
    echo implode(' ', $row), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
full_shutdown=0: 100 preloaded
exit 0
full_shutdown=1: 100 preloaded
exit 0
1 ok 0
2 ok 1
