--TEST--
mm_observe with a real php-fpm behind nginx: a report database that cannot be created; requests are served, the FPM error log says so once per worker
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
mmo_fpm_skipif();
?>
--FILE--
<?php
require __DIR__ . '/fpm.inc';
/* The database's parent is a regular file: fails for root as well (a
 * directory with mode 0555 would not stop root). */
$h = mmo_fpm_start(__FILE__, ['ok.php' => "<?php echo \"ok \", getmypid(), \"\\n\";\n"],
    ['zend.mm_observe' => 1, 'zend.mm_observe_output' => '{dir}/afile/app.sqlite'],
    2, ['files' => ['afile' => "a regular file\n"]]);
$out = "{$h['dir']}/afile/app.sqlite";
$r = mmo_fpm_get($h, '/ok.php', 10);
$bad = array_filter($r, fn($x) => $x['status'] !== 200 || !preg_match('/^ok \d+\n$/', $x['body']));
$workers = count(array_unique(array_map(fn($x) => $x['body'], $r)));
echo "answers 200 ok: ", count($r) - count($bad), "\n";
foreach (array_slice($bad, 0, 3, true) as $i => $x) {
    echo "request $i: status {$x['status']} {$x['error']} body ", json_encode(substr($x['body'], 0, 300)), "\n";
}
mmo_fpm_stop($h);
echo "afile is still a file: ", var_export(is_file("{$h['dir']}/afile"), true), "\n";
/* The failure reaches the FPM error log (not the workers' stderr:
 * catch_workers_output is off, as in most pools), once per worker, not
 * once per request. */
$lines = array_values(preg_grep('/mm_observe/i', explode("\n", mmo_fpm_log($h))));
echo "FPM log lines about mm_observe, one per worker that served: ", var_export(count($lines) === $workers, true), "\n";
echo "each names the database and the reason: ", var_export(count($lines) > 0
    && count(array_filter($lines, fn($l) => str_contains($l, $out) && str_contains($l, 'Not a directory'))) === count($lines), true), "\n";
if (count($lines) !== $workers) {
    echo "workers: $workers\n";
    echo str_replace($out, 'DB', implode("\n", array_slice($lines, 0, 5))), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
answers 200 ok: 10
afile is still a file: true
FPM log lines about mm_observe, one per worker that served: true
each names the database and the reason: true
