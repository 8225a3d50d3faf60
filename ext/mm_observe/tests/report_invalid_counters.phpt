--TEST--
php --mm-report: rows with negative, absurd (2^63 - 1), non-integer, text or NULL figures, unknown kinds and statuses are left out of every report and said once on stderr; no crash, no warning
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/db.sqlite";
$code = <<<'PHP'
<?php
function a() { return str_repeat('a', 10000); }
function b() { return str_repeat('b', 20000); }
function c() { return str_repeat('c', 30000); }
function d() { return str_repeat('d', 40000); }
$x = [a(), b(), c(), d()];
$o = new stdClass; $o->self = $o; unset($o); gc_collect_cycles();
mm_observe_snapshot('one');
$y = str_repeat('y', 50000);
mm_observe_snapshot('two');
echo "done\n";
PHP;
file_put_contents("$d/s.php", $code);
for ($i = 0; $i < 2; $i++) {
    $p = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
        '-d', 'zend.mm_observe_sample_bytes=16K', '-d', 'zend.mm_observe_path_sample_bytes=0', "$d/s.php"], [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes);
    echo stream_get_contents($pipes[1]), stream_get_contents($pipes[2]);
    proc_close($p);
}
$h = new SQLite3($db);
$h->enableExceptions(true);
/* The same table without NOT NULL, so a NULL can go in (the views see it under the same name). */
$h->exec('CREATE TABLE old_counters AS SELECT * FROM mm_site_counters; DROP TABLE mm_site_counters;
    CREATE TABLE mm_site_counters AS SELECT * FROM old_counters; DROP TABLE old_counters');
$site = fn(int $line) => "run_id = 1 AND line = $line AND callee_id = (SELECT str_id FROM mm_strings WHERE str = 'str_repeat')";
$h->exec("UPDATE mm_site_counters SET alloc_bytes = -5 WHERE {$site(2)};
    UPDATE mm_site_counters SET alloc_count = 9223372036854775807, alloc_bytes = 9223372036854775807 WHERE {$site(3)};
    UPDATE mm_site_counters SET live_bytes = 'abc' WHERE {$site(4)};
    UPDATE mm_site_counters SET alloc_bytes = NULL WHERE {$site(5)};
    UPDATE mm_site_counters SET kind = 'alien', peak_live_bytes = 1.5 WHERE run_id = 1 AND line = 6 AND kind = 'vm';
    UPDATE mm_runs SET peak_usage = 'lots', pid = -3, exit_status = 1e300, status = 'weird', flushes = 9223372036854775807 WHERE run_id = 1;
    UPDATE mm_gc_passes SET total_ns = -1 WHERE run_id = 1;
    UPDATE mm_snapshots SET t_ns = 'x' WHERE run_id = 1 AND snapshot_id = 1;
    UPDATE mm_samples SET usage = 9223372036854775807 WHERE run_id = 1 AND seq = 1;
    UPDATE mm_site_counters SET alloc_bytes = -9223372036854775808 WHERE run_id = 2 AND line = 2;");
$h->close();

$cases = [
    [], ['--by', 'site'], ['--by', 'function'], ['--by', 'file'], ['--sort', 'live'], ['--format', 'json'], ['--format', 'csv'],
    ['--format', 'collapsed'], ['--format', 'pprof'], ['--format', 'callgrind'], ['--format', 'html'], ['--runs'], ['--diff', '1', '2'],
    ['--diff', '2', '1', '--format', 'json'], ['--snapshots'], ['--run', '2', '--growth'],
];
foreach ($cases as $args) {
    $r = mmo_report(array_merge([$db, '--run', '1'], $args));
    printf("%s => %d, stdout %s%s\n%s", implode(' ', $args) ?: '(table)', $r['status'], $r['out'] === '' ? 'empty' : 'written',
        preg_match('/(Warning|Deprecated|Notice|Fatal error|Stack trace)/', $r['out'] . $r['err']) ? ', PHP ERROR' : '', $r['err']);
}
echo "== the table of run 1\n";
$r = mmo_report([$db, '--run', '1', '--top', '10']);
/* Figures vary with path lengths: the rows and the words are checked (the lines, source and skipped figures are what matters). */
$norm = fn(string $s) => preg_replace(['/^  (started|script) .*\n/m', '/\d{4}-\d\d-\d\dT[\d:.]+Z/', '/(?<![\w.:])\d[\d,.]*(?! \w+\))(?![\w.])/', '/ +/'],
    ['', 'TIME', 'N', ' '], str_replace([$db, "$d/"], ['DB', ''], $s));
echo $norm($r['out']);
echo "== --runs\n";
echo $norm(mmo_report([$db, '--runs'])['out']);
$j = json_decode(mmo_report([$db, '--run', '1', '--format', 'json'])['out'], true);
echo "json: peak_usage ", var_export($j['run']['peak_usage'], true), ", pid ", var_export($j['run']['pid'], true), ", status {$j['run']['status']}, ",
    "snapshots {$j['run']['snapshots']}, gc_runs {$j['run']['gc_runs']}, alloc_bytes is an int: ", var_export(is_int($j['run']['alloc_bytes']), true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
done
done
(table) => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--by site => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--by function => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--by file => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--sort live => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format json => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format csv => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format collapsed => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format pprof => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format callgrind => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--format html => 0, stdout written
mm-report: skipped 9 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1, mm_path_counters: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--runs => 0, stdout written
mm-report: skipped 5 row(s) of run 1 that are not valid (mm_sites: 5; figures must be integers within +-2^53, names text)
mm-report: skipped 1 row(s) of run 2 that are not valid (mm_sites: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: peak_usage)
--diff 1 2 => 0, stdout written
mm-report: skipped 8 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1; figures must be integers within +-2^53, names text)
mm-report: skipped 1 row(s) of run 2 that are not valid (mm_sites: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--diff 2 1 --format json => 0, stdout written
mm-report: skipped 8 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1; figures must be integers within +-2^53, names text)
mm-report: skipped 1 row(s) of run 2 that are not valid (mm_sites: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--snapshots => 0, stdout written
mm-report: skipped 8 row(s) of run 1 that are not valid (mm_sites: 5, mm_gc_runs: 1, mm_snapshots: 1, mm_samples: 1; figures must be integers within +-2^53, names text)
mm-report: left out figures of run 1 that are not valid (mm_runs: pid, peak_usage, exit_status, flushes)
--run 2 --growth => 0, stdout written
mm-report: skipped 1 row(s) of run 2 that are not valid (mm_sites: 1; figures must be integers within +-2^53, names text)
== the table of run 1
Run N of DB
 status weird, exit status -
 memory peak N B; allocated N KiB in N blocks; live at the end of the script N KiB, after shutdown N KiB
 reallocs N counted in "allocated" by what they grew a block (N KiB in whole new blocks)
 GC no runs
 ring N sample(s); N snapshot(s)
 paths exact (every block); recursion folded (a caller is on a path once)

Top N lines by allocated bytes
 allocated count reallocs live at end peak live line
 N KiB N N N KiB N KiB N KiB {startup}
 N KiB N N N KiB N KiB N KiB s.php:9
 | $y = str_repeat('y', N);
 N KiB N N N KiB N KiB N KiB s.php:0 (compiling)
 N B N N N B N B N B s.php:7
 | $o = new stdClass; $o->self = $o; unset($o); gc_collect_cycles();
 N B N N N B N B N B s.php:11
 | echo "done\n";
 live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches)
 allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)
== --runs
 run started status peak allocated script
 N TIME weird N B N KiB s.php
 N TIME ok N KiB N KiB s.php
json: peak_usage NULL, pid NULL, status weird, snapshots 1, gc_runs 0, alloc_bytes is an int: true
