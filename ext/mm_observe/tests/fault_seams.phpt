--TEST--
mm_observe fault seams (issue 12): every mmap, ftruncate, posix_fallocate, pwrite, link, flock and SQLite step of an observed request fails in turn (once, then from there on): the script's output and exit status never change, and each run is in the database exactly once (written, or kept in a ring that imports)
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$a = str_repeat("a", 4321);
$o = new stdClass; $o->self = $o; unset($o); gc_collect_cycles();
mm_observe_flush();
mm_observe_snapshot("s");
$b = str_repeat("b", 1234);
echo "output\n";
exit(3);
PHP;
file_put_contents(mmo_path(__FILE__, '.child.php'), $code);
$run = function (string $tag, array $env) use ($db) {
    $cmd = [getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$db",
        '-d', "zend.mm_observe_run_tag=$tag", mmo_path(__FILE__, '.child.php')];
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, __DIR__, $env + ['PATH' => getenv('PATH')]);
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    return ['out' => $out, 'err' => $err, 'status' => proc_close($p)];
};
/* The database exists (schema made) and holds a run that must survive. */
$run('before', []);
$r = $run('count', ['MM_OBSERVE_FAULT_LOG' => '1']);
preg_match_all('/mm_observe fault seam (\d+): (\w+)/', $r['err'], $m, PREG_SET_ORDER);
$seams = [];
foreach ($m as [, $n, $kind]) { $seams[(int) $n] = $kind; }
$kinds = array_count_values($seams);
ksort($kinds);
echo "seam kinds on the path: ", implode(', ', array_keys($kinds)), "\n";
echo "more than 20 seams: ", var_export(count($seams) > 20, true), "\n";

$plans = [];
foreach ($seams as $n => $kind) {
    $plans[] = ["t$n", (string) $n, $kind];
}
/* Persistent: from the first seam of each kind on, everything fails. */
foreach (array_unique($seams) as $kind) {
    $n = array_search($kind, $seams, true);
    $plans[] = ["p$n", "$n+", $kind];
}
$bad = [];
$unobserved = 0;
foreach ($plans as [$tag, $fault, $kind]) {
    $r = $run($tag, ['MM_OBSERVE_FAULT' => $fault]);
    if ($r['out'] !== "output\n" || $r['status'] !== 3) {
        $bad[] = "$tag ($kind): output '{$r['out']}' status {$r['status']}";
    }
    foreach (glob("$db.*.mmring") as $ring) {
        $i = mmo_cli(['--mm-import', $ring]);
        if ($i['status'] !== 0) {
            $bad[] = "$tag ($kind): import: {$i['out']}{$i['err']}";
        }
    }
    $h = mmo_db($db);
    $rows = mmo_rows($h, "SELECT status FROM mm_runs WHERE run_tag = ?", [$tag]);
    $h->close();
    if (!$rows && str_contains($r['err'], 'cannot reserve the site table')) {
        $unobserved++;      /* the request could not be observed at all, and said so */
    } elseif (count($rows) !== 1 || $rows[0]['status'] !== 'ok') {
        $bad[] = "$tag ($kind): " . count($rows) . " rows (" . implode(',', array_column($rows, 'status')) . "): {$r['err']}";
    }
}
echo "failures injected: ", count($plans) > 20 ? 'all seams' : count($plans), "\n";
echo "problems: ", $bad ? "\n" . implode("\n", $bad) : 'none', "\n";
echo "requests that could not be observed at all (the first mmap): ", $unobserved <= 2 ? 'at most the first' : $unobserved, "\n";
$h = mmo_db($db);
echo "integrity: ", mmo_value($h, 'PRAGMA integrity_check'), "\n";
echo "the earlier run is intact: ", mmo_value($h, "SELECT status || ' ' || exit_status FROM mm_runs WHERE run_tag = 'before'"), "\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
seam kinds on the path: flock, ftruncate, link, mmap, posix_fallocate, pwrite, sqlite
more than 20 seams: true
failures injected: all seams
problems: none
requests that could not be observed at all (the first mmap): at most the first
integrity: ok
the earlier run is intact: ok 3
rings left: 0
