#!/usr/bin/env bash
# Regenerates docs/demo-report.png: the HTML report of `make demo`
# (_build/demo-report.html) rendered by headless Chromium.  Run after
# `make demo` when the page changes.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}")
html=$build/demo-report.html
[ -f "$html" ] || { echo "screenshot: $html is missing; run 'make demo' first" >&2; exit 1; }
command -v chromium >/dev/null || { echo "screenshot: needs chromium (apt-get install chromium)" >&2; exit 1; }
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
HOME=$profile chromium --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars \
	--user-data-dir="$profile" --window-size="${MM_SCREENSHOT_SIZE:-1300,2700}" \
	--screenshot="$top/docs/demo-report.png" "file://$html" 2>/dev/null
echo "screenshot: wrote docs/demo-report.png"
