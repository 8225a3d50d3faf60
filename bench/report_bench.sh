#!/usr/bin/env bash
# How long php --mm-report takes on a big database: 100 runs x 50 000 sites
# (issue #7: under a second per report).  Builds the database once, from one
# real run (for the schema) plus synthetic rows, then times each format on
# one run (best of 3, wall clock).  Not a test: timings depend on the machine.
#
#   bench/report_bench.sh [RUNS] [SITES]      (default 100 50000)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
php=${PHP:-$build/fork/src/sapi/cli/php}
runs=${1:-100}
sites=${2:-50000}
dir=$build/bench/report
db=$dir/big-$runs-$sites.sqlite
mkdir -p "$dir"
if [ ! -s "$db" ]; then
	echo "building $db ($runs runs x $sites sites) ..." >&2
	rm -f "$db"
	echo '<?php echo "";' > "$dir/seed.php"
	"$php" -n -d zend.mm_observe=1 -d "zend.mm_observe_output=$db" "$dir/seed.php"
	"$php" -n -r '
		[$db, $runs, $sites] = [$argv[1], (int) $argv[2], (int) $argv[3]];
		$h = new SQLite3($db);
		$h->exec("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN");
		/* 500 files, 2000 functions: strings shared by the runs, as in a real application. */
		$h->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000)
			INSERT OR IGNORE INTO mm_strings (str) SELECT \"/srv/app/src/File\" || (i % 500) || \".php\" FROM n
			UNION ALL SELECT \"Service::method\" || (i % 2000) FROM n");
		$h->exec("INSERT OR IGNORE INTO mm_strings (str) VALUES (\"DO_ICALL\"), (\"CONCAT\"), (\"str_repeat\")");
		$first = (int) $h->querySingle("SELECT max(run_id) FROM mm_runs") + 1;
		for ($r = $first; $r < $first + $runs - 1; $r++) {
			$h->exec("INSERT INTO mm_runs (run_id, pid, sapi, script, started_at, ended_at, php_version, status, peak_usage, usage_start, usage_end, exit_status, zend_mm)
				VALUES ($r, 1, \"cli\", \"/srv/app/bin/worker.php\", \"2026-11-23T10:00:00.000Z\", \"2026-11-23T10:00:01.000Z\", \"8.4.24\", \"ok\", 1000000, 1000, 2000, 0, 1)");
			$h->exec("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $sites)
				INSERT INTO mm_site_counters SELECT $r, i, \"vm\",
					(SELECT str_id FROM mm_strings WHERE str = \"/srv/app/src/File\" || (i % 500) || \".php\"), i % 900 + 1,
					(SELECT str_id FROM mm_strings WHERE str = \"Service::method\" || (i % 2000)),
					(SELECT str_id FROM mm_strings WHERE str = \"DO_ICALL\"), CASE WHEN i % 3 = 0 THEN (SELECT str_id FROM mm_strings WHERE str = \"str_repeat\") END, 0,
					i % 97 + 1, (i % 97 + 1) * 64, i % 90, (i % 90) * 64, 0, (i % 97 + 1) - (i % 90), ((i % 97 + 1) - (i % 90)) * 64, i * 3 % 5000, 0, 0, 0, 0, 0, 0
				FROM n");
		}
		$h->exec("COMMIT");
	' "$db" "$runs" "$sites"
	echo "database: $(du -h "$db" | cut -f1), $(sqlite3 "$db" 'SELECT count(*) FROM mm_runs') runs, $(sqlite3 "$db" 'SELECT count(*) FROM mm_site_counters') site rows" >&2
fi
run=$(( runs / 2 + 1 ))
printf '%-40s %10s\n' "report (run $run of $runs, $sites sites)" "best of 3"
for args in "" "--by site" "--by function" "--by file" "--sort live" "--format json" "--format csv" "--format collapsed" "--format pprof" "--format callgrind" "--format html" "--diff $run $((run + 1))"; do
	best=
	for i in 1 2 3; do
		s=$(date +%s%N)
		# shellcheck disable=SC2086
		"$php" -n --mm-report "$db" --run "$run" $args > /dev/null
		t=$(( ($(date +%s%N) - s) / 1000000 ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	printf '%-40s %7d ms\n' "${args:-table}" "$best"
done
