--TEST--
mm_observe: peak_live_bytes is what each line held when the heap peaked
--DESCRIPTION--
The sum of peak_live_bytes over all sites equals memory_get_peak_usage()
(mm_runs.peak_usage) exactly: the observer sees every change of ZendMM's
usage, reallocs included.  The line that built the big temporary array holds
most of the peak and nothing at the end.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = <<<'PHP'
<?php
function build() {
    $big = [];
    for ($i = 0; $i < 20000; $i++) { $big[] = "item $i"; }
    return count($big);
}
$n = build();
$s = '';
for ($i = 0; $i < 3000; $i++) { $s .= 'abcdefgh'; }
$huge = str_repeat('x', 3 * 1024 * 1024);
unset($huge);
echo $n, ' ', strlen($s), ' ', memory_get_peak_usage() > 3 * 1024 * 1024 ? 'peak>3M' : 'small', "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
$run = mmo_rows($h, 'SELECT peak_usage, peak_observed FROM mm_runs WHERE run_id = 1')[0];
$sum = mmo_value($h, 'SELECT sum(peak_live_bytes) FROM mm_sites WHERE run_id = 1');
echo "sum(peak_live_bytes) == peak_usage: ", var_export($sum === $run['peak_usage'], true), "\n";
echo "peak_observed == peak_usage: ", var_export($run['peak_observed'] === $run['peak_usage'], true), "\n";
$top = mmo_rows($h, "SELECT line, opcode, callee, peak_live_bytes, live_bytes FROM mm_sites WHERE run_id = 1 ORDER BY peak_live_bytes DESC LIMIT 1")[0];
printf("top at peak: line %d %s(%s), holds %s of the peak, live at end %d\n", $top['line'], $top['opcode'], $top['callee'],
    $top['peak_live_bytes'] >= 3 * 1024 * 1024 ? '>= 3 MiB' : $top['peak_live_bytes'], $top['live_bytes']);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
20000 24000 peak>3M
sum(peak_live_bytes) == peak_usage: true
peak_observed == peak_usage: true
top at peak: line 10 DO_ICALL(str_repeat), holds >= 3 MiB of the peak, live at end 0
