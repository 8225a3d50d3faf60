--TEST--
php --mm-report: source lines are read from absolute local paths of regular files only, never through a stream wrapper (ftp://, php://, data:, phar://, glob://) nor from a FIFO
--SKIPIF--
<?php if (!function_exists('posix_mkfifo')) die('skip posix_mkfifo() needed'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/db.sqlite";
$main = "<?php\n";
for ($n = 1; $n <= 8; $n++) {
    file_put_contents("$d/w$n.php", "<?php\n\$GLOBALS['k$n'] = str_repeat('w$n', {$n}000);\n");
    $main .= "include __DIR__ . '/w$n.php';\n";
}
file_put_contents("$d/main.php", $main);
$p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", "$d/main.php"],
    [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
proc_close($p);

/* A server that counts the connections the report makes. */
$server = stream_socket_server('tcp://127.0.0.1:0', $errno, $errstr);
$port = parse_url('tcp://' . stream_socket_get_name($server, false), PHP_URL_PORT);
posix_mkfifo("$d/fifo.php", 0600);
$names = [
    1 => "ftp://127.0.0.1:$port/x.php",
    2 => 'php://stdin',
    3 => 'data://text/plain;base64,' . base64_encode("<?php\nDATA LINE\n"),
    4 => "data:text/plain,<?php%0Adata_line",
    5 => "$d/fifo.php",
    6 => "phar://$d/w6.php/x",
    7 => "glob://$d/*.php",
    /* 8 stays: a plain local file, its line shown. */
];
$h = new SQLite3($db);
$st = $h->prepare('UPDATE mm_strings SET str = :new WHERE str = :old');
foreach ($names as $n => $name) {
    $st->bindValue(':new', $name);
    $st->bindValue(':old', "$d/w$n.php");
    $st->execute();
}
$h->close();

$t = microtime(true);
$r = mmo_report([$db, '--top', '50']);
echo "status {$r['status']}, stderr '{$r['err']}', within 5 s: ", var_export(microtime(true) - $t < 5, true), "\n";
$read = [$server];
$w = $e = null;
echo "connections: ", stream_select($read, $w, $e, 0), "\n";
$lines = explode("\n", str_replace([$d, (string) $port], ['D', 'PORT'], $r['out']));
$shown = [];
foreach ($lines as $i => $line) {
    if (preg_match('/:2$/', $line) && !str_contains($line, 'main.php')) {
        $shown[] = preg_replace('/^.*  (?=\S+:2$)/', '', $line) . (str_contains($lines[$i + 1], '| ') ? ' ' . trim($lines[$i + 1]) : ' (no source line)');
    }
}
sort($shown);
echo implode("\n", $shown), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
status 0, stderr '', within 5 s: true
connections: 0
D/fifo.php:2 (no source line)
D/w8.php:2 | $GLOBALS['k8'] = str_repeat('w8', 8000);
data://text/plain;base64,PD9waHAKREFUQSBMSU5FCg==:2 (no source line)
data:text/plain,<?php%0Adata_line:2 (no source line)
ftp://127.0.0.1:PORT/x.php:2 (no source line)
glob://D/*.php:2 (no source line)
phar://D/w6.php/x:2 (no source line)
php://stdin:2 (no source line)
