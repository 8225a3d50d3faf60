--TEST--
mm_observe: the JIT is turned off while observing, and the user is told once
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$opcache = dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 3) . '/modules/opcache.so';
$args = ['-d', 'opcache.jit=tracing', '-d', 'opcache.jit_buffer_size=8M', '-d', 'opcache.enable_cli=1'];
if (file_exists($opcache)) {
    $args = array_merge(['-d', "zend_extension=$opcache"], $args);
}
$code = '<?php $s = function_exists("opcache_get_status") ? opcache_get_status(false) : null;
echo "jit enabled: ", var_export($s["jit"]["enabled"] ?? false, true), "\n";';
$r = mmo_observe(__FILE__, $code, $db, $args);
echo $r['out'], $r['err'];
/* Without observation the JIT setting is left alone and nothing is said. */
$r = mmo_run(__FILE__, '<?php echo "quiet\n";', $args);
echo $r['out'], $r['err'];
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
jit enabled: false
mm_observe: opcache.jit=tracing is turned off while observing: JIT-compiled code does not keep the current opline, so allocations would be billed to the wrong lines.
quiet
