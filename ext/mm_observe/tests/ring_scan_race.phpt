--TEST--
mm_observe ring (issue 12): concurrent observed starts next to orphans import each orphan exactly once and print nothing (a race between scanners is silent)
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* Deterministic part: an orphan whose lock another importer holds (this
 * test, as a concurrent scanner would while importing it) is skipped
 * without a word, not reported as "a running process" of a dead pid. */
[$ring] = mmo_orphan(__FILE__, $db);
$held = fopen($ring, 'r');
flock($held, LOCK_EX);
$r = mmo_observe(__FILE__, '<?php echo "while held\n";', $db);
echo $r['out'], "stderr: '", $r['err'], "'\n";
flock($held, LOCK_UN);
fclose($held);
$r = mmo_observe(__FILE__, '<?php echo "after\n";', $db);
echo $r['out'], "stderr: '", $r['err'], "', orphan imported: ", var_export(!file_exists($ring), true), "\n";
$ok = true;
for ($round = 0; $round < 3; $round++) {
    /* Twelve orphans: twelve observed processes alive at once, then killed. */
    $kids = [];
    for ($k = 0; $k < 12; $k++) {
        $kids[] = mmo_start(__FILE__, '<?php $a = str_repeat("o", 999); echo "ready\n"; sleep(60);', $db);
    }
    foreach ($kids as $k => [$p, $pipes]) {
        if (!str_contains(mmo_wait_for($pipes, 'ready'), 'ready')) {
            echo "round $round: child $k ended before it was ready\n";
        }
        posix_kill(proc_get_status($p)['pid'], 9);
        proc_close($p);
    }
    /* Six observed requests start at once next to them. */
    $script = mmo_path(__FILE__, '.child.php');
    file_put_contents("$script.tmp", '<?php echo "hi\n";');
    rename("$script.tmp", $script);
    $procs = [];
    for ($k = 0; $k < 6; $k++) {
        $procs[] = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db", $script],
            [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__) ;
        $procs[$k] = [$procs[$k], $pipes];
    }
    foreach ($procs as [$p, $pipes]) {
        $out = stream_get_contents($pipes[1]);
        $err = stream_get_contents($pipes[2]);
        if ($out !== "hi\n" || $err !== '' || proc_close($p) !== 0) {
            $ok = false;
            echo "round $round: out '$out' err '$err'\n";
        }
    }
    /* What a scanner skipped because another held it is imported by the next one. */
    mmo_observe(__FILE__, '<?php ', $db);
}
echo "every request printed only its output: ", var_export($ok, true), "\n";
$h = mmo_db($db);
echo "crashed runs (each orphan once): ", mmo_value($h, "SELECT count(*) FROM mm_runs WHERE status = 'crashed'"), "\n";
echo "running rows left: ", mmo_value($h, "SELECT count(*) FROM mm_runs WHERE status = 'running'"), "\n";
echo "ok runs: ", mmo_value($h, "SELECT count(*) FROM mm_runs WHERE status = 'ok'"), "\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
while held
stderr: ''
after
stderr: '', orphan imported: true
every request printed only its output: true
crashed runs (each orphan once): 37
running rows left: 0
ok runs: 23
rings left: 0
