#!/usr/bin/env bash
# make bench: the stock build and the fork, from the same tarball, side by
# side, on the same workloads, in one invocation.
#
# Variants:  stock   _build/stock (no patches, same configure line)
#            off     the fork with zend.mm_observe=0
#            on      the fork with zend.mm_observe=1 (report written each run)
#            xdebug  the peer: Debian's php8.4-xdebug (mk/peer.sh) loaded into the
#                    stock build, xdebug.mode=profile (per-function time and memory,
#                    a compressed cachegrind file each run); it needs the suite's
#                    glibc, so it runs under that suite's loader, beside
#            pbase   the stock build under the same loader, its baseline
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
#   BENCH_PEER=0          skip the peer (Xdebug)
#   BENCH_PEER_SKIP="micro_bench.php"   workloads the peer skips: Xdebug's profiler
#                         makes micro_bench.php's 19 G instructions about 20 times
#                         as many (bench.php: 20.4x), hours under callgrind
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
variants=(stock off on)
peer_skip=${BENCH_PEER_SKIP-micro_bench.php}
peer_loader= peer_libs= peer_xdebug= peer_version=
if [ "${BENCH_PEER:-1}" = 1 ]; then
	if peer=$("$top/mk/peer.sh" "$stock" "$work/peer"); then
		eval "$peer"
		variants+=(pbase xdebug)
	else
		echo "bench: no peer this run (mk/peer.sh failed, above)" >&2
	fi
fi

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
		pbase) echo "$peer_loader --library-path $peer_libs $stock ${common[*]}" ;;
		xdebug) echo "$peer_loader --library-path $peer_libs $stock ${common[*]} -d zend_extension=$peer_xdebug" \
			"-d xdebug.mode=profile -d xdebug.start_with_request=yes -d xdebug.output_dir=$work/xdebug" ;;
	esac
}
base_of() { case $1 in xdebug) echo pbase ;; *) echo stock ;; esac; }	# what a variant is divided by
clean() { rm -f "$db"; rm -rf "$work/xdebug"; mkdir -p "$work/xdebug"; }

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
	wv=("${variants[@]}")
	case " $peer_skip " in *" $name "*) wv=(stock off on) ;; esac
	for v in "${wv[@]}"; do
		clean
		# shellcheck disable=SC2046
		rss[$name,$v]=$( { /usr/bin/time -f '%M' $(cmd_for $v) $script >/dev/null; } 2>&1 | tail -n1)
		if [ "$callgrind" = 1 ]; then
			clean
			# shellcheck disable=SC2046
			ins[$name,$v]=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $(cmd_for $v) $script 2>&1 >/dev/null \
				| sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' | tail -n1)
			echo "bench:   $v: ${ins[$name,$v]} instructions" >&2
		fi
	done
	declare -A samples=()
	n=${#wv[@]}
	for ((i = 0; i < runs; i++)); do
		# Rotate the order: a run after the "on" variant (which syncs its
		# database) would otherwise always be the same variant.
		for ((j = 0; j < n; j++)); do
			v=${wv[(i + j) % n]}
			clean
			t0=$(now_ns)
			# shellcheck disable=SC2046
			"${pin[@]}" $(cmd_for $v) $script >/dev/null
			t1=$(now_ns)
			samples[$v]+="$(( (t1 - t0) / 1000 )) "
		done
	done
	for v in "${wv[@]}"; do
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
	if [ -n "$peer_version" ]; then
		echo "- pbase: the stock build under the loader and libc of $(sed -n 's/^UPSTREAM_SUITE=//p' "$top/upstream.lock")"\
			"(× stock: what the newer libc changes); xdebug: Xdebug $peer_version (Debian's $(sed -n 's/^UPSTREAM_PACKAGE=//p' "$top/upstream.lock")-xdebug)"
		echo "  in the stock build, xdebug.mode=profile, under the same loader; its × stock is ÷ pbase${peer_skip:+; not run on $peer_skip (BENCH_PEER_SKIP)}"
	fi
	echo
	echo "| workload | variant | instructions | × stock | wall ms (median) | × stock | wall ms (fastest) | × stock | peak RSS KiB | × stock |"
	echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for w in "${workloads[@]}"; do
		name=${w%%|*}
		[ -n "${wall[$name,stock]:-}" ] || continue
		for v in "${variants[@]}"; do
			[ -n "${wall[$name,$v]:-}" ] || continue
			b=$(base_of "$v")
			i=${ins[$name,$v]:-}
			printf '| %s | %s | %s | %s | %.1f | %s | %.1f | %s | %s | %s |\n' "$name" "$v" "${i:--}" \
				"$( [ -n "$i" ] && ratio "$i" "${ins[$name,$b]}" || echo -)" \
				"$(awk -v t="${wall[$name,$v]}" 'BEGIN {print t / 1000}')" \
				"$(ratio "${wall[$name,$v]}" "${wall[$name,$b]}")" \
				"$(awk -v t="${wmin[$name,$v]}" 'BEGIN {print t / 1000}')" \
				"$(ratio "${wmin[$name,$v]}" "${wmin[$name,$b]}")" \
				"${rss[$name,$v]}" "$(ratio "${rss[$name,$v]}" "${rss[$name,$b]}")"
		done
	done
	if [ -n "$peer_version" ]; then
		echo
		echo "## Side by side with the peer (instructions, then median wall, then peak RSS; each × its own stock)"
		echo
		echo "| workload | fork off | fork on | Xdebug $peer_version profile | wall: fork on | wall: Xdebug | RSS: fork on | RSS: Xdebug |"
		echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
		for w in "${workloads[@]}"; do
			name=${w%%|*}
			[ -n "${wall[$name,xdebug]:-}" ] || continue
			printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" \
				"$(ratio "${ins[$name,off]:-0}" "${ins[$name,stock]:-0}")" \
				"$(ratio "${ins[$name,on]:-0}" "${ins[$name,stock]:-0}")" \
				"$(ratio "${ins[$name,xdebug]:-0}" "${ins[$name,pbase]:-0}")" \
				"$(ratio "${wall[$name,on]}" "${wall[$name,stock]}")" \
				"$(ratio "${wall[$name,xdebug]}" "${wall[$name,pbase]}")" \
				"$(ratio "${rss[$name,on]}" "${rss[$name,stock]}")" \
				"$(ratio "${rss[$name,xdebug]}" "${rss[$name,pbase]}")"
		done
	fi
} >"$out"
cat "$out"
