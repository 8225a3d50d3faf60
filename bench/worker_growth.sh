#!/usr/bin/env bash
# How fast does the report database grow under a long-running worker?
# Runs a queue-consumer-like loop (decode a job, build a result, keep a small
# cache, snapshot every 1000 jobs) for SECONDS seconds in one observed
# request, then prints the database size, the rows per table and the growth
# rate extrapolated to one hour.
#   bench/worker_growth.sh [SECONDS [SNAPSHOT_EVERY_JOBS [-d setting=value ...]]]
# e.g. bench/worker_growth.sh 60 100000 -d zend.mm_observe_sample_bytes=64M
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
php=${PHP:-$build/bin/php}
secs=${1:-30}
every=${2:-1000}
shift $(( $# > 2 ? 2 : $# ))
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cat > "$dir/worker.php" <<'PHP'
<?php
$until = microtime(true) + (float) $argv[1];
$cache = [];
$jobs = 0;
while (microtime(true) < $until) {
    $job = json_decode(json_encode(['id' => $jobs, 'items' => range(1, 50), 'name' => str_repeat('n', 40)]), true);
    $result = array_map(fn($i) => ['i' => $i, 'sq' => $i * $i, 's' => "item $i"], $job['items']);
    $cache[$jobs % 500] = serialize($result);
    if (++$jobs % (int) $argv[2] == 0) {
        mm_observe_snapshot("jobs $jobs");
    }
}
fprintf(STDERR, "%d jobs\n", $jobs);
PHP
"$php" -n -d zend.mm_observe=1 -d zend.mm_observe_output="$dir/w.sqlite" "$@" "$dir/worker.php" "$secs" "$every"
bytes=$(stat -c %s "$dir/w.sqlite")
echo "settings: snapshot every $every jobs $*"
echo "database after $secs s: $bytes bytes; per hour: $(( bytes * 3600 / secs / 1024 / 1024 )) MiB"
sqlite3 "$dir/w.sqlite" "SELECT 'samples', count(*) FROM mm_samples UNION ALL SELECT 'gc passes', count(*) FROM mm_gc_passes
  UNION ALL SELECT 'snapshots', count(*) FROM mm_snapshots UNION ALL SELECT 'snapshot site rows', count(*) FROM mm_snapshot_counters
  UNION ALL SELECT 'flushes', count(*) FROM mm_flushes UNION ALL SELECT 'sites', count(*) FROM mm_site_counters;
  SELECT 'flush pause ms: mean ' || round(avg(duration_ns) / 1e6, 3) || ', max ' || round(max(duration_ns) / 1e6, 3) FROM mm_flushes;
  SELECT 'allocated ' || (SELECT max(allocated) FROM mm_samples) / 1048576 || ' MiB, events lost ' || events_lost FROM mm_runs;"
