#!/usr/bin/env bash
# Download the orig tarball of a Debian source package of the suite named in
# upstream.lock into DIR (printing its path), with apt's own downloader and
# the private apt configuration of mk/lib/tarball.sh under _build/apt/ (the
# one mk/fetch-upstream.sh uses; the system's apt configuration is never
# touched).
# The sha256 is the one of the signed index (the .dsc's Checksums-Sha256);
# only the upstream tarball is fetched (this network serves the pool's
# orig tarballs but not always the .dsc and Debian's packaging).
#
#   mk/apt-source.sh PACKAGE DIR
#
# Used by the tests to build a real PECL extension (php-apcu) with phpize.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}")

say() { printf 'apt-source: %s\n' "$*" >&2; }
die() { printf 'apt-source: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 PACKAGE DIR"
pkg=$1
dir=$2

# shellcheck source=mk/lib/tarball.sh
. "$top/mk/lib/tarball.sh"
tarball_apt_setup "$UPSTREAM_SUITE"
apt_opts=("${tarball_apt_opts[@]}")

if ! apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null | grep -q '^Package:'; then
	say "updating the private apt index in $build/apt"
	apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update with the private configuration in $build/apt failed"
fi
records=$(apt-cache "${apt_opts[@]}" showsrc "$pkg" 2>/dev/null || true)
[ -n "$records" ] || die "the archive's index has no source package $pkg for $UPSTREAM_SUITE"
# The first (newest) record: its directory and the orig tarball's sha256.
record=$(printf '%s\n' "$records" | awk 'BEGIN { RS = ""; ORS = "\n\n" } NR == 1')
pool=$(printf '%s\n' "$record" | sed -n 's/^Directory: //p')
read -r sha size file < <(printf '%s\n' "$record" | sed -n '/^Checksums-Sha256:/,/^[^ ]/p' \
	| grep -E '^ [0-9a-f]{64} [0-9]+ [^ ]+\.orig\.tar\.[a-z0-9]+$' | head -n1) || true
[ -n "${file:-}" ] && [ -n "$pool" ] || die "no orig tarball named in the index for $pkg"
case $file in */*|.*) die "the index names an unexpected file: $file" ;; esac
mkdir -p "$dir"
if [ ! -f "$dir/$file" ] || [ "$(sha256sum "$dir/$file" | cut -d' ' -f1)" != "$sha" ]; then
	say "downloading $tarball_archive/$pool/$file ($size bytes)"
	/usr/lib/apt/apt-helper download-file "$tarball_archive/$pool/$file" "$dir/$file.tmp" "SHA256:$sha" >&2 \
		|| { rm -f "$dir/$file.tmp"; die "cannot download $file"; }
	mv -f "$dir/$file.tmp" "$dir/$file"
fi
echo "$dir/$file"
