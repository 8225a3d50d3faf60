--TEST--
mm_observe (issue 16, item 10): compiled in but off, memory_get_usage() and memory_get_peak_usage() are byte-identical to the stock build of the same tarball, at startup and after real work, given the same environment and a binary path of the same length (the shell's $_ variable and argv[0] are strings the script's $_SERVER holds)
--SKIPIF--
<?php if (!is_executable(dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 5) . '/stock/src/sapi/cli/php')) die('skip needs the stock build next to this one (mk/build.sh stock)'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$dir = mmo_path(__FILE__, '.d');
mmo_rmtree($dir);
mkdir($dir);
$fork = realpath(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY);
$stock = dirname($fork, 5) . '/stock/src/sapi/cli/php';
/* Same directory, same name length: argv[0] and $_ have the same size. */
symlink($fork, "$dir/fphp");
symlink($stock, "$dir/sphp");
$script = "$dir/work.php";
file_put_contents($script, <<<'PHP'
<?php
$p = [memory_get_usage()];
$rows = [];
for ($i = 0; $i < 20000; $i++) {
    $rows[] = ['id' => $i, 'name' => "row $i", 'tags' => array_fill(0, 4, 't')];
}
$p[] = memory_get_usage();
$json = json_encode($rows);
$back = json_decode($json, true);
$s = '';
foreach ($back as $r) { $s .= $r['name'] . ','; }
class Node { public $next; public $self; }
for ($i = 0; $i < 5000; $i++) { $n = new Node; $n->self = $n; }
gc_collect_cycles();
$p[] = memory_get_usage();
$keep = array_map(fn($r) => strtoupper($r['name']), array_slice($rows, 0, 3000));
unset($rows, $back, $json);
$p[] = memory_get_usage();
$p[] = memory_get_peak_usage();
echo implode(' ', $p), "\n";
PHP);
$env = ['PATH' => '/usr/bin:/bin', '_' => '/usr/bin/env'];
$run = function (string $bin, array $ini) use ($dir, $script, $env): string {
    $p = proc_open(array_merge([$bin, '-n'], $ini, [$script]), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $dir, $env);
    $out = trim(stream_get_contents($pipes[1])) . trim(stream_get_contents($pipes[2]));
    proc_close($p);
    return $out;
};
$s = $run("$dir/sphp", []);
$f = $run("$dir/fphp", []);
$f0 = $run("$dir/fphp", ['-d', 'zend.mm_observe=0']);
echo "five figures: ", count(explode(' ', $s)) === 5 ? 'yes' : "no ($s)", "\n";
echo "fork, not observing: ", $f === $s ? 'identical' : "differs: $f vs $s", "\n";
echo "fork, zend.mm_observe=0: ", $f0 === $s ? 'identical' : "differs: $f0 vs $s", "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
five figures: yes
fork, not observing: identical
fork, zend.mm_observe=0: identical
