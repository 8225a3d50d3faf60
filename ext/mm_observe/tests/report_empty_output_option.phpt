--TEST--
php --mm-report: every bad option (empty --output, a directory, bad numbers, missing values, '=' on a flag) is one line on stderr and exit status 1
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
mkdir("$d/dir");
$db = "$d/ok.sqlite";
$r = mmo_observe(__FILE__, '<?php echo "x\n";', $db);
echo $r['out'], $r['err'];
$cases = [
    ['-o', ''], ['--output='], ['--output', ''], ['-o', 'dir'], ['--output=dir', '--format', 'json'],
    ['--top', 'abc'], ['--top', '-1'], ['--top=-1'], ['--top', '99999999999999999999'], ['--top', '1.5'], ['--top'],
    ['--run', '-3'], ['--run', ''], ['--diff', 'x', 'y'], ['--diff', '1', '-2'], ['--diff=1', '1'], ['--diff'],
    ['--growth', '1'], ['--growth', '1', 'x'], ['--runs=yes'], ['--snapshots=1'], ['--help=1'], ['--by'], ['--by='],
    ['--format', ''], ['--sort', 'alloc', '--frobnicate'], ['-x'], ['-'],
];
foreach ($cases as $args) {
    $r = mmo_report(array_merge(['ok.sqlite'], $args), $d);
    printf("%s\n  => %d, %d line(s): %s%s\n", implode(' ', array_map(fn($a) => $a === '' ? "''" : $a, $args)), $r['status'],
        substr_count($r['err'], "\n"), rtrim($r['err']), $r['out'] === '' ? '' : ' [stdout not empty]');
}
echo "no file written: ", var_export(scandir("$d/dir") === ['.', '..'] && !file_exists("$d/-1"), true), "\n";
$r = mmo_cli(['--mm-top', '1', '--interval', '1e300']);
echo "mm-top --interval 1e300 => {$r['status']}: ", rtrim($r['err']), "\n";
$r = mmo_cli(['--mm-top', '1', '--top', '99999999999999999999']);
echo "mm-top --top 99999999999999999999 => {$r['status']}: ", rtrim($r['err']), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
x
-o ''
  => 1, 1 line(s): mm-report: --output: give a file name
--output=
  => 1, 1 line(s): mm-report: --output: give a file name
--output ''
  => 1, 1 line(s): mm-report: --output: give a file name
-o dir
  => 1, 1 line(s): mm-report: cannot write 'dir': file_put_contents(dir): Failed to open stream: Is a directory
--output=dir --format json
  => 1, 1 line(s): mm-report: cannot write 'dir': file_put_contents(dir): Failed to open stream: Is a directory
--top abc
  => 1, 1 line(s): mm-report: --top: 'abc' is not a positive integer
--top -1
  => 1, 1 line(s): mm-report: --top: '-1' is not a positive integer
--top=-1
  => 1, 1 line(s): mm-report: --top: '-1' is not a positive integer
--top 99999999999999999999
  => 1, 1 line(s): mm-report: --top: '99999999999999999999' is not a positive integer
--top 1.5
  => 1, 1 line(s): mm-report: --top: '1.5' is not a positive integer
--top
  => 1, 1 line(s): mm-report: --top needs a value (see php --mm-report --help)
--run -3
  => 1, 1 line(s): mm-report: --run: '-3' is not a positive integer
--run ''
  => 1, 1 line(s): mm-report: --run: '' is not a positive integer
--diff x y
  => 1, 1 line(s): mm-report: --diff: 'x' is not a positive integer
--diff 1 -2
  => 1, 1 line(s): mm-report: --diff: '-2' is not a positive integer
--diff=1 1
  => 1, 1 line(s): mm-report: --diff takes no '=' value (see php --mm-report --help)
--diff
  => 1, 1 line(s): mm-report: --diff needs two runs, e.g. --diff 3 7
--growth 1
  => 1, 1 line(s): mm-report: --growth takes two snapshots or none, e.g. --growth 1 5
--growth 1 x
  => 1, 1 line(s): mm-report: --growth takes two snapshots or none, e.g. --growth 1 5
--runs=yes
  => 1, 1 line(s): mm-report: --runs takes no '=' value (see php --mm-report --help)
--snapshots=1
  => 1, 1 line(s): mm-report: --snapshots takes no '=' value (see php --mm-report --help)
--help=1
  => 1, 1 line(s): mm-report: --help takes no '=' value (see php --mm-report --help)
--by
  => 1, 1 line(s): mm-report: --by needs a value (see php --mm-report --help)
--by=
  => 1, 1 line(s): mm-report: --by: '' is not one of line, site, function, file, uri, path, script
--format ''
  => 1, 1 line(s): mm-report: --format: '' is not one of table, json, csv, collapsed, pprof, callgrind, html
--sort alloc --frobnicate
  => 1, 1 line(s): mm-report: unknown option '--frobnicate' (see php --mm-report --help)
-x
  => 1, 1 line(s): mm-report: unknown option '-x' (see php --mm-report --help)
-
  => 1, 1 line(s): mm-report: unknown option '-' (see php --mm-report --help)
no file written: true
mm-top --interval 1e300 => 1: mm-top: unknown or incomplete option '--interval' (see php --mm-top --help)
mm-top --top 99999999999999999999 => 1: mm-top: unknown or incomplete option '--top' (see php --mm-top --help)
