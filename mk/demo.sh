#!/usr/bin/env bash
# Observe examples/demo.php with the built fork and print the top lines of
# its report.  The database is _build/demo.sqlite (fresh each time).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
php=$build/fork/src/sapi/cli/php
db=$build/demo.sqlite
rm -f "$db"
"$php" -n --mm-observe="$db" "$top/examples/demo.php"
echo
echo "Report: $db — top lines by allocated bytes (mm_lines):"
sqlite3 -header -column "$db" "
  SELECT replace(file, '$top/', '') AS file, line, alloc_count, alloc_bytes,
         free_count, free_bytes, alloc_bytes - free_bytes AS net_bytes
  FROM mm_lines WHERE run_id = (SELECT max(run_id) FROM mm_runs) AND line > 0
  ORDER BY alloc_bytes DESC LIMIT 10;"
echo
echo "Top sites (opline and internal callee) by allocated bytes (mm_sites):"
sqlite3 -header -column "$db" "
  SELECT line, function, opcode, coalesce(callee, '') AS callee, alloc_count, alloc_bytes
  FROM mm_sites WHERE run_id = (SELECT max(run_id) FROM mm_runs)
  ORDER BY alloc_bytes DESC LIMIT 10;"
echo
echo "Lines still holding memory when the script ended (mm_leaks):"
sqlite3 -header -column "$db" "
  SELECT replace(file, '$top/', '') AS file, line, function, opcode, leak_count, leak_bytes
  FROM mm_leaks WHERE run_id = (SELECT max(run_id) FROM mm_runs) AND kind = 'vm'
  ORDER BY leak_bytes DESC LIMIT 5;"
echo
echo "The run, and how the per-site figures reconcile with ZendMM's own:"
sqlite3 -header -column "$db" "
  SELECT run_id, sapi, status, peak_usage,
         (SELECT sum(peak_live_bytes) FROM mm_sites s WHERE s.run_id = r.run_id) AS sum_peak_live,
         usage_end, (SELECT sum(live_bytes) FROM mm_sites s WHERE s.run_id = r.run_id) AS sum_live
  FROM mm_runs r;"
echo
echo "The leak hunt: what grew between the snapshots the worker took every 500 jobs (mm_growth):"
sqlite3 -header -column "$db" "
  SELECT replace(file, '$top/', '') AS file, line, function, count(DISTINCT snapshot_id) AS snapshots, sum(live_bytes_growth) AS grew_bytes
  FROM mm_growth WHERE run_id = (SELECT max(run_id) FROM mm_runs)
  GROUP BY file, line, function HAVING grew_bytes > 0 ORDER BY grew_bytes DESC LIMIT 5;"
echo
echo "The same run with php --mm-report (top lines, with their source):"
"$php" -n --mm-report "$db" --top 5
report=$build/demo-report
"$php" -n --mm-report "$db" --format html --output "$report.html"
"$php" -n --mm-report "$db" --format pprof --output "$report.pb.gz"
"$php" -n --mm-report "$db" --format collapsed --output "$report.folded"
"$php" -n --mm-report "$db" --format callgrind --output "$report.callgrind"
echo
echo "Written: $report.html (open in a browser: flame graphs, memory and GC timelines),"
echo "  $report.pb.gz (go tool pprof -top), $report.folded (flamegraph.pl, speedscope),"
echo "  $report.callgrind (kcachegrind)."
