--TEST--
php --mm-report: a database with our application_id whose tables or views are not the ones mm_observe creates (mm_runs a recursive view, a view's SQL changed, a table missing) is refused at once, one line, exit status 1; files untouched
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$d = mmo_path(__FILE__, '.d');
mmo_rmtree($d);
mkdir($d);
$db = "$d/ok.sqlite";
$r = mmo_observe(__FILE__, '<?php $a = str_repeat("x", 5000); echo strlen($a), "\n";', $db);
echo $r['out'], $r['err'];
$forever = 'WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r)';
$cases = [
    'runs_view' => "DROP TABLE mm_runs; CREATE VIEW mm_runs AS $forever SELECT x AS run_id, 1 AS pid, 'cli' AS sapi, 's' AS script,"
        . " '2020-01-01T00:00:00.000Z' AS started_at, NULL AS ended_at, '8.4' AS php_version, 'ok' AS status FROM r",
    'sites_recursive' => "DROP VIEW mm_sites; CREATE VIEW mm_sites AS $forever SELECT x AS run_id FROM r",
    'sites_respaced' => "DROP VIEW mm_sites; CREATE VIEW mm_sites AS SELECT  * FROM mm_site_counters",
    'gc_runs_table' => 'DROP VIEW mm_gc_runs; CREATE TABLE mm_gc_runs (run_id)',
    'no_gc_passes' => 'DROP TABLE mm_gc_passes',
    'upper_case' => 'DROP VIEW mm_sites; CREATE VIEW MM_Sites AS SELECT 1 AS run_id',
    'own_view' => "CREATE VIEW my_runs AS $forever SELECT x FROM r",
];
foreach ($cases as $name => $sql) {
    copy($db, "$d/$name.sqlite");
    $h = new SQLite3("$d/$name.sqlite");
    $h->exec($sql);
    $h->close();
}
$sums = fn() => array_map('md5_file', glob("$d/*.sqlite"));
$before = $sums();
foreach (array_merge(['ok'], array_keys($cases)) as $name) {
    foreach ([[], ['--runs']] as $args) {
        $t = microtime(true);
        $r = mmo_report(array_merge(["$name.sqlite"], $args), $d);
        printf("%s%s => %d (%s s): %s%s\n", $name, $args ? ' ' . implode(' ', $args) : '', $r['status'], microtime(true) - $t < 1 ? 'within 1' : 'over 1',
            substr_count($r['err'], "\n") > 1 ? 'several lines: ' : '', rtrim($r['err']) ?: strtok($r['out'], "\n"));
    }
}
var_dump($sums() === $before);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
5000
ok => 0 (within 1 s): Run 1 of ok.sqlite
ok --runs => 0 (within 1 s):    run  started                   status         peak   allocated  script
runs_view => 1 (within 1 s): mm-report: 'runs_view.sqlite': mm_runs is not mm_observe's table (a view); refusing to read a database that was changed by hand
runs_view --runs => 1 (within 1 s): mm-report: 'runs_view.sqlite': mm_runs is not mm_observe's table (a view); refusing to read a database that was changed by hand
sites_recursive => 1 (within 1 s): mm-report: 'sites_recursive.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
sites_recursive --runs => 1 (within 1 s): mm-report: 'sites_recursive.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
sites_respaced => 1 (within 1 s): mm-report: 'sites_respaced.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
sites_respaced --runs => 1 (within 1 s): mm-report: 'sites_respaced.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
gc_runs_table => 1 (within 1 s): mm-report: 'gc_runs_table.sqlite': mm_gc_runs is not mm_observe's view (a table); refusing to read a database that was changed by hand
gc_runs_table --runs => 1 (within 1 s): mm-report: 'gc_runs_table.sqlite': mm_gc_runs is not mm_observe's view (a table); refusing to read a database that was changed by hand
no_gc_passes => 1 (within 1 s): mm-report: 'no_gc_passes.sqlite': mm_gc_passes is missing; refusing to read a database that was changed by hand
no_gc_passes --runs => 1 (within 1 s): mm-report: 'no_gc_passes.sqlite': mm_gc_passes is missing; refusing to read a database that was changed by hand
upper_case => 1 (within 1 s): mm-report: 'upper_case.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
upper_case --runs => 1 (within 1 s): mm-report: 'upper_case.sqlite': mm_sites is not mm_observe's view (its SQL differs); refusing to read a database that was changed by hand
own_view => 0 (within 1 s): Run 1 of own_view.sqlite
own_view --runs => 0 (within 1 s):    run  started                   status         peak   allocated  script
bool(true)
