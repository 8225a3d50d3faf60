#!/usr/bin/env bash
# C-level tests of the ring (Zend/tests/mm_observe/ring_test.c), compiled
# against the configured fork tree.  Last line: "N passed, N failed".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
src=$build/fork/src
[ -f "$src/main/php_config.h" ] || { echo "ring-test: build the fork first (make)" >&2; exit 1; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O1 -g -Wall -Wno-unused-function \
	-I"$src" -I"$src/main" -I"$src/Zend" -I"$src/TSRM" -I"$src/Zend/tests/mm_observe" \
	"$src/Zend/tests/mm_observe/ring_test.c" -o "$out/ring_test" -lpthread
"$out/ring_test"
