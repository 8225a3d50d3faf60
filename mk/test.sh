#!/usr/bin/env bash
# Run our phpt tests with upstream's run-tests.php against the built fork.
# The last line is "N passed, N failed" (CI reads it); exit status 0 only if
# at least one test ran and none failed.
#
#   mk/test.sh                       all of ext/mm_observe/tests
#   mk/test.sh ext/mm_observe/tests/lines_basic.phpt   one test (paths in the tree)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
src=$build/fork/src
php="$src/sapi/cli/php"
# Bring the tree up to date with our files (fast when nothing changed).
[ -n "${MM_NO_BUILD:-}" ] || "$top/mk/build.sh" fork >/dev/null || exit 1
[ -x "$php" ] || { echo "test: $php is not built; run 'make' first" >&2; exit 1; }

tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(ext/mm_observe/tests)
log=$(mktemp)
cd "$src" || exit 1
NO_INTERACTION=1 TEST_PHP_EXECUTABLE="$php" TEST_PHP_SRCDIR="$src" \
	"$php" -n run-tests.php -q -j"${JOBS:-$(nproc)}" --set-timeout 300 --show-diff -p "$php" "${tests[@]}" 2>&1 | tee "$log"
count() { sed -n "s/^Tests $1 *: *\([0-9]*\).*/\1/p" "$log" | head -n1; }
passed=$(count passed); failed=$(count failed); skipped=$(count skipped); borked=$(grep -c '^BORK' "$log" || true)
warned=$(count warned)
passed=${passed:-0}; failed=$(( ${failed:-0} + ${borked:-0} + ${warned:-0} )); skipped=${skipped:-0}
rm -f "$log"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
