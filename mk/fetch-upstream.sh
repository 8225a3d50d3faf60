#!/usr/bin/env bash
# Obtain the pinned upstream tarball named in upstream.lock and verify it.
#
# Order of sources:
#   1. $PHP_TARBALL, a tarball the user already has (same sha256 check).
#   2. The cache, _build/tarballs/, filled by an earlier run.
#   3. Debian's archive through apt's own source client, with a private apt
#      configuration kept under _build/apt/.  The archive address is derived
#      from the machine's apt sources; the system's apt configuration is never
#      touched.  If the archive's index no longer lists the pinned version, we
#      say which versions it does serve and how to rebase, then try the pinned
#      file by its exact pool path and hash (the pool keeps superseded files for
#      a while), still through apt's own downloader.
#
# Prints the path of the verified tarball on stdout; everything else on stderr.
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

verify() {	# verify FILE -> 0 if its sha256 is the pinned one
	local got
	got=$(sha256sum "$1" | cut -d' ' -f1)
	if [ "$got" != "$UPSTREAM_SHA256" ]; then
		say "sha256 mismatch for $1"
		say "  expected $UPSTREAM_SHA256 (upstream.lock)"
		say "  got      $got"
		return 1
	fi
}

if [ -n "${PHP_TARBALL:-}" ]; then
	[ -f "$PHP_TARBALL" ] || die "PHP_TARBALL=$PHP_TARBALL: no such file"
	verify "$PHP_TARBALL" || die "PHP_TARBALL=$PHP_TARBALL is not the pinned release; refusing to build from it"
	if [ "$(readlink -f "$PHP_TARBALL")" != "$(readlink -f "$want" 2>/dev/null || true)" ]; then
		cp "$PHP_TARBALL" "$want.tmp" && mv "$want.tmp" "$want"
	fi
	echo "$want"
	exit 0
fi

if [ -f "$want" ]; then
	verify "$want" || { mv "$want" "$want.bad"; die "cached $want failed verification (moved to $want.bad); run again to fetch it anew"; }
	echo "$want"
	exit 0
fi

# --- private apt configuration --------------------------------------------
apt_root="$build/apt"
mkdir -p "$apt_root/etc/sources.list.d" "$apt_root/etc/preferences.d" \
	"$apt_root/etc/apt.conf.d" "$apt_root/etc/trusted.gpg.d" \
	"$apt_root/state/lists/partial" "$apt_root/cache/archives/partial"

# Derive the archive and security-archive addresses from the system's sources
# (one-line and deb822 formats).  Fall back to Debian's canonical addresses.
sources=$( { cat /etc/apt/sources.list 2>/dev/null || true
	cat /etc/apt/sources.list.d/*.list 2>/dev/null || true
	cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } )
uris=$(printf '%s\n' "$sources" | sed -n \
	-e 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\3/p' \
	-e 's/^[[:space:]]*URIs:[[:space:]]*//p' | tr ' ' '\n' | grep -E '^(https?|file):' || true)
archive=$(printf '%s\n' "$uris" | grep -E '/debian/?$' | head -n1 || true)
security=$(printf '%s\n' "$uris" | grep -E '/debian-security/?$' | head -n1 || true)
[ -n "$archive" ] || archive=http://deb.debian.org/debian
archive=${archive%/}
[ -n "$security" ] || security=${archive%/debian}/debian-security
security=${security%/}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -f "$keyring" ] || die "$keyring is missing: install the debian-archive-keyring package"

suite=$UPSTREAM_SUITE
cat > "$apt_root/etc/sources.list" <<EOF
deb-src [signed-by=$keyring] $archive $suite main
deb-src [signed-by=$keyring] $archive $suite-updates main
deb-src [signed-by=$keyring] $security $suite-security main
EOF
apt_opts=(-o "Dir::Etc=$apt_root/etc" -o "Dir::State=$apt_root/state"
	-o "Dir::Cache=$apt_root/cache" -o "Dir::State::status=/var/lib/dpkg/status"
	-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")

say "updating a private apt index for $suite source packages (from $archive)"
apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update with the private configuration in $apt_root failed"

served=$(apt-cache "${apt_opts[@]}" showsrc "$UPSTREAM_PACKAGE" 2>/dev/null | sed -n 's/^Version: //p' | sort -uV | tr '\n' ' ')
if printf ' %s ' "$served" | grep -qF " $UPSTREAM_VERSION "; then
	say "downloading $UPSTREAM_PACKAGE=$UPSTREAM_VERSION with apt-get source"
	(cd "$cache" && apt-get "${apt_opts[@]}" -qq source --download-only "$UPSTREAM_PACKAGE=$UPSTREAM_VERSION" >&2) \
		|| die "apt-get source $UPSTREAM_PACKAGE=$UPSTREAM_VERSION failed"
else
	say "the archive no longer lists $UPSTREAM_PACKAGE $UPSTREAM_VERSION in its index."
	say "  it serves: ${served:-nothing for $UPSTREAM_PACKAGE}"
	say "  to move the base (a rebase): set UPSTREAM_VERSION, UPSTREAM_FILE, UPSTREAM_SHA256 and"
	say "  UPSTREAM_DIR in upstream.lock from 'apt-cache showsrc $UPSTREAM_PACKAGE' (Checksums-Sha256),"
	say "  run 'make', and refresh the patches whose hunks moved (see README, 'Rebasing')."
	dir=$(apt-cache "${apt_opts[@]}" showsrc "$UPSTREAM_PACKAGE" 2>/dev/null | sed -n 's/^Directory: //p' | head -n1)
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
# apt-get source also fetched the .dsc and the Debian packaging; we only use the orig tarball.
echo "$want"
