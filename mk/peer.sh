#!/usr/bin/env bash
# The peer profiler make bench measures beside the fork: Xdebug, as Debian
# ships it for PHP 8.4 in the suite named in upstream.lock, loaded into the
# stock build.
#
#   mk/peer.sh STOCK_PHP DIR
#
# Debian's php8.4-xdebug is built against that suite's glibc (trixie: 2.41),
# newer than the one of a bookworm machine (2.36), so it is loaded with the
# suite's own dynamic loader and libc: both packages (php8.4-xdebug, libc6)
# are downloaded with apt's own downloader, which checks them against the
# signed index, through the private configuration of mk/lib/tarball.sh
# (under _build/apt-bin/; the system's apt configuration is never touched),
# and unpacked into DIR, never installed.  STOCK_PHP, built on this machine,
# runs unchanged on the newer libc.
#
# On success it prints four lines, shell assignments make bench evaluates:
#   peer_loader=DIR/.../ld-linux-x86-64.so.2
#   peer_libs=DIR/...:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu
#   peer_xdebug=DIR/usr/lib/php/API/xdebug.so
#   peer_version=3.4.5
# and checks that the stock build loads the extension (same PHP API, NTS).
# On failure it says why on stderr and exits 1.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}")

say() { printf 'peer: %s\n' "$*" >&2; }
die() { printf 'peer: error: %s\n' "$*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: $0 STOCK_PHP DIR"
stock=$1
dir=$(realpath -m -- "$2")
{ [ -f "$stock" ] && [ -x "$stock" ]; } || die "$stock is not an executable PHP binary"
# DIR is ours to replace only when it is new, empty or holds what this
# script unpacked (debs/, root/, .unpacked).
[ ! -e "$dir" ] || [ -d "$dir" ] || die "$dir exists and is not a directory"
if [ -d "$dir" ] && [ -n "$(find "$dir" -mindepth 1 -maxdepth 1 ! -name debs ! -name root ! -name .unpacked -print -quit)" ]; then
	die "$dir holds files mk/peer.sh did not put there: not touching it (give an empty or new directory)"
fi

# shellcheck source=mk/lib/tarball.sh
. "$top/mk/lib/tarball.sh"
tarball_apt_setup "$UPSTREAM_SUITE" deb
apt_opts=("${tarball_apt_opts[@]}")
pkgs=("${UPSTREAM_PACKAGE}-xdebug" libc6)

update_index() {
	say "updating the private apt index in $build/apt-bin"
	apt-get "${apt_opts[@]}" -qq --error-on=any update >&2 || die "apt-get update with the private configuration in $build/apt-bin failed (the archive $tarball_archive unreachable?)"
	updated=1
}
resolve() {	# sets versions and stamp from the index
	local p v
	versions=()
	for p in "${pkgs[@]}"; do
		v=$(apt-cache "${apt_opts[@]}" policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
		case $v in ''|'(none)') die "$UPSTREAM_SUITE has no package $p" ;; esac
		versions+=("$v")
	done
	stamp="${pkgs[0]}=${versions[0]} libc6=${versions[1]}"
}
download() {
	say "downloading ${pkgs[0]} ${versions[0]} and libc6 ${versions[1]} from $UPSTREAM_SUITE"
	rm -rf -- "$dir/debs" "$dir/root" "$dir/.unpacked"
	mkdir -p "$dir/debs"
	(cd "$dir/debs" && apt-get "${apt_opts[@]}" -qq download "${pkgs[0]}=${versions[0]}" "libc6=${versions[1]}") >&2
}

updated=0
apt-cache "${apt_opts[@]}" show "${pkgs[0]}" >/dev/null 2>&1 || update_index
resolve
if [ "$(cat "$dir/.unpacked" 2>/dev/null)" != "$stamp" ]; then
	# A download that fails on an index of another day: once more, with the
	# index brought up to date (the pool keeps only current versions).
	if ! download; then
		[ "$updated" = 0 ] || die "cannot download ${pkgs[*]} from $UPSTREAM_SUITE"
		update_index
		resolve
		download || die "cannot download ${pkgs[*]} from $UPSTREAM_SUITE"
	fi
	for d in "$dir"/debs/*.deb; do dpkg-deb -x "$d" "$dir/root" || die "cannot unpack $d"; done
	echo "$stamp" >"$dir/.unpacked"
fi

multiarch="$dir/root/usr/lib/x86_64-linux-gnu"
loader="$multiarch/ld-linux-x86-64.so.2"
[ -x "$loader" ] || loader="$dir/root/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -x "$loader" ] || die "libc6 of $UPSTREAM_SUITE has no ld-linux-x86-64.so.2"
api=$("$stock" -n -i 2>/dev/null | sed -n 's/^PHP API => //p')
so="$dir/root/usr/lib/php/$api/xdebug.so"
[ -f "$so" ] || die "${pkgs[0]} ${versions[0]} has no xdebug.so for PHP API $api (the stock build's)"
libs="$multiarch:/lib/x86_64-linux-gnu:/usr/lib/x86_64-linux-gnu"
banner=$("$loader" --library-path "$libs" "$stock" -n -d "zend_extension=$so" -v 2>&1) || true
version=$(printf '%s\n' "$banner" | sed -n 's/^ *with Xdebug v\([0-9][0-9.]*\),.*/\1/p')
[ -n "$version" ] || die "the stock build does not load $so: $(printf '%s\n' "$banner" | head -n3 | tr '\n' ' ')"
printf 'peer_loader=%q\npeer_libs=%q\npeer_xdebug=%q\npeer_version=%q\n' "$loader" "$libs" "$so" "$version"
