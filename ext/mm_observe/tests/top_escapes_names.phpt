--TEST--
php --mm-top and php --mm-import: control bytes, C1 controls and bytes that are not UTF-8 in names from a ring (script, files, functions, the database's path) are escaped
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/db\x1b[2J.sqlite";
$script = "$d/s\x1b]0;pwned\x07\r\n\xff.php";
file_put_contents($script, "<?php\nfunction g\xc2\x9bx() { return str_repeat('g', 50000); }\n\$k = g\xc2\x9bx();\necho \"ready\\n\";\nfgets(STDIN);\n");
$p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", $script],
    [0 => ['pipe', 'r'], 1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
$raw = '/[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/';
$r = mmo_cli(['--mm-top', (string) $pid, '--once', '--top', '5']);
echo "mm-top: status {$r['status']}, raw control bytes ", preg_match_all($raw, $r['out'] . $r['err']), ", UTF-8 ",
    var_export(mb_check_encoding($r['out'], 'UTF-8'), true), "\n";
foreach (explode("\n", $r['out']) as $i => $line) {
    if ($i === 0 || str_contains($line, 'str_repeat')) {
        echo '  ', preg_replace(['/^pid \d+/', '/running [\d.]+ s/', '/ +/'], ['pid PID', 'running T s', ' '], str_replace($d, 'D', $line)), "\n";
    }
}
/* Killed: its ring imported by --mm-import, which names the database. */
posix_kill($pid, 9);
proc_close($p);
$r = mmo_cli(['--mm-import', "$db.$pid.mmring"]);
echo "mm-import: status {$r['status']}, raw control bytes ", preg_match_all($raw, $r['out'] . $r['err']), "\n  ",
    str_replace([$d, (string) $pid], ['D', 'PID'], trim($r['out'] . $r['err'])), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
mm-top: status 0, raw control bytes 0, UTF-8 true
  pid PID recording D/s\x1b]0;pwned\x07\r\n\xff.php running T s run 1 in D/db\x1b[2J.sqlite
   52.0 KiB - 1 52.0 KiB D/s\x1b]0;pwned\x07\r\n\xff.php:2 g\u{9b}x DO_ICALL str_repeat()
   | function g\u{9b}x() { return str_repeat('g', 50000); }
mm-import: status 0, raw control bytes 0
  mm-import: 'D/db\x1b[2J.sqlite.PID.mmring' imported as run 1 of 'D/db\x1b[2J.sqlite' (status 'crashed')
