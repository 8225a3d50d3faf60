--TEST--
mm_observe: php --mm-observe=FILE takes FILE as written (quotes, ${VAR}, $X, backslashes, spaces, ';', '=', newlines, non-ASCII), and refuses to run when it could not be applied
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$dir = mmo_path(__FILE__, '.d');
mmo_rmtree($dir);
mkdir($dir);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$code = '<?php echo strlen(ini_get("zend.mm_observe_output")), "\n";';
file_put_contents("$dir/child.php", $code);

/* Runs `php -n ARGS child.php` in $dir (relative paths land there). */
function run_in(string $dir, string $php, array $args): array
{
    $p = proc_open(array_merge([$php, '-n'], $args, ["$dir/child.php"]), [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, $dir, ['HOME' => "$dir/home", 'X' => 'expanded', 'PATH' => getenv('PATH')]);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return ['out' => $out, 'err' => $err, 'status' => proc_close($p)];
}

$names = [
    'double quote'      => 'quote"in.sqlite',
    'quote at the end'  => 'end"',
    '${HOME}'           => '${HOME}.sqlite',
    '$X'                => '$X.sqlite',
    '${X:-fallback}'    => '${X:-fallback}.sqlite',
    'backslash'         => 'back\\slash.sqlite',
    'backslash at end'  => 'trailing\\',
    'backslash quote'   => 'a\\"b.sqlite',
    'spaces'            => '  spaced  out .sqlite',
    'semicolon'         => 'semi;colon.sqlite',
    'single quote'      => "it's.sqlite",
    'equals, pipes'     => 'a=b|c&d~e!f(g).sqlite',
    'braces'            => '{x}[y].sqlite',
    'newline'           => "new\nline.sqlite",
    'quote, newline'    => "q\"\nr.sqlite",
    'quote, CR'         => "q\"\rr.sqlite",
    'non-ASCII'         => "caf\u{e9} \u{65e5}\u{672c}.sqlite",
    'boolean word'      => 'off',
    'number'            => '123',
];
foreach ($names as $what => $name) {
    $r = run_in($dir, $php, ["--mm-observe=$name"]);
    $ok = $r['status'] === 0 && $r['err'] === '' && trim($r['out']) === (string) strlen($name) && is_file("$dir/$name");
    $db = $ok ? mmo_db("$dir/$name") : null;
    $runs = $db ? mmo_value($db, 'SELECT count(*) FROM mm_runs') : 0;
    printf("%-17s %s\n", $what, $ok && $runs === 1 ? 'written exactly there' : "FAILED: " . json_encode($r));
    $db?->close();
    /* The reader leaves -wal and -shm files (a read-only connection). */
    foreach (['', '-wal', '-shm'] as $suffix) {
        @unlink("$dir/$name$suffix");
    }
}
echo "default database made: ", var_export(file_exists("$dir/mm_observe.sqlite"), true), "\n";

/* A malformed -d before the option makes the INI parser drop everything
 * after it: refused, one line on stderr, nothing run, no database. */
$r = run_in($dir, $php, ['-d', 'foo="unterminated', "--mm-observe=lost.sqlite"]);
echo "status ", $r['status'], ", stdout ", json_encode($r['out']), "\n", $r['err'];
/* A later -d overriding the path: also refused. */
$r = run_in($dir, $php, ["--mm-observe=mine\nx.sqlite", '-d', 'zend.mm_observe_output=other.sqlite']);
echo "status ", $r['status'], ", stdout ", json_encode($r['out']), "\n", $r['err'];
$r = run_in($dir, $php, ['--mm-observe', '-d', 'zend.mm_observe=0']);
echo "status ", $r['status'], ", stdout ", json_encode($r['out']), "\n", $r['err'];
echo "files left: ", json_encode(array_values(array_diff(scandir($dir), ['.', '..', 'child.php']))), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
double quote      written exactly there
quote at the end  written exactly there
${HOME}           written exactly there
$X                written exactly there
${X:-fallback}    written exactly there
backslash         written exactly there
backslash at end  written exactly there
backslash quote   written exactly there
spaces            written exactly there
semicolon         written exactly there
single quote      written exactly there
equals, pipes     written exactly there
braces            written exactly there
newline           written exactly there
quote, newline    written exactly there
quote, CR         written exactly there
non-ASCII         written exactly there
boolean word      written exactly there
number            written exactly there
default database made: false
status 1, stdout ""
PHP:  syntax error, %s
php: --mm-observe="lost.sqlite" was not applied (zend.mm_observe%s); nothing was run
status 1, stdout ""
php: --mm-observe="mine\x0ax.sqlite" was not applied (zend.mm_observe_output is another path: a -d option after it overrides it, or one before it is malformed); nothing was run
status 1, stdout ""
php: --mm-observe was not applied (zend.mm_observe is off: a -d option after it overrides it, or one before it is malformed); nothing was run
files left: []
