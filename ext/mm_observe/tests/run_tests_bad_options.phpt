--TEST--
run-tests.php: bad --mm-* options and databases get exact messages; --MM_LIMITS-- skips on a stock binary; nothing is modified
--SKIPIF--
<?php if (!is_executable(dirname(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, 5) . '/stock/src/sapi/cli/php')) die('skip needs the stock build next to this one (mk/build.sh stock)'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$stock = dirname(realpath(getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY), 5) . '/stock/src/sapi/cli/php';
$dir = mmo_phpt_dir(__FILE__, [
    't.phpt' => "--TEST--\nt\n--FILE--\n<?php echo 1;\n--EXPECT--\n1\n",
    'limits.phpt' => "--TEST--\nwith limits\n--FILE--\n<?php echo 1;\n--MM_LIMITS--\nalloc_bytes <= 1M\n--EXPECT--\n1\n",
]);
file_put_contents("$dir/not-sqlite.sqlite", "hello, this is text\n");
$foreign = new SQLite3("$dir/foreign.sqlite");
$foreign->exec('CREATE TABLE t (x)');
$foreign->close();
symlink("$dir/target.sqlite", "$dir/link.sqlite");
$v1 = new SQLite3("$dir/v1.sqlite");
$v1->exec('PRAGMA application_id = 1835888482; PRAGMA user_version = 1; CREATE TABLE mm_runs (run_id INTEGER PRIMARY KEY)');
$v1->close();
$sums = fn() => array_map(fn($f) => is_link($f) ? 'link' : md5_file($f), glob("$dir/*.sqlite"));
$before = $sums();
$cases = [
    ['--mm-observe'],
    ['--mm-observe='],
    ['--mm-compare-threshold=ten', 't.phpt'],
    ['--mm-compare', 'foreign.sqlite', 't.phpt'],
    ['--mm-observe', 'not-sqlite.sqlite', 't.phpt'],
    ['--mm-observe', 'foreign.sqlite', 't.phpt'],
    ['--mm-observe', 'link.sqlite', 't.phpt'],
    ['--mm-observe', '.', 't.phpt'],
    ['--mm-observe', 'missing/dir/x.sqlite', 't.phpt'],
    ['--mm-observe', 'new.sqlite', '--mm-compare', 'absent.sqlite', 't.phpt'],
    ['--mm-observe', 'new.sqlite', '--mm-compare', 'not-sqlite.sqlite', 't.phpt'],
    ['--mm-observe', 'new.sqlite', '--mm-compare', 'foreign.sqlite', 't.phpt'],
    ['--mm-observe', 'new.sqlite', '--mm-compare', 'v1.sqlite', 't.phpt'],
];
foreach ($cases as $args) {
    $r = mmo_run_tests($dir, $args);
    $lines = explode("\n", trim($r['out']));
    echo implode(' ', $args), "\n  => status {$r['status']}: ", str_replace($dir . '/', '', end($lines)), "\n";
}
$r = mmo_run_tests($dir, ['--mm-observe', 'new.sqlite', 't.phpt'], $stock);
$lines = explode("\n", trim($r['out']));
echo "stock binary --mm-observe\n  => status {$r['status']}: ", preg_replace('/\(\S+\)/', '(STOCK)', end($lines)), "\n";
$r = mmo_run_tests($dir, ['limits.phpt'], $stock);
preg_match('/^SKIP .*$/m', $r['out'], $m);
echo "stock binary, --MM_LIMITS--\n  => status {$r['status']}: {$m[0]}\n";
var_dump($sums() === $before, file_exists("$dir/new.sqlite"), file_exists("$dir/target.sqlite"));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
--mm-observe
  => status 1: ERROR: --mm-observe needs a value, e.g. --mm-observe=FILE.sqlite
--mm-observe=
  => status 1: ERROR: --mm-observe: the path is empty
--mm-compare-threshold=ten t.phpt
  => status 1: ERROR: --mm-compare-threshold: 'ten' is not a percentage, e.g. --mm-compare-threshold=10
--mm-compare foreign.sqlite t.phpt
  => status 1: ERROR: --mm-compare needs --mm-observe: the figures to compare are recorded by this run
--mm-observe not-sqlite.sqlite t.phpt
  => status 1: ERROR: --mm-observe: 'not-sqlite.sqlite' is not a SQLite database
--mm-observe foreign.sqlite t.phpt
  => status 1: ERROR: --mm-observe: 'foreign.sqlite' is not an mm_observe report database (application_id 0x00000000)
--mm-observe link.sqlite t.phpt
  => status 1: ERROR: --mm-observe: 'link.sqlite' is a symbolic link; refusing to follow it
--mm-observe . t.phpt
  => status 1: ERROR: --mm-observe: '.' is not a regular file
--mm-observe missing/dir/x.sqlite t.phpt
  => status 1: ERROR: --mm-observe: cannot create 'missing/dir/x.sqlite': directory 'missing/dir' is missing or not writable
--mm-observe new.sqlite --mm-compare absent.sqlite t.phpt
  => status 1: ERROR: --mm-compare: 'absent.sqlite' does not exist
--mm-observe new.sqlite --mm-compare not-sqlite.sqlite t.phpt
  => status 1: ERROR: --mm-compare: 'not-sqlite.sqlite' is not a SQLite database
--mm-observe new.sqlite --mm-compare foreign.sqlite t.phpt
  => status 1: ERROR: --mm-compare: 'foreign.sqlite' is not an mm_observe report database (application_id 0x00000000)
--mm-observe new.sqlite --mm-compare v1.sqlite t.phpt
  => status 1: ERROR: --mm-compare: 'v1.sqlite' has schema version 1, which records no test runs (run-tests.php --mm-observe writes version 2 or later)
stock binary --mm-observe
  => status 1: ERROR: --mm-observe: the tested binary (STOCK) was built without --enable-mm-observe
stock binary, --MM_LIMITS--
  => status 0: SKIP with limits [limits.phpt] reason: mm_observe: --MM_LIMITS-- needs a PHP built with --enable-mm-observe
bool(true)
bool(false)
bool(false)
