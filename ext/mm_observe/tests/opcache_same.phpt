--TEST--
mm_observe: attribution with opcache (shared memory and file cache) equals attribution without
--SKIPIF--
<?php
if (!file_exists(dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 3) . '/modules/opcache.so')) die('skip opcache.so not built');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$opcache = dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 3) . '/modules/opcache.so';
$db = mmo_path(__FILE__, '.sqlite');
$cache = mmo_path(__FILE__, '.d');
@mkdir($cache);
$code = <<<'PHP'
<?php
function row(int $i): array { return ['id' => $i, 'name' => "n$i", 'tags' => explode(',', "a,b,$i")]; }
$rows = [];
for ($i = 0; $i < 200; $i++) {
    $rows[] = row($i);
}
$json = json_encode($rows);
$back = json_decode($json, true);
$s = '';
foreach ($back as $r) { $s .= $r['name'] . ';'; }
echo strlen($s), "\n";
PHP;
$shm = ['-d', "zend_extension=$opcache", '-d', 'opcache.enable_cli=1', '-d', 'opcache.optimization_level=0'];
$file = ['-d', "zend_extension=$opcache", '-d', 'opcache.enable_cli=1', '-d', 'opcache.optimization_level=0',
         '-d', "opcache.file_cache=$cache", '-d', 'opcache.file_cache_only=1'];
foreach (['off' => [], 'shm' => $shm, 'file (fill)' => $file, 'file (hit)' => $file] as $name => $args) {
    $r = mmo_observe(__FILE__, $code, $db, $args);
    echo "$name: ", $r['out'], $r['err'];
}
$h = mmo_db($db);
$runs = [];
foreach ([1, 2, 3, 4] as $run) {
    $rows = mmo_rows($h, "SELECT line, function, opcode, coalesce(callee, '') AS callee, alloc_count, alloc_bytes, live_count
        FROM mm_sites WHERE run_id = ? AND kind = 'vm' ORDER BY line, opcode, callee", [$run]);
    $runs[$run] = json_encode($rows);
}
echo "sites: ", count(json_decode($runs[1])), "\n";
echo "shm == off: ", var_export($runs[2] === $runs[1], true), "\n";
echo "file cache (fill) == off: ", var_export($runs[3] === $runs[1], true), "\n";
echo "file cache (hit) == off: ", var_export($runs[4] === $runs[1], true), "\n";
if ($runs[2] !== $runs[1]) { echo $runs[1], "\n", $runs[2], "\n"; }
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
$cache = __DIR__ . '/opcache_same.d';
if (is_dir($cache)) {
    $it = new RecursiveIteratorIterator(new RecursiveDirectoryIterator($cache, FilesystemIterator::SKIP_DOTS), RecursiveIteratorIterator::CHILD_FIRST);
    foreach ($it as $f) { $f->isDir() ? rmdir($f) : unlink($f); }
}
mmo_cleanup(__FILE__);
?>
--EXPECTF--
off: 890
shm: 890
file (fill): 890
file (hit): 890
sites: %d
shm == off: true
file cache (fill) == off: true
file cache (hit) == off: true
