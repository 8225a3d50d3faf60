#!/usr/bin/env bash
# Obtain the pinned upstream tarball named in upstream.lock and verify it.
#
# Order of sources:
#   1. $PHP_TARBALL, a tarball the user already has (same sha256 check).
#   2. The build's copy, _build/tarballs/, filled by an earlier run.
#   3. The tarball cache outside the build tree,
#      ${MM_TARBALL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mm-observe/tarballs}
#      (mk/lib/tarball.sh): every tarball verified here or by mk/rebase.sh is
#      kept there, so a release that has left Debian's archive still builds in
#      a fresh clone.  MM_TARBALL_CACHE= (empty) turns it off.
#   4. Debian's archive through apt's own source client, with a private apt
#      configuration kept under _build/apt/.  The archive address is derived
#      from the machine's apt sources (MM_APT_ARCHIVE overrides it); the
#      system's apt configuration is never touched.  If the archive's index no
#      longer lists the pinned version, we say which versions it does serve and
#      how to rebase, then try the pinned file by its exact pool path and hash
#      (the pool keeps superseded files for a while), still through apt's own
#      downloader.
#
# Whatever the source, the verified tarball ends up as
# _build/tarballs/$UPSTREAM_FILE and in the cache.  Prints that path on stdout;
# everything else on stderr.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
cache="$build/tarballs"
want="$cache/$UPSTREAM_FILE"
mkdir -p "$cache"

say() { printf 'fetch-upstream: %s\n' "$*" >&2; }
die() { printf 'fetch-upstream: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=mk/lib/tarball.sh
. "$top/mk/lib/tarball.sh"

verify() {	# verify FILE -> 0 if its sha256 is the pinned one
	local got
	got=$(tarball_sha256 "$1")
	if [ "$got" != "$UPSTREAM_SHA256" ]; then
		say "sha256 mismatch for $1"
		say "  expected $UPSTREAM_SHA256 (upstream.lock)"
		say "  got      $got"
		return 1
	fi
}

install_copy() {	# FILE: copy a verified tarball to $want (temporary name, then rename)
	if [ "$(readlink -f -- "$1")" != "$(readlink -f -- "$want" 2>/dev/null || true)" ]; then
		cp -- "$1" "$want.tmp" && mv -f -- "$want.tmp" "$want"
	fi
}

if [ -n "${PHP_TARBALL:-}" ]; then
	[ -f "$PHP_TARBALL" ] || die "PHP_TARBALL=$PHP_TARBALL: no such file"
	verify "$PHP_TARBALL" || die "PHP_TARBALL=$PHP_TARBALL is not the pinned release; refusing to build from it"
	install_copy "$PHP_TARBALL"
	tarball_cache_put "$want" "$UPSTREAM_FILE"
	echo "$want"
	exit 0
fi

if [ -f "$want" ]; then
	verify "$want" || { mv "$want" "$want.bad"; die "cached $want failed verification (moved to $want.bad); run again to fetch it anew"; }
	tarball_cache_put "$want" "$UPSTREAM_FILE"
	echo "$want"
	exit 0
fi

if cached=$(tarball_cache_get "$UPSTREAM_FILE" "$UPSTREAM_SHA256"); then
	say "using $cached from the tarball cache"
	install_copy "$cached"
	verify "$want" || die "the copy of $cached in $cache failed verification"
	echo "$want"
	exit 0
fi

# A tarball given by hand to mk/rebase.sh (PHP_TARBALL=... SHA256=...) has no
# Debian version: the archive cannot have it under that name.
case $UPSTREAM_VERSION in
	*-*) ;;
	*) die "upstream.lock pins $UPSTREAM_FILE, a tarball given by hand (make rebase PHP_TARBALL=...), not a file of Debian's archive, and the tarball cache ($(tarball_cache_dir)) does not have it: pass PHP_TARBALL=/path/to/$UPSTREAM_FILE (sha256 $UPSTREAM_SHA256)" ;;
esac

# --- Debian's archive, with a private apt configuration --------------------
tarball_apt_setup "$UPSTREAM_SUITE"
apt_opts=("${tarball_apt_opts[@]}")
archive=$tarball_archive
security=$tarball_security

say "updating a private apt index for $UPSTREAM_SUITE source packages (from $archive)"
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update with the private configuration in $build/apt failed (no network? a tarball you have: PHP_TARBALL=/path/to/$UPSTREAM_FILE)"

# apt-get update only warns when it cannot reach the archive; an index without
# the package is how that shows.
records=$(apt-cache "${apt_opts[@]}" showsrc "$UPSTREAM_PACKAGE" 2>/dev/null || true)
[ -n "$records" ] || die "the archive's index at $archive has no $UPSTREAM_PACKAGE for $UPSTREAM_SUITE (unreachable? see apt's warnings above): pass PHP_TARBALL=/path/to/$UPSTREAM_FILE (sha256 $UPSTREAM_SHA256)"
served=$(printf '%s\n' "$records" | sed -n 's/^Version: //p' | sort -uV | tr '\n' ' ')
if printf ' %s ' "$served" | grep -qF " $UPSTREAM_VERSION "; then
	say "downloading $UPSTREAM_PACKAGE=$UPSTREAM_VERSION with apt-get source"
	(cd "$cache" && apt-get "${apt_opts[@]}" -qq source --download-only "$UPSTREAM_PACKAGE=$UPSTREAM_VERSION" >&2) \
		|| die "apt-get source $UPSTREAM_PACKAGE=$UPSTREAM_VERSION failed"
else
	say "the archive no longer lists $UPSTREAM_PACKAGE $UPSTREAM_VERSION in its index."
	say "  it serves: ${served:-nothing for $UPSTREAM_PACKAGE}"
	say "  to move the base: make rebase VERSION=<one of those> (README, 'Iterating on the code')."
	dir=$(printf '%s\n' "$records" | sed -n 's/^Directory: //p' | head -n1)
	dir=${dir:-pool/main/${UPSTREAM_PACKAGE:0:1}/$UPSTREAM_PACKAGE}
	for base in "$archive" "$security"; do
		case $base in *security*) d=${dir/pool\/main/pool\/updates\/main} ;; *) d=$dir ;; esac
		say "trying the pinned file by its pool path: $base/$d/$UPSTREAM_FILE"
		if /usr/lib/apt/apt-helper download-file "$base/$d/$UPSTREAM_FILE" "$want.tmp" "SHA256:$UPSTREAM_SHA256" >&2 2>/dev/null; then
			mv "$want.tmp" "$want"
			break
		fi
		rm -f "$want.tmp"
	done
	[ -f "$want" ] || die "the pinned tarball is not available from the archive any more: pass PHP_TARBALL=/path/to/$UPSTREAM_FILE or rebase as described above"
fi

[ -f "$want" ] || die "apt-get source did not leave $UPSTREAM_FILE in $cache"
verify "$want" || { mv "$want" "$want.bad"; die "downloaded $UPSTREAM_FILE failed verification (kept as $want.bad)"; }
tarball_cache_put "$want" "$UPSTREAM_FILE"
# apt-get source also fetched the .dsc and the Debian packaging; we only use the orig tarball.
echo "$want"
