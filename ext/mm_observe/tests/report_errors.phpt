--TEST--
php --mm-report: exact messages and exit status 1 for bad databases, unknown runs and bad options; files untouched
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/ok.sqlite";
mmo_observe(__FILE__, '<?php echo "x";', $db);
touch("$d/empty.sqlite");
file_put_contents("$d/text.sqlite", "not a database\n");
$h = new SQLite3("$d/foreign.sqlite"); $h->exec('CREATE TABLE t (x)'); $h->close();
$h = new SQLite3("$d/newer.sqlite"); $h->exec('PRAGMA application_id = 1835888482; PRAGMA user_version = 99; CREATE TABLE mm_runs (run_id INTEGER PRIMARY KEY)'); $h->close();
$h = new SQLite3("$d/v1.sqlite"); $h->exec('PRAGMA application_id = 1835888482; PRAGMA user_version = 1; CREATE TABLE mm_runs (run_id INTEGER PRIMARY KEY)'); $h->close();
/* Our schema, no runs: the run's rows deleted from a copy. */
copy($db, "$d/norun.sqlite");
$h = new SQLite3("$d/norun.sqlite"); $h->exec('DELETE FROM mm_site_counters; DELETE FROM mm_runs'); $h->close();
mkdir("$d/ro");
$sums = fn() => array_map('md5_file', glob("$d/*.sqlite"));
$before = $sums();
$cases = [
    [],
    ['missing.sqlite'],
    ['.'],
    ['empty.sqlite'],
    ['text.sqlite'],
    ['foreign.sqlite'],
    ['newer.sqlite'],
    ['v1.sqlite'],
    ['norun.sqlite'],
    ['ok.sqlite', '--run', '7'],
    ['ok.sqlite', '--run', 'x'],
    ['ok.sqlite', '--top', '0'],
    ['ok.sqlite', '--by', 'opcode'],
    ['ok.sqlite', '--sort', 'size'],
    ['ok.sqlite', '--format', 'xml'],
    ['ok.sqlite', '--frobnicate'],
    ['ok.sqlite', '--run'],
    ['ok.sqlite', 'other.sqlite'],
    ['ok.sqlite', '--diff', '1'],
    ['ok.sqlite', '--diff', '1', '1', '--format', 'pprof'],
    ['ok.sqlite', '--diff', '1', '2'],
    ['ok.sqlite', '--output', 'missing/dir/out.txt'],
    ['ok.sqlite', '--help'],
];
foreach ($cases as $args) {
    $r = mmo_report($args, $d);
    echo implode(' ', $args) ?: '(no arguments)', "\n  => {$r['status']}: ", strtok($r['err'], "\n"), $r['out'] === '' ? '' : ' [stdout not empty]', "\n";
}
var_dump($sums() === $before);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
(no arguments)
  => 1: mm-report: no database given (see php --mm-report --help)
missing.sqlite
  => 1: mm-report: 'missing.sqlite': no such file
.
  => 1: mm-report: '.' is not a regular file
empty.sqlite
  => 1: mm-report: 'empty.sqlite' is empty: no runs recorded
text.sqlite
  => 1: mm-report: 'text.sqlite' is not a SQLite database
foreign.sqlite
  => 1: mm-report: 'foreign.sqlite' is not an mm_observe report database (application_id 0x00000000)
newer.sqlite
  => 1: mm-report: 'newer.sqlite' has schema version 99; this PHP reads up to version 7
v1.sqlite
  => 1: mm-report: 'v1.sqlite' has schema version 1; record one run with this PHP to upgrade it in place
norun.sqlite
  => 1: mm-report: 'norun.sqlite' has no runs
ok.sqlite --run 7
  => 1: mm-report: 'ok.sqlite' has no run 7 (it has 1 run(s), ids 1 to 1)
ok.sqlite --run x
  => 1: mm-report: --run: 'x' is not a positive integer
ok.sqlite --top 0
  => 1: mm-report: --top: '0' is not a positive integer
ok.sqlite --by opcode
  => 1: mm-report: --by: 'opcode' is not one of line, site, function, file, uri, path, script
ok.sqlite --sort size
  => 1: mm-report: --sort: 'size' is not one of alloc, live, leak, peak, count
ok.sqlite --format xml
  => 1: mm-report: --format: 'xml' is not one of table, json, csv, collapsed, pprof, callgrind, html
ok.sqlite --frobnicate
  => 1: mm-report: unknown option '--frobnicate' (see php --mm-report --help)
ok.sqlite --run
  => 1: mm-report: --run needs a value (see php --mm-report --help)
ok.sqlite other.sqlite
  => 1: mm-report: one database at a time: 'ok.sqlite' and 'other.sqlite'
ok.sqlite --diff 1
  => 1: mm-report: --diff needs two runs, e.g. --diff 3 7
ok.sqlite --diff 1 1 --format pprof
  => 1: mm-report: --diff writes table, json or csv, not pprof
ok.sqlite --diff 1 2
  => 1: mm-report: 'ok.sqlite' has no run 2 (it has 1 run(s), ids 1 to 1)
ok.sqlite --output missing/dir/out.txt
  => 1: mm-report: cannot write 'missing/dir/out.txt': file_put_contents(missing/dir/out.txt): Failed to open stream: No such file or directory
ok.sqlite --help
  => 0:  [stdout not empty]
bool(true)
