#!/usr/bin/env bash
# make bench: the stock build and the fork, from the same tarball, side by
# side, on the same workloads, in one invocation.
#
# Variants:  stock   _build/stock (no patches, same configure line)
#            off     the fork with zend.mm_observe=0
#            on      the fork with zend.mm_observe=1 (report written each run)
# Workloads: Zend/bench.php, Zend/micro_bench.php (upstream's), bench/alloc_heavy.php,
#            bench/gc_heavy.php, bench/alloc_gc_mix.php (a request's mix of small
#            arrays, objects, strings, JSON, closures and collected cycles) and
#            bench/json_worker.php (a worker's job loop with bounded retention),
#            ours, and nikic/PHP-Parser from Debian's php-parser package parsing,
#            resolving and pretty-printing run-tests.php (a real application).
# Figures:   instructions (valgrind --tool=callgrind: repeatable), the median wall
#            time of BENCH_RUNS interleaved runs, peak RSS (/usr/bin/time), and
#            ratios to stock.  The table goes to bench/results.md with the machine
#            and the commit.
#
#   BENCH_RUNS=11         wall-time runs per variant (interleaved)
#   BENCH_CALLGRIND=0     skip instruction counts (fast look)
#   BENCH_ONLY="alloc_heavy bench.php"   a subset of workloads
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
runs=${BENCH_RUNS:-11}
callgrind=${BENCH_CALLGRIND:-1}
out="$top/bench/results.md"
work="$build/bench"
mkdir -p "$work"

"$top/mk/deps.sh" valgrind time
"$top/mk/build.sh" stock >&2
"$top/mk/build.sh" fork >&2
stock="$build/stock/src/sapi/cli/php"
fork="$build/fork/src/sapi/cli/php"
src="$build/fork/src"

# nikic/PHP-Parser, unpacked from Debian's package (not installed system-wide).
lib="$work/php-parser/usr/share/php"
if [ ! -f "$lib/PhpParser/autoload.php" ]; then
	(cd "$work" && rm -f php-parser_*.deb && apt-get download php-parser >/dev/null) \
		|| { echo "bench: cannot download Debian's php-parser package" >&2; exit 1; }
	dpkg-deb -x "$work"/php-parser_*.deb "$work/php-parser"
fi

# name|script and arguments
workloads=(
	"bench.php|$src/Zend/bench.php"
	"micro_bench.php|$src/Zend/micro_bench.php"
	"alloc_heavy|$top/bench/alloc_heavy.php"
	"gc_heavy|$top/bench/gc_heavy.php"
	"alloc_gc_mix|$top/bench/alloc_gc_mix.php"
	"json_worker|$top/bench/json_worker.php"
	"php-parser|$top/bench/phpparser.php $lib $src/run-tests.php 3"
)
db="$work/bench-on.sqlite"
common=(-n -d error_reporting=8191 -d memory_limit=-1)
cmd_for() {	# variant -> php command prefix
	case $1 in
		stock) echo "$stock ${common[*]}" ;;
		off) echo "$fork ${common[*]} -d zend.mm_observe=0" ;;
		on) echo "$fork ${common[*]} -d zend.mm_observe=1 -d zend.mm_observe_output=$db" ;;
	esac
}

now_ns() { date +%s%N; }
# Wall runs are pinned to one CPU when taskset exists: less spread.
pin=()
command -v taskset >/dev/null 2>&1 && pin=(taskset -c "$(( $(nproc) - 1 ))")
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

declare -A ins wall wmin rss
for w in "${workloads[@]}"; do
	name=${w%%|*}; script=${w#*|}
	case " ${BENCH_ONLY:-$name} " in *" $name "*) ;; *) continue ;; esac
	echo "bench: $name" >&2
	for v in stock off on; do
		rm -f "$db"
		# shellcheck disable=SC2046
		rss[$name,$v]=$( { /usr/bin/time -f '%M' $(cmd_for $v) $script >/dev/null; } 2>&1 | tail -n1)
		if [ "$callgrind" = 1 ]; then
			rm -f "$db"
			# shellcheck disable=SC2046
			ins[$name,$v]=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $(cmd_for $v) $script 2>&1 >/dev/null \
				| sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -n1)
			echo "bench:   $v: ${ins[$name,$v]} instructions" >&2
		fi
	done
	declare -A samples=()
	orders=("stock off on" "off on stock" "on stock off")
	for ((i = 0; i < runs; i++)); do
		# Rotate the order: a run after the "on" variant (which syncs its
		# database) would otherwise always be the same variant.
		for v in ${orders[i % 3]}; do
			rm -f "$db"
			t0=$(now_ns)
			# shellcheck disable=SC2046
			"${pin[@]}" $(cmd_for $v) $script >/dev/null
			t1=$(now_ns)
			samples[$v]+="$(( (t1 - t0) / 1000 )) "
		done
	done
	for v in stock off on; do
		wall[$name,$v]=$(echo "${samples[$v]}" | tr ' ' '\n' | grep . | median)
		wmin[$name,$v]=$(echo "${samples[$v]}" | tr ' ' '\n' | grep . | sort -n | head -n1)
	done
	unset samples
done

commit=$(cd "$top" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
dirty=$(cd "$top" && git status --porcelain 2>/dev/null | grep -qv '^??' && echo " (with uncommitted changes)" || true)
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
{
	echo "# make bench results"
	echo
	echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "- commit: $commit$dirty"
	echo "- machine: $(nproc) cores, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/ {print $2}') GiB"
	echo "- upstream: $(sed -n 's/^UPSTREAM_FILE=//p' "$top/upstream.lock")"
	echo "- wall: median and fastest of $runs interleaved runs; instructions: valgrind --tool=callgrind; RSS: /usr/bin/time %M"
	echo "- wall times on a shared VM spread by up to 1.7x run to run (same binary, same input): judge CPU cost"
	echo "  by instructions; the fastest run is the steadiest wall figure"
	echo
	echo "| workload | variant | instructions | × stock | wall ms (median) | × stock | wall ms (fastest) | × stock | peak RSS KiB | × stock |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for w in "${workloads[@]}"; do
		name=${w%%|*}
		[ -n "${wall[$name,stock]:-}" ] || continue
		for v in stock off on; do
			i=${ins[$name,$v]:-}
			printf '| %s | %s | %s | %s | %.1f | %s | %.1f | %s | %s | %s |\n' "$name" "$v" "${i:--}" \
				"$( [ -n "$i" ] && ratio "$i" "${ins[$name,stock]}" || echo -)" \
				"$(awk -v t="${wall[$name,$v]}" 'BEGIN {print t / 1000}')" \
				"$(ratio "${wall[$name,$v]}" "${wall[$name,stock]}")" \
				"$(awk -v t="${wmin[$name,$v]}" 'BEGIN {print t / 1000}')" \
				"$(ratio "${wmin[$name,$v]}" "${wmin[$name,stock]}")" \
				"${rss[$name,$v]}" "$(ratio "${rss[$name,$v]}" "${rss[$name,stock]}")"
		done
	done
} >"$out"
cat "$out"
