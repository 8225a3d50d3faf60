--TEST--
php --mm-report: the summary and the top table, by line/site/function/file, every sort, --top, --run/--last, --runs, source lines
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
function build(int $n): array {
    $out = [];
    for ($i = 0; $i < $n; $i++) { $out[] = str_repeat('b', 1000); }
    return $out;
}
$small = build(10);
$big = build(1000);
$kept = str_repeat('k', 50000);
echo count($big), "\n";
PHP;
$r1 = mmo_observe(__FILE__, $code, $db);
$r2 = mmo_observe(__FILE__, str_replace('1000', '2000', $code), $db);
echo $r1['out'], $r2['out'];
/* Figures vary with path lengths; the tables' rows, order and labels are what is checked here (the figures: report_formats.phpt). */
$norm = function (string $s) use ($db, $r1): string {
    $out = [];
    foreach (explode("\n", str_replace([$db, $r1['script']], ['DB', 'SCRIPT'], $s)) as $line) {
        $line = preg_replace('/\d{4}-\d\d-\d\dT[\d:.]+Z/', 'TIME', $line);
        $out[] = str_contains($line, '| ') ? trim($line) : preg_replace(['/(?<![\w.:])\d[\d,.]*(?![\w.])/', '/ +/'], ['N', ' '], trim($line));
    }
    return implode("\n", $out);
};
$r = mmo_report([$db, '--top', '3']);
echo "== default (last run), top 3, status {$r['status']}\n", $norm($r['out']), $r['err'];
foreach ([['--by', 'site'], ['--by', 'function'], ['--by', 'file'], ['--sort', 'count'], ['--sort', 'live'], ['--sort', 'peak']] as $args) {
    $r = mmo_report(array_merge([$db, '--run', '1', '--top', '2'], $args));
    $lines = explode("\n", $norm($r['out']));
    $from = array_search('', $lines);
    echo '== --run 1 ', implode(' ', $args), ", status {$r['status']}\n", implode("\n", array_slice($lines, $from + 1)), $r['err'];
}
$r = mmo_report([$db, '--runs']);
echo "== --runs, status {$r['status']}\n", $norm($r['out']);
$r = mmo_report([$db, '--last', '--top=1']);
echo "== --last --top=1: ", $norm(explode("\n", $r['out'])[0]), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
1000
2000
== default (last run), top 3, status 0
Run N of DB
script SCRIPT (cli, PHP N pid N)
status ok, exit status N
started TIME, duration N ms
memory peak N MiB; allocated N MiB in N blocks; live at the end of the script N MiB, after shutdown N MiB
reallocs N counted in "allocated" by what they grew a block (N MiB in whole new blocks)
GC no runs
paths estimates from blocks sampled every N KiB allocated on average (zend.mm_observe_path_sample_bytes); recursion folded (a caller is on a path once)

Top N lines by allocated bytes
allocated count reallocs live at end peak live line
N MiB N N N MiB N MiB N MiB SCRIPT:4
| for ($i = 0; $i < $n; $i++) { $out[] = str_repeat('b', 2000); }
N KiB N N N KiB N KiB N KiB {startup}
N KiB N N N KiB N KiB N KiB SCRIPT:9
| $kept = str_repeat('k', 50000);
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --by site, status 0
Top N sites by allocated bytes
allocated count reallocs live at end peak live site
N MiB N N N MiB N MiB N MiB SCRIPT:4 build DO_ICALL -> str_repeat()
N KiB N N N KiB N KiB N KiB {startup}
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --by function, status 0
Top N functions by allocated bytes (self: its own lines; incl: with all it called, from the call paths)
self alloc incl alloc count self live incl live incl end incl peak function
N KiB N MiB N N KiB N MiB N MiB N MiB {main} (SCRIPT:0 (compiling))
N MiB N MiB N N MiB N MiB N MiB N MiB build (SCRIPT:4)
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --by file, status 0
Top N files by allocated bytes
allocated count reallocs live at end peak live file
N MiB N N N MiB N MiB N MiB SCRIPT
N KiB N N N KiB N KiB N KiB {startup}
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --sort count, status 0
Top N lines by allocations
allocated count reallocs live at end peak live line
N MiB N N N MiB N MiB N MiB SCRIPT:4
| for ($i = 0; $i < $n; $i++) { $out[] = str_repeat('b', 2000); }
N KiB N N N KiB N KiB N KiB {startup}
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --sort live, status 0
Top N lines by live bytes
allocated count reallocs live at end peak live line
N MiB N N N MiB N MiB N MiB SCRIPT:4
| for ($i = 0; $i < $n; $i++) { $out[] = str_repeat('b', 2000); }
N KiB N N N KiB N KiB N KiB {startup}
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --run 1 --sort peak, status 0
Top N lines by live bytes at the peak
allocated count reallocs live at end peak live line
N MiB N N N MiB N MiB N MiB SCRIPT:4
| for ($i = 0; $i < $n; $i++) { $out[] = str_repeat('b', 2000); }
N KiB N N N KiB N KiB N KiB {startup}
live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --runs, status 0
run started status peak allocated script
N TIME ok N MiB N MiB SCRIPT
N TIME ok N MiB N MiB SCRIPT
== --last --top=1: Run N of DB
