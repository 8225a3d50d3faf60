--TEST--
php --mm-report: control bytes, C1 controls and bytes that are not UTF-8 in recorded names (files, functions, labels, URIs, tests) reach no output raw
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/db.sqlite";
/* A file whose name sets the terminal's title, returns, and is not UTF-8;
 * a function whose name holds CSI (U+009B); labels that clear the screen. */
$evil = "$d/a\x1b]0;pwned\x07\r\n\xff;b.php";
file_put_contents($evil, "<?php\nfunction g\xc2\x9bx() { return str_repeat('g', 5000); }\n\$GLOBALS['kept'] = g\xc2\x9bx();\n");
$code = "<?php\nmm_observe_snapshot(\"start\\x1b[2J\");\ninclude \$argv[1];\n\$more = str_repeat('m', 3000);\nmm_observe_snapshot(\"end\\x07\\xc2\\x85\\xfe\");\n";
for ($i = 0; $i < 2; $i++) {
    file_put_contents("$d/main.php", $i ? str_replace('3000', '6000', $code) : $code);
    /* The file is passed by its name relative to the working directory, so
     * the arguments --runs shows (cut at 100 bytes) do not depend on where
     * the tests run. */
    $p = proc_open([realpath(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY), '-n', '-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_path_sample_bytes=0', '-d', "zend.mm_observe_output=$db", "$d/main.php", basename($evil)],
        [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $d);
    echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
    proc_close($p);
}
$h = new SQLite3($db);
$st = $h->prepare('UPDATE mm_runs SET request_method = ?, request_uri = ?, test_path = ?, test_title = ?, test_result = ? WHERE run_id = 2');
foreach (["GET\x1b[1m", "/x\x1b[2J\x1b[H\x9b6n", "t\x08.phpt", "title\x7f", "PASS\x00!"] as $i => $v) {
    $st->bindValue($i + 1, $v, SQLITE3_TEXT);
}
$st->execute();
$h->close();

$raw = '/[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]/';
$cases = [
    [], ['--by', 'site'], ['--by', 'function'], ['--by', 'file'], ['--runs'], ['--snapshots'], ['--growth'], ['--diff', '1', '2'],
    ['--format', 'csv'], ['--format', 'collapsed'], ['--format', 'callgrind'], ['--format', 'html'], ['--format', 'json'],
    ['--snapshots', '--format', 'csv'], ['--snapshots', '--format', 'json'], ['--growth', '--format', 'json'], ['--diff', '1', '2', '--format', 'json'],
];
foreach ($cases as $args) {
    $r = mmo_report(array_merge([$db, '--top', '50'], $args));
    $out = $r['out'];
    printf("%-30s status %d, raw control bytes %d, UTF-8 %s, stderr '%s'\n", implode(' ', $args) ?: '(table)', $r['status'],
        preg_match_all($raw, $out), var_export(mb_check_encoding($out, 'UTF-8'), true), $r['err']);
    if (in_array('json', $args, true)) {
        echo '  valid JSON: ', var_export(json_decode($out) !== null, true), "\n";
    }
}
/* What the names look like. */
$show = fn(array $args, string $needle) => implode("\n", array_map(fn($l) => '  ' . trim(str_replace($d, 'D', $l)),
    preg_grep('/' . preg_quote($needle, '/') . '/', explode("\n", mmo_report(array_merge([$db], $args))['out'])))) . "\n";
echo $show(['--by', 'site', '--top', '50'], 'g\u{9b}x');
echo $show(['--runs'], 'GET');
echo $show(['--snapshots'], 'start');
echo $show(['--snapshots'], 'end');
echo $show([], 'request');
echo $show([], 'test ');
echo $show(['--format', 'collapsed'], 'str_repeat()');
echo $show(['--format', 'callgrind'], 'pwned');
preg_match('/<title>snapshot 1: [^<]*<\/title>/', mmo_report([$db, '--format', 'html'])['out'], $m);
echo '  ', $m[0], "\n";
$j = json_decode(mmo_report([$db, '--snapshots', '--format', 'json'])['out'], true);
echo '  json label: ', json_encode($j['snapshots'][1]['label']), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
(table)                        status 0, raw control bytes 0, UTF-8 true, stderr ''
--by site                      status 0, raw control bytes 0, UTF-8 true, stderr ''
--by function                  status 0, raw control bytes 0, UTF-8 true, stderr ''
--by file                      status 0, raw control bytes 0, UTF-8 true, stderr ''
--runs                         status 0, raw control bytes 0, UTF-8 true, stderr ''
--snapshots                    status 0, raw control bytes 0, UTF-8 true, stderr ''
--growth                       status 0, raw control bytes 0, UTF-8 true, stderr ''
--diff 1 2                     status 0, raw control bytes 0, UTF-8 true, stderr ''
--format csv                   status 0, raw control bytes 0, UTF-8 true, stderr ''
--format collapsed             status 0, raw control bytes 0, UTF-8 true, stderr ''
--format callgrind             status 0, raw control bytes 0, UTF-8 true, stderr ''
--format html                  status 0, raw control bytes 0, UTF-8 true, stderr ''
--format json                  status 0, raw control bytes 0, UTF-8 true, stderr ''
  valid JSON: true
--snapshots --format csv       status 0, raw control bytes 0, UTF-8 true, stderr ''
--snapshots --format json      status 0, raw control bytes 0, UTF-8 true, stderr ''
  valid JSON: true
--growth --format json         status 0, raw control bytes 0, UTF-8 true, stderr ''
  valid JSON: true
--diff 1 2 --format json       status 0, raw control bytes 0, UTF-8 true, stderr ''
  valid JSON: true
  %s  D/a\x1b]0;pwned\x07\r\n\xff;b.php:2  g\u{9b}x DO_ICALL -> str_repeat()
  2  %s  ok  %s  t\x08.phpt (GET\x1b[1m /x\x1b[2J\x1b[H\x9b6n) 'a\x1b]0;pwned\x07\r\n\xff;b.php'
  1  %s  start\x1b[2J
  2  %s  end\x07\u{85}\xfe
  request   GET\x1b[1m /x\x1b[2J\x1b[H\x9b6n
  test      t\x08.phpt: title\x7f [PASS]
  {main} (main.php:3);{main} (a\x1b]0:pwned\x07\r\n\xff:b.php:3);g\u{9b}x (a\x1b]0:pwned\x07\r\n\xff:b.php:2);str_repeat() %d
  {main} (main.php:4);str_repeat() %d
  cfl=(%d) D/a\x1b]0;pwned\x07\r\n\xff;b.php
  <title>snapshot 1: start\x1b[2J (at %s ms, usage %s)</title>
  json label: "end\u0007\u0085\ufffd"
