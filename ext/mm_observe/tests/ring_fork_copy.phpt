--TEST--
mm_observe ring (issue 12): a pcntl_fork() child copies only what it uses (header, sites, strings), never the event area: with a 256M ring the child stays small
--SKIPIF--
<?php if (!function_exists('pcntl_fork')) die('skip pcntl'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function rss_kb(): int { preg_match('/VmRSS:\s+(\d+)/', file_get_contents('/proc/self/status'), $m); return (int) $m[1]; }
$keep = [];
for ($i = 0; $i < 2000; $i++) { $keep[] = str_repeat('k', 100); }
$parent = rss_kb();
for ($n = 0; $n < 5; $n++) {
    $pid = pcntl_fork();
    if ($pid === 0) {
        $grew = rss_kb() - $parent;
        $keep[] = str_repeat('c', 1000);      /* the child goes on allocating */
        echo $grew < 32 * 1024 ? "child small\n" : "child grew by $grew KB\n";
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
