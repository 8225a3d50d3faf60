--TEST--
mm_observe (issue 16, item 10): the gap between memory_get_usage() on a script's last line and the sum of leak_bytes (live at the end of the script) is the main script's own code and file handle, freed when the script returns: a snapshot on the last line accounts for it site by site, almost all of it at the main script's compile site and {startup}
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
/* A longer main script has more code to free: the gap grows with it. */
$body = '';
for ($i = 0; $i < 60; $i++) {
    $body .= "\$v$i = strlen(str_repeat('x', $i)) + $i * 3;\n";
}
$code = <<<PHP
<?php
function f(\$n) { \$a = []; for (\$i = 0; \$i < \$n; \$i++) { \$a[] = str_repeat('x', 50); } return \$a; }
\$keep = f(100);
$body
\$u = memory_get_usage(); mm_observe_snapshot('last line');
fprintf(STDERR, "%d\\n", \$u);
PHP;
$r = mmo_observe(__FILE__, $code, $db);
$usage = (int) trim($r['err']);
$h = mmo_db($db);
$leak = (int) mmo_value($h, 'SELECT sum(leak_bytes) FROM mm_sites WHERE run_id = 1');
$snap = (int) mmo_value($h, 'SELECT usage FROM mm_snapshots WHERE run_id = 1');
echo "the snapshot saw the last line's usage: ", var_export($snap === $usage, true), "\n";
$gap = $usage - $leak;
echo "gap over 1 KiB: ", var_export($gap > 1024, true), "\n";
$rows = mmo_rows($h, "SELECT s.kind, s.function, s.line, c.live_bytes - s.leak_bytes AS freed FROM mm_snapshot_sites c
    JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id WHERE c.run_id = 1 AND c.live_bytes <> s.leak_bytes");
$freed = array_sum(array_column($rows, 'freed'));
/* Snapshots leave out the {unobserved} site (blocks live before observation
 * started: at most usage_start bytes); every other byte of the gap is a site's. */
$unobserved = (int) mmo_value($h, 'SELECT usage_start FROM mm_runs WHERE run_id = 1');
echo "the sites account for the gap: ", var_export(abs($gap - $freed) <= $unobserved, true), " ($freed of $gap, usage_start $unobserved)\n";
$code_and_handle = 0;
foreach ($rows as $row) {
    if (($row['kind'] === 'compile' && $row['line'] === 0) || ($row['kind'] === 'pseudo' && $row['function'] === '{startup}')) {
        $code_and_handle += $row['freed'];
    }
}
echo "main script's code and file handle: ", var_export($code_and_handle >= 0.9 * $gap, true), " ($code_and_handle of $gap)\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
the snapshot saw the last line's usage: true
gap over 1 KiB: true
the sites account for the gap: true (%d of %d, usage_start %d)
main script's code and file handle: true (%d of %d)
