#!/usr/bin/env bash
# The README's test command (`make test`, and CI through .ci/run): build the
# fork and the stock build, run the ring's C tests (mk/ring-test.sh), our phpt
# tests (mk/test.sh), the CI set
# of the upstream fidelity comparison (mk/test-upstream.sh ci), the patch
# queue's tooling (mk/tooling-test.sh: rebase, branch and back), then the
# install and the Debian packages used for real (mk/install-test.sh: as root,
# on a machine without /opt/php-mm; it says why when it skips).  The last line
# is "N passed, N failed" over all; exit status 0 only if tests ran and none
# failed.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)

if ! "$top/mk/build.sh" fork || ! "$top/mk/build.sh" stock; then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

# Test-only tools: the real `go tool pprof` and headless Chromium check the
# report's pprof and HTML output, cgi-fcgi (libfcgi-bin) and nginx put a real
# client in front of php-fpm (their tests skip without them).
"$top/mk/deps.sh" golang-go chromium libfcgi-bin nginx-light || echo "check: golang-go, chromium, libfcgi-bin and nginx-light are not installed; report_pprof_go, report_html_chromium, fpm_requests and the nginx tests (fpm.inc: fpm_smoke, fpm_unwritable_db) will skip"

last() { tail -n1 "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p'; }
ours=$(mktemp)
upstream=$(mktemp)
ring=$(mktemp)
install=$(mktemp)
tooling=$(mktemp)
trap 'rm -f "$ours" "$upstream" "$ring" "$install" "$tooling"' EXIT

echo "== the ring's C tests (Zend/tests/mm_observe/ring_test.c)"
"$top/mk/ring-test.sh" 2>&1 | tee "$ring"
echo

echo "== our phpt tests (ext/mm_observe/tests)"
MM_NO_BUILD=1 "$top/mk/test.sh" | tee "$ours"
echo
echo "== upstream fidelity, CI set (stock vs the fork observing)"
MM_NO_BUILD=1 "$top/mk/test-upstream.sh" ci | tee "$upstream"
echo
echo "== the patch queue's tooling: make rebase, make branch and back (mk/tooling-test.sh)"
"$top/mk/tooling-test.sh" 2>&1 | tee "$tooling"
echo
echo "== make install, phpize, make deb (mk/install-test.sh)"
"$top/mk/install-test.sh" 2>&1 | tee "$install"

read -r p1 f1 <<<"$(last "$ours")"
read -r p2 f2 <<<"$(last "$upstream")"
read -r p0 f0 <<<"$(last "$ring")"
read -r p3 f3 <<<"$(last "$install")"
read -r p4 f4 <<<"$(last "$tooling")"
p0=${p0:-0}; f0=${f0:-1}; p1=${p1:-0}; f1=${f1:-1}; p2=${p2:-0}; f2=${f2:-1}; p3=${p3:-0}; f3=${f3:-1}; p4=${p4:-0}; f4=${f4:-1}
echo
# What failed, by name, just above the summary: a CI log is read from its tail.
{
	grep -h '^FAIL: ' "$ring"
	grep -h '^FAIL ' "$ours" | sort -u
	if [ "$f2" -gt 0 ] && [ -f "$build/upstream/ci/unexplained" ]; then
		awk -F'\t' '{ printf "upstream fidelity: %s: stock %s, fork %s (on the first pass and again alone)\n", $1, $2, $3 }' "$build/upstream/ci/unexplained"
	fi
	grep -h '^not ok - ' "$tooling" "$install"
} | sed 's/^/failed: /'
echo "ring C tests: $p0 passed, $f0 failed; our phpt tests: $p1 passed, $f1 failed; upstream fidelity: $p2 same result, $f2 unexplained differences; tooling: $p4 passed, $f4 failed; install and packages: $p3 passed, $f3 failed"
echo "$(( p0 + p1 + p2 + p3 + p4 )) passed, $(( f0 + f1 + f2 + f3 + f4 )) failed"
[ $(( f0 + f1 + f2 + f3 + f4 )) -eq 0 ] && [ $(( p0 + p1 + p2 + p3 + p4 )) -gt 0 ]
