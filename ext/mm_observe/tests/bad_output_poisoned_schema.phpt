--TEST--
mm_observe (issue 12): a database of ours whose mm_runs is a (recursive) view, or that carries a trigger, is refused and left untouched; the script runs
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$r = mmo_observe(__FILE__, '<?php echo "first\n";', $db);
echo $r['out'], $r['err'];
$poison = [
    'mm_runs is a recursive view' => 'ALTER TABLE mm_runs RENAME TO mm_runs_real; CREATE VIEW mm_runs AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) SELECT x AS run_id FROM r;',
    'a trigger on mm_runs' => 'CREATE TABLE spy (x); CREATE TRIGGER t AFTER INSERT ON mm_runs BEGIN INSERT INTO spy VALUES (new.script); END;',
];
foreach ($poison as $what => $sql) {
    $copy = mmo_path(__FILE__, '.db');
    @unlink($copy);
    copy($db, $copy);
    $h = new SQLite3($copy);
    $h->exec($sql);
    $h->close();
    $before = md5_file($copy);
    $t0 = microtime(true);
    $r = mmo_run(__FILE__, '<?php echo "script output\n";', ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$copy"]);
    echo "$what: ", $r['out'], str_replace($copy, 'PATH', $r['err']), "exit ", $r['status'], ", untouched: ",
        var_export(md5_file($copy) === $before, true), ", quick: ", var_export(microtime(true) - $t0 < 5, true), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
first
mm_runs is a recursive view: script output
Warning: mm_observe: report database 'PATH': has objects mm_observe never creates (0 trigger(s), 1 of its tables replaced by views or indexes); left untouched
exit 0, untouched: true, quick: true
a trigger on mm_runs: script output
Warning: mm_observe: report database 'PATH': has objects mm_observe never creates (1 trigger(s), 0 of its tables replaced by views or indexes); left untouched
exit 0, untouched: true, quick: true
