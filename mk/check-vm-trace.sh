#!/usr/bin/env bash
# The VM_TRACE list (Zend/zend_mm_observe_vm_gen.pl), checked on real code.
#
#   mk/check-vm-trace.sh [ci|full]      (default: ci)
#
# Builds the fork once more, in $MM_BUILD_DIR/check (a tree of its own),
# with -DZEND_MM_OBSERVE_TRACE_CHECK: every handler then also records its
# frame and opline on entry, and an allocation whose frame's EX(opline) is
# another opline (a handler the list left without a store allocated before
# saving) is counted and reported on stderr at the end of the request:
# "mm_observe trace check: N allocation(s) billed to a stale opline; the
# first: OPCODE at FILE:LINE, billed to ...".  Then it runs our phpt tests
# and upstream's (the CI set, or all of them) observed, and lists every
# test whose output carries that line.  Last line: "N stale, ...".
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
set_name=${1:-ci}
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}")
check=$build/check
mkdir -p "$check"

MM_BUILD_DIR=$build "$top/mk/build.sh" stock >&2
ln -sfn "$build/stock" "$check/stock"
export MM_BUILD_DIR=$check CFLAGS="${CFLAGS:--O2 -g} -DZEND_MM_OBSERVE_TRACE_CHECK"
"$top/mk/build.sh" fork >&2
src=$(cd "$check/fork/src" && pwd -P)
find "$src" -name '*.out' -delete
# Both runs compare outputs: a report line fails the test; the verdicts are
# not the point here, the report lines are.
MM_NO_BUILD=1 "$top/mk/test.sh" >/dev/null 2>&1 || true
MM_NO_BUILD=1 "$top/mk/test-upstream.sh" "$set_name" >/dev/null 2>&1 || true
hits=$(grep -rl --include='*.out' 'mm_observe trace check:' "$src" "$check/upstream" 2>/dev/null | LC_ALL=C sort -u || true)
n=0
for f in $hits; do
	n=$((n + 1))
	echo "${f#"$src"/}: $(grep -h -m1 'mm_observe trace check:' "$f")"
done
echo "$n stale, in our tests and upstream's $set_name set"
[ "$n" -eq 0 ]
