--TEST--
mm_observe ring (issue 12): a pcntl_fork() child copies only what it uses (header, sites, strings), never the event area: with a 256M ring the child touches a few pages, not 64 000
--DESCRIPTION--
Measured in page faults of the child (getrusage ru_minflt), which count the
pages the fork handler touched: about 135 000 when it copied the whole
event area of a 256M ring (3.3 s per fork), about 60 now; an unobserved
child takes about 40.
--SKIPIF--
<?php if (!function_exists('pcntl_fork')) die('skip pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
$keep = [];
for ($i = 0; $i < 2000; $i++) { $keep[] = str_repeat('k', 100); }
for ($n = 0; $n < 5; $n++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $faults = getrusage()['ru_minflt'];
        $keep[] = str_repeat('c', 1000);      /* the child goes on allocating */
        echo $faults < 10000 ? "child small\n" : "child touched $faults pages\n";
        exit(0);
    }
    pcntl_waitpid($pid, $st);
}
echo "parent done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_ring_size=256M']);
echo $r['out'], $r['err'], "exit ", $r['status'], "\n";
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
echo "rings left: ", count(glob("$db.*.mmring")), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
child small
child small
child small
child small
child small
parent done
exit 0
runs: ok
rings left: 0
