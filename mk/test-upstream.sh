#!/usr/bin/env bash
# Upstream fidelity: run upstream's own phpt tests on the stock build and on
# the fork *with observation on* (run-tests.php --mm-observe, which also turns
# on zend.mm_observe_full_shutdown), and report every test whose result
# differs.  Expected: none, apart from the documented differences in
# mk/upstream-known-differences.txt.
#
#   mk/test-upstream.sh [ci|full]      (default: full)
#
#   ci    the subset in mk/upstream-subset-ci.txt (~2400 tests, a few minutes)
#   full  Zend/tests, tests/ and the tests of every extension both builds have
#
# A test that differs on the first pass is run again, alone and without -j,
# on both builds; it counts as a difference only if it still differs (the
# others are listed as flaky).  Output: _build/upstream/<set>/report.md, and
# a last line "N passed, N failed" (passed = same result on both builds or a
# known difference, failed = an unexplained difference).  `make
# test-upstream` copies the full report to docs/upstream-fidelity.md.
# Set MM_NO_BUILD=1 to use the binaries as they are.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
set_name=${1:-full}
case $set_name in ci|full) ;; *) echo "usage: $0 [ci|full]" >&2; exit 2 ;; esac
jobs=${JOBS:-$(nproc)}
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
out=$build/upstream/$set_name
say() { echo "test-upstream($set_name): $*" >&2; }

if [ -z "${MM_NO_BUILD:-}" ]; then
	"$top/mk/build.sh" stock >&2
	"$top/mk/build.sh" fork >&2
fi
for v in stock fork; do
	[ -x "$build/$v/src/sapi/cli/php" ] || { echo "test-upstream: $build/$v/src/sapi/cli/php is missing: run make build stock" >&2; exit 1; }
done
# Physical paths: run-tests.php writes the realpath of each test, which run() strips.
stock_src=$(cd "$build/stock/src" && pwd -P)
fork_src=$(cd "$build/fork/src" && pwd -P)
rm -rf "$out"
mkdir -p "$out"

# The test paths, relative to a tree.
if [ "$set_name" = ci ]; then
	grep -v '^\s*#' "$top/mk/upstream-subset-ci.txt" | sed '/^\s*$/d' > "$out/paths"
else
	{
		echo Zend/tests
		echo tests
		# The extensions of the stock build that have tests (the fork has the same plus mm_observe).
		"$stock_src/sapi/cli/php" -n -d "extension_dir=$stock_src/modules" -d zend_extension=opcache.so \
			-r 'foreach (get_loaded_extensions() as $e) echo strtolower($e), "\n";' \
			| sed 's/^zend opcache$/opcache/' | sort -u | while read -r e; do
				[ -d "$stock_src/ext/$e/tests" ] && echo "ext/$e/tests"
			done
	} > "$out/paths"
fi

# run <variant> <results file> <log> [run-tests args...]
run() {
	local v=$1 results=$2 log=$3 src extra=()
	shift 3
	if [ "$v" = stock ]; then src=$stock_src; else src=$fork_src; extra=(--mm-observe "$out/fork.sqlite"); fi
	(cd "$src" && NO_INTERACTION=1 TEST_PHP_EXECUTABLE="$src/sapi/cli/php" REPORT_EXIT_STATUS=0 \
		"$src/sapi/cli/php" -n run-tests.php -n -q --no-progress --no-color --set-timeout 120 \
		-d "extension_dir=$src/modules" "${extra[@]}" -W "$results" "$@" > "$log" 2>&1) || true
	# "RESULT<tab>/abs/path" -> "path<tab>RESULT", relative to the tree.
	sed -n "s#^\([A-Z]*\)\t$src/\(.*\)#\2\t\1#p" "$results" | sort > "$results.rel"
}

mapfile -t paths < "$out/paths"
for v in stock fork; do
	say "running $(wc -l < "$out/paths") path(s) on $v$([ $v = fork ] && echo ', observed') with -j$jobs"
	start=$(date +%s)
	run $v "$out/$v.results" "$out/$v.log" -j"$jobs" "${paths[@]}"
	echo "$v $(( $(date +%s) - start ))" >> "$out/times"
	say "$v: $(wc -l < "$out/$v.results.rel") tests in $(( $(date +%s) - start )) s"
done

join -t $'\t' -a1 -a2 -e MISSING -o 0,1.2,2.2 "$out/stock.results.rel" "$out/fork.results.rel" > "$out/both"
awk -F'\t' '$2 != $3' "$out/both" | cut -f1 > "$out/differ.first"
n_total=$(wc -l < "$out/both")

# Run the first-pass differences again, alone, on both builds.
: > "$out/differ"
: > "$out/flaky"
if [ -s "$out/differ.first" ]; then
	say "$(wc -l < "$out/differ.first") test(s) differ on the first pass; running them again without -j"
	for v in stock fork; do
		if [ $v = stock ]; then src=$stock_src; else src=$fork_src; fi
		sed "s#^#$src/#" "$out/differ.first" > "$out/rerun.$v.list"
		run $v "$out/$v.rerun" "$out/$v.rerun.log" -r "$out/rerun.$v.list"
	done
	join -t $'\t' -a1 -a2 -e MISSING -o 0,1.2,2.2 "$out/stock.rerun.rel" "$out/fork.rerun.rel" > "$out/both.rerun"
	awk -F'\t' '$2 != $3' "$out/both.rerun" > "$out/differ"
	awk -F'\t' '$2 == $3 { print $1 }' "$out/both.rerun" > "$out/flaky"
fi

# Split the differences into known (documented) and unexplained.
known_file=$top/mk/upstream-known-differences.txt
: > "$out/known"
: > "$out/unexplained"
while IFS=$'\t' read -r path rs rf; do
	reason=$(awk -v p="$path" '!/^#/ && $1 == p { $1 = ""; sub(/^ +/, ""); print; exit }' "$known_file")
	if [ -n "$reason" ]; then
		printf '%s\t%s\t%s\t%s\n' "$path" "$rs" "$rf" "$reason" >> "$out/known"
	else
		printf '%s\t%s\t%s\n' "$path" "$rs" "$rf" >> "$out/unexplained"
	fi
done < "$out/differ"

n_unexplained=$(wc -l < "$out/unexplained")
n_passed=$(( n_total - n_unexplained ))
count() { awk -F'\t' -v c="$2" '$c == "'"$1"'"' "$out/both" | wc -l; }
{
	echo "# Upstream fidelity: $set_name set"
	echo
	echo "PHP $(cat "$top/upstream.lock" | sed -n 's/^UPSTREAM_VERSION=//p') upstream tests, stock build vs the fork with observation on"
	echo "(\`run-tests.php --mm-observe\`: zend.mm_observe=1 and zend.mm_observe_full_shutdown=1), -j$jobs, $(date -u +%Y-%m-%d)."
	echo "Command: \`mk/test-upstream.sh $set_name\`."
	echo
	echo "| | tests | PASS | FAIL | SKIP | BORK | XFAIL | wall s |"
	echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
	for c in 2 3; do
		v=$([ $c = 2 ] && echo stock || echo fork)
		echo "| $v | $n_total | $(count PASSED $c) | $(count FAILED $c) | $(count SKIPPED $c) | $(count BORKED $c) | $(count XFAILED $c) | $(awk -v v=$v '$1 == v { print $2 }' "$out/times") |"
	done
	echo
	echo "Tests with a different result: **$(wc -l < "$out/differ")** ($n_unexplained unexplained, $(wc -l < "$out/known") known);"
	echo "differed on the first pass only (same result when run again alone): $(wc -l < "$out/flaky")."
	if [ -s "$out/unexplained" ]; then
		echo
		echo "## Unexplained differences (stock result, fork result)"
		echo
		sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$out/unexplained"
	fi
	if [ -s "$out/known" ]; then
		echo
		echo "## Known differences (mk/upstream-known-differences.txt)"
		echo
		sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$out/known"
	fi
	awk -F'\t' '$2 == $3 && ($2 == "FAILED" || $2 == "BORKED")' "$out/both" > "$out/fail.both"
	if [ -s "$out/fail.both" ]; then
		echo
		echo "## Failing on both builds (not a difference; listed for the record)"
		echo
		sed 's/\t/ | /g; s/^/| /; s/$/ |/' "$out/fail.both"
	fi
	if [ -s "$out/flaky" ]; then
		echo
		echo "## Differed on the first pass only"
		echo
		sed 's/^/- /' "$out/flaky"
	fi
} > "$out/report.md"
cat "$out/report.md" >&2
echo "$n_passed passed, $n_unexplained failed"
