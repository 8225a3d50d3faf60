--TEST--
mm_observe worker mode under php-fpm behind nginx: one summary row per request, exact endpoint aggregates, detail only for the selected requests
--SKIPIF--
<?php
require __DIR__ . '/fpm.inc';
mmo_fpm_skipif();
?>
--FILE--
<?php
require __DIR__ . '/fpm.inc';
$scripts = [
    /* Line 3 allocates once per request, through str_repeat. */
    'a.php' => "<?php\n\$n = (int) (\$_GET['n'] ?? 1);\n\$s = str_repeat('x', 1000 + \$n);\necho strlen(\$s), \"\\n\";\n",
    'b.php' => "<?php\n\$a = [];\nfor (\$i = 0; \$i < 100; \$i++) { \$a[] = \"item \$i\"; }\necho count(\$a), \"\\n\";\n",
    'oom.php' => "<?php\nini_set('memory_limit', '4M');\n\$a = [];\nwhile (true) { \$a[] = str_repeat('y', 100000); }\n",
    'fatal.php' => "<?php\necho 'before';\nundefined_function_here();\n",
];
/* One request in 10 per worker keeps its detail (the first one of each
 * worker, then every 10th); failures always do. */
$h = mmo_fpm_start(__FILE__, $scripts, ['zend.mm_observe' => 1, 'zend.mm_observe_output' => '{dir}/app.sqlite',
    'zend.mm_observe_detail_every' => 10]);
$db = "{$h['dir']}/app.sqlite";
$answers = array_merge(mmo_fpm_get($h, '/a.php?n=5&secret=hunter2', 40, 2), mmo_fpm_get($h, '/b.php', 20, 2),
    mmo_fpm_get($h, '/oom.php', 1), mmo_fpm_get($h, '/fatal.php', 1));
echo "answers: ", count($answers), ", a/b ok: ", count(array_filter(array_slice($answers, 0, 60), fn($x) => $x['status'] === 200)), "\n";
mmo_fpm_stop($h);
echo "rings left after a graceful stop: ", count(glob("$db.*.mmring")), "\n";

$d = mmo_db($db);
echo "integrity: ", mmo_value($d, 'PRAGMA integrity_check'), "\n";
echo "summary rows: ", mmo_value($d, "SELECT count(*) FROM mm_runs WHERE sapi = 'fpm-fcgi'"), "\n";
foreach (mmo_rows($d, "SELECT request_uri, status, count(*) AS n FROM mm_runs GROUP BY request_uri, status ORDER BY request_uri, status") as $r) {
    echo "  {$r['request_uri']} {$r['status']} {$r['n']}\n";
}
echo "a.php answered 200: ", mmo_value($d, "SELECT count(*) FROM mm_runs WHERE request_uri = '/a.php' AND http_status = 200"), "\n";
/* Σ per endpoint over the windows = Σ over that endpoint's summary rows. */
$ok = true;
foreach (mmo_rows($d, "SELECT method, uri, sum(requests) AS requests, sum(errors) AS errors, sum(alloc_count) AS alloc_count, sum(alloc_bytes) AS alloc_bytes,"
    . " sum(peak_sum) AS peak_sum, max(peak_max) AS peak_max, sum(end_live_bytes) AS end_live_bytes, sum(gc_passes) AS gc_passes, sum(detailed) AS detailed"
    . " FROM mm_endpoint_windows GROUP BY method, uri") as $e) {
    $s = mmo_rows($d, "SELECT count(*) AS requests, sum(status <> 'ok') AS errors, sum(alloc_count) AS alloc_count, sum(alloc_bytes) AS alloc_bytes,"
        . " sum(peak_usage) AS peak_sum, max(peak_usage) AS peak_max, sum(end_live_bytes) AS end_live_bytes, sum(gc_passes) AS gc_passes,"
        . " sum(detail IS NOT NULL) AS detailed FROM mm_runs WHERE request_method = ?1 AND request_uri = ?2", [$e['method'], $e['uri']])[0];
    foreach ($s as $k => $v) {
        if ((int) $v !== (int) $e[$k]) {
            echo "  {$e['uri']} $k: endpoints {$e[$k]}, runs $v\n";
            $ok = false;
        }
    }
}
echo "endpoint sums equal the summary rows: ", var_export($ok, true), "\n";
echo "peak buckets add up: ", var_export((int) mmo_value($d, "SELECT sum(requests) FROM mm_endpoint_peaks") === 62, true), "\n";
/* The allocating line of a.php, summed across its 40 requests. */
print_r(mmo_rows($d, "SELECT sum(requests) AS requests, sum(alloc_count) AS alloc_count, callee FROM mm_endpoint_sites WHERE uri = '/a.php' AND line = 3 AND callee = 'str_repeat' GROUP BY callee"));
/* Detail: the oom and the fatal request, and the sampled ones (the first
 * of each worker, then every 10th of it). */
foreach (mmo_rows($d, "SELECT detail, count(*) AS n FROM mm_runs WHERE detail IS NOT NULL GROUP BY detail ORDER BY detail") as $r) {
    echo "  detail {$r['detail']}: ", $r['detail'] === 'sampled' ? var_export($r['n'] >= 2 && $r['n'] <= 8, true) : $r['n'], "\n";
}
echo "sampled follow the rule: ", var_export((int) mmo_value($d, "SELECT count(*) FROM mm_runs WHERE detail = 'sampled' AND (request_seq - 1) % 10 <> 0") === 0, true), "\n";
echo "runs with detail have sites, the others none: ", var_export(
    (int) mmo_value($d, "SELECT count(*) FROM mm_runs r WHERE detail IS NOT NULL AND NOT EXISTS (SELECT 1 FROM mm_site_counters c WHERE c.run_id = r.run_id)") === 0
    && (int) mmo_value($d, "SELECT count(*) FROM mm_site_counters c JOIN mm_runs r USING (run_id) WHERE r.detail IS NULL") === 0, true), "\n";
echo "oom detail names its site: ", mmo_value($d, "SELECT file LIKE '%oom.php' AND line = 4 FROM mm_oom o JOIN mm_runs r USING (run_id)"), "\n";
/* A sampled a.php run: its own line 3 site says 1 allocation (counters start from zero every request). */
echo "a detailed a.php run counts its own request only: ", mmo_value($d, "SELECT group_concat(DISTINCT s.alloc_count) FROM mm_sites s JOIN mm_runs r USING (run_id)"
    . " WHERE r.request_uri = '/a.php' AND s.line = 3 AND s.callee = 'str_repeat'"), "\n";
$all = '';
foreach ([$db, "$db-wal"] as $f) { $all .= @file_get_contents($f); }
echo "query string recorded: ", var_export(str_contains($all, 'hunter2'), true), "\n";
echo "mm_observe in the FPM log: ", count(preg_grep('/mm_observe/', explode("\n", mmo_fpm_log($h)))), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
answers: 62, a/b ok: 60
rings left after a graceful stop: 0
integrity: ok
summary rows: 62
  /a.php ok 40
  /b.php ok 20
  /fatal.php error 1
  /oom.php oom 1
a.php answered 200: 40
endpoint sums equal the summary rows: true
peak buckets add up: true
Array
(
    [0] => Array
        (
            [requests] => 40
            [alloc_count] => 40
            [callee] => str_repeat
        )

)
  detail error: 1
  detail oom: 1
  detail sampled: true
sampled follow the rule: true
runs with detail have sites, the others none: true
oom detail names its site: 1
a detailed a.php run counts its own request only: 1
query string recorded: false
mm_observe in the FPM log: 0
