--TEST--
php --mm-report --runs (issue 16, item 5): the newest 200 of many runs, --top N with --page P, --status, --match (script, test or URI), --since and --until (dates and ages), clear errors for bad values
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
mmo_observe(__FILE__, '<?php $a = str_repeat("x", 1000);', $db);
mmo_observe(__FILE__, '<?php $a = []; while (true) { $a[] = str_repeat("y", 1000); }', $db, ['-d', 'memory_limit=2M']);
mmo_observe(__FILE__, '<?php $a = str_repeat("z", 1000);', $db);
/* Known names and times, then 247 more runs like the first (a worker's
 * day), so that there are 250. */
$w = new SQLite3($db);
$w->exec("UPDATE mm_runs SET script = '/srv/app/alpha.php', started_at = '2026-11-30T10:00:00.000Z' WHERE run_id = 1");
$w->exec("UPDATE mm_runs SET script = '/srv/app/beta.php', started_at = '2026-12-01T09:00:00.000Z' WHERE run_id = 2");
$w->exec("UPDATE mm_runs SET script = '/srv/app/alpha.php', started_at = '" . gmdate('Y-m-d\TH:i:s') . ".000Z' WHERE run_id = 3");
$w->exec("CREATE TEMP TABLE t AS SELECT * FROM mm_runs WHERE run_id = 1");
$w->exec("UPDATE t SET run_id = NULL, ring_token = NULL, script = '/srv/app/gamma.php', request_method = 'GET', request_uri = '/api/items'");
for ($i = 0; $i < 247; $i++) {
    $w->exec("INSERT INTO mm_runs SELECT * FROM t");
}
$w->close();

function runs(string $db, array $args): void
{
    $r = mmo_report(array_merge([$db, '--runs'], $args));
    $lines = explode("\n", rtrim($r['out'], "\n"));
    $ids = [];
    foreach ($lines as $l) {
        if (preg_match('/^ *(\d+)  /', $l, $m)) {
            $ids[] = (int) $m[1];
        }
    }
    $last = end($lines);
    echo implode(' ', $args) ?: '(none)', ": status {$r['status']}, ", count($ids), " rows",
        $ids ? ' (' . min($ids) . '..' . max($ids) . ')' : '', "\n  ", $r['out'] === '' ? '(no output)' : (preg_match('/^ *\d+  /', $last) ? '(no footer)' : $last), "\n",
        $r['err'] !== '' ? '  stderr: ' . $r['err'] : '';
}
runs($db, []);
runs($db, ['--top', '10']);
runs($db, ['--top', '100', '--page', '3']);
runs($db, ['--top', '100', '--page', '4']);
runs($db, ['--status', 'oom']);
runs($db, ['--match', 'alpha']);
runs($db, ['--match', '/api/']);
runs($db, ['--since', '2026-12-01', '--until', '2026-12-01T10:00', '--match', 'app']);
runs($db, ['--since', '1h', '--match', 'alpha']);
runs($db, ['--status', 'crashed']);
foreach ([['--status', 'OK; DROP'], ['--since', 'yesterday'], ['--until', '2026-02-30'], ['--page', '2'], ['--match', '']] as $bad) {
    runs($db, $bad);
}
$r = mmo_report([$db, '--status', 'ok']);
echo "--status without --runs: status {$r['status']}, ", $r['err'];
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
(none): status 0, 200 rows (51..250)
  200 run(s) shown of 250, newest first in pages of 200: page 1 of 2; --top N and --page P show others, --status, --match, --since and --until select
--top 10: status 0, 10 rows (241..250)
  10 run(s) shown of 250, newest first in pages of 10: page 1 of 25; --top N and --page P show others, --status, --match, --since and --until select
--top 100 --page 3: status 0, 50 rows (1..50)
  50 run(s) shown of 250, newest first in pages of 100: page 3 of 3; --top N and --page P show others, --status, --match, --since and --until select
--top 100 --page 4: status 0, 0 rows
  page 4 is past the last of the 250 matching run(s) (3 page(s) of 100)
--status oom: status 0, 1 rows (2..2)
  1 run(s) shown of 1 matching (of 250); all of them
--match alpha: status 0, 2 rows (1..3)
  2 run(s) shown of 2 matching (of 250); all of them
--match /api/: status 0, 200 rows (51..250)
  200 run(s) shown of 247 matching (of 250), newest first in pages of 200: page 1 of 2; --top N and --page P show others, --status, --match, --since and --until select
--since 2026-12-01 --until 2026-12-01T10:00 --match app: status 0, 1 rows (2..2)
  1 run(s) shown of 1 matching (of 250); all of them
--since 1h --match alpha: status 0, 1 rows (3..3)
  1 run(s) shown of 1 matching (of 250); all of them
--status crashed: status 0, 0 rows
  no run matches (of 250)
--status OK; DROP: status 1, 0 rows
  (no output)
  stderr: mm-report: --status: 'OK; DROP' is not a run status (ok, crashed, oom, error, running, ...)
--since yesterday: status 1, 0 rows
  (no output)
  stderr: mm-report: --since: 'yesterday' is neither a date (2026-12-01, 2026-12-01T10:30) nor an age (90s, 15m, 6h, 2d)
--until 2026-02-30: status 1, 0 rows
  (no output)
  stderr: mm-report: --until: '2026-02-30' is neither a date (2026-12-01, 2026-12-01T10:30) nor an age (90s, 15m, 6h, 2d)
--page 2: status 1, 0 rows
  (no output)
  stderr: mm-report: --page needs --top N (runs per page)
--match : status 1, 0 rows
  (no output)
  stderr: mm-report: --match: give some text
--status without --runs: status 1, mm-report: --status selects the runs of --runs
