# shellcheck shell=bash
# Upstream tarballs: the cache outside the build tree, unpacking, and the
# private apt configuration that reads Debian's archive.
#
# Sourced by mk/fetch-upstream.sh, mk/rebase.sh and mk/branch.sh after they
# have set $build (the absolute build directory) and defined say() and die().
# Defines functions (prefix tarball_) and, after tarball_apt_setup, the array
# tarball_apt_opts; runs nothing when sourced.
#
# Invariants:
#  1. The cache is ${MM_TARBALL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mm-observe/tarballs}.
#     It lives outside the build tree, so `make distclean`, another checkout or
#     MM_BUILD_DIR elsewhere still find a release that has left Debian's
#     archive.  MM_TARBALL_CACHE set to the empty string turns it off.
#  2. Nothing read from the cache is trusted: the caller checks its sha256
#     (tarball_cache_get does).  A file enters it whole (copy to a temporary
#     name in the same directory, then rename), so a reader never sees half.
#  3. The compression is read from the first bytes (xz, gzip, bzip2 or plain
#     tar), never from the file name, and the top-level directory from what the
#     archive holds: exactly one directory, or tarball_topdir refuses.
#  4. A release is never unpacked whole: the tools read the member list, then
#     extract only the files they need (tarball_extract) or stream the archive
#     (tarball_cat).  This machine's disk makes 25,000 files slow to write and
#     to delete.
#  5. apt runs with a private configuration under $build/apt: the system's
#     apt configuration and lists are never touched.  The archive address is
#     MM_APT_ARCHIVE when set (tests point it at an address that refuses
#     connections), else the first Debian archive in the machine's sources,
#     else deb.debian.org.

tarball_sha256() {	# FILE -> its sha256 on stdout
	local sum
	sum=$(sha256sum -- "$1") || return 1
	printf '%s\n' "${sum%% *}"
}

tarball_cache_dir() {	# -> the cache directory on stdout, or nothing when turned off
	local dir
	if [ -n "${MM_TARBALL_CACHE+set}" ]; then
		dir=$MM_TARBALL_CACHE
	elif [ -n "${XDG_CACHE_HOME:-}" ]; then
		dir=$XDG_CACHE_HOME/mm-observe/tarballs
	elif [ -n "${HOME:-}" ]; then
		dir=$HOME/.cache/mm-observe/tarballs
	else
		dir=
	fi
	[ -z "$dir" ] || realpath -m -- "$dir"
}

# tarball_cache_get NAME SHA256 -> the cached file's path on stdout, status 0,
# when the cache holds NAME with that sha256; status 1 otherwise (a file of
# that name with another sha256 is reported and left where it is).
tarball_cache_get() {
	local dir f got
	dir=$(tarball_cache_dir)
	[ -n "$dir" ] || return 1
	f="$dir/$1"
	[ -f "$f" ] || return 1
	got=$(tarball_sha256 "$f") || return 1
	if [ "$got" != "$2" ]; then
		say "the cache's $f has sha256 $got, not $2: not using it"
		return 1
	fi
	printf '%s\n' "$f"
}

# tarball_cache_put FILE NAME: keep a verified tarball in the cache as NAME.
# Best effort: a cache that cannot be written is reported, never fatal.
tarball_cache_put() {
	local dir dest tmp
	dir=$(tarball_cache_dir)
	[ -n "$dir" ] || return 0
	dest="$dir/$2"
	if [ -f "$dest" ] && cmp -s -- "$1" "$dest"; then return 0; fi
	if mkdir -p -- "$dir" 2>/dev/null && tmp=$(mktemp "$dest.XXXXXX" 2>/dev/null); then
		if cp -- "$1" "$tmp" && chmod 0644 "$tmp" && mv -f -- "$tmp" "$dest"; then
			say "kept $2 in the tarball cache $dir"
			return 0
		fi
		rm -f -- "$tmp"
	fi
	say "warning: could not store $2 in the tarball cache $dir (set MM_TARBALL_CACHE to a writable directory)"
}

tarball_compression() {	# FILE -> xz|gzip|bzip2|tar on stdout; status 1 if none of these
	local magic ustar
	magic=$(od -An -tx1 -N6 -- "$1" 2>/dev/null | tr -d ' \n')
	case $magic in
		fd377a585a00) echo xz; return 0 ;;
		1f8b*) echo gzip; return 0 ;;
		425a68*) echo bzip2; return 0 ;;
	esac
	ustar=$(dd if="$1" bs=1 skip=257 count=5 2>/dev/null || true)
	if [ "$ustar" = ustar ]; then echo tar; return 0; fi
	return 1
}

tarball_cat() {	# FILE -> the tar stream, decompressed, on stdout
	local kind
	kind=$(tarball_compression "$1") || die "$1 is not a tar archive (.tar.xz, .tar.gz, .tar.bz2 or .tar)"
	case $kind in
		xz) xz -dc -- "$1" ;;
		gzip) gzip -dc -- "$1" ;;
		bzip2) bzip2 -dc -- "$1" ;;
		tar) cat -- "$1" ;;
	esac
}

# tarball_members FILE LIST: write the archive's member names, one a line, to
# LIST.  Dies if FILE is not a tar archive.
tarball_members() {
	tarball_cat "$1" | tar -t --quoting-style=literal -f - >"$2" \
		|| die "could not read the members of $1"
}

# tarball_topdir LIST NAME -> the one directory at the top of the archive
# whose member list is LIST; dies (naming the archive NAME) if the members do
# not all lie under one directory.
tarball_topdir() {
	local tops top
	tops=$(sed 's|^\./||; s|/.*||; /^$/d' -- "$1" | LC_ALL=C sort -u)
	case $tops in
		''|*$'\n'*) die "$2 does not hold exactly one top-level directory (it holds: $(printf '%s' "$tops" | head -n 5 | tr '\n' ' '))" ;;
	esac
	top=$tops
	grep -q -- "^\(\./\)\{0,1\}$top/" "$1" || die "$2: its only top-level entry, $top, is not a directory"
	case $top in
		*[!A-Za-z0-9._+-]*) die "$2: its top-level directory '$top' has characters upstream.lock cannot carry" ;;
	esac
	printf '%s\n' "$top"
}

# tarball_extract FILE DIR LIST TOP PATH...: extract TOP/PATH for each PATH
# the archive has (per LIST, the output of tarball_members) into DIR/PATH;
# the others are skipped.  With LIST "-", every TOP/PATH must be there.  Only
# these files are written: a release tree is 25,000 files.
tarball_extract() {
	local file=$1 dir=$2 list=$3 top=$4 p
	local -a members=()
	shift 4
	for p in "$@"; do
		if [ "$list" = - ] || grep -qxF -- "$top/$p" "$list"; then members+=("$top/$p")
		elif grep -qxF -- "./$top/$p" "$list"; then members+=("./$top/$p"); fi
	done
	mkdir -p -- "$dir"
	[ "${#members[@]}" -gt 0 ] || return 0
	tarball_cat "$file" | tar -x --no-same-owner --strip-components=1 -f - -C "$dir" -- "${members[@]}" \
		|| die "could not extract from $file"
}

# tarball_apt_setup SUITE [deb]: write the private apt configuration for SUITE,
# SUITE-updates and SUITE-security source packages under $build/apt (with
# "deb": binary amd64 packages, under $build/apt-bin), and set
# tarball_apt_opts (pass to apt-get/apt-cache), tarball_archive and
# tarball_security (the two base addresses).
# shellcheck disable=SC2034,SC2154  # sets globals for the caller; $build is the caller's
tarball_apt_setup() {
	local suite=$1 kind=deb-src apt_root="$build/apt" sources uris keyring tmp
	if [ "${2:-}" = deb ]; then kind=deb; apt_root="$build/apt-bin"; fi
	mkdir -p "$apt_root/etc/sources.list.d" "$apt_root/etc/preferences.d" \
		"$apt_root/etc/apt.conf.d" "$apt_root/etc/trusted.gpg.d" \
		"$apt_root/state/lists/partial" "$apt_root/cache/archives/partial"
	if [ -n "${MM_APT_ARCHIVE:-}" ]; then
		tarball_archive=${MM_APT_ARCHIVE%/}
		tarball_security=${MM_APT_SECURITY:-${tarball_archive%/debian}/debian-security}
	else
		# The archive and security-archive addresses of the system's sources
		# (one-line and deb822 formats), else Debian's canonical addresses.
		sources=$( { cat /etc/apt/sources.list 2>/dev/null || true
			cat /etc/apt/sources.list.d/*.list 2>/dev/null || true
			cat /etc/apt/sources.list.d/*.sources 2>/dev/null || true; } )
		uris=$(printf '%s\n' "$sources" | sed -n \
			-e 's/^[[:space:]]*deb\(-src\)\{0,1\}[[:space:]]\{1,\}\(\[[^]]*\][[:space:]]\{1,\}\)\{0,1\}\([^[:space:]]*\).*/\3/p' \
			-e 's/^[[:space:]]*URIs:[[:space:]]*//p' | tr ' ' '\n' | grep -E '^(https?|file):' || true)
		tarball_archive=$(printf '%s\n' "$uris" | grep -E '/debian/?$' | head -n1 || true)
		tarball_security=$(printf '%s\n' "$uris" | grep -E '/debian-security/?$' | head -n1 || true)
		[ -n "$tarball_archive" ] || tarball_archive=http://deb.debian.org/debian
		tarball_archive=${tarball_archive%/}
		[ -n "$tarball_security" ] || tarball_security=${tarball_archive%/debian}/debian-security
	fi
	tarball_security=${tarball_security%/}
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -f "$keyring" ] || die "$keyring is missing: install the debian-archive-keyring package"
	tmp=$(mktemp "$apt_root/etc/sources.list.XXXXXX")
	cat >"$tmp" <<-EOF
	$kind [signed-by=$keyring] $tarball_archive $suite main
	$kind [signed-by=$keyring] $tarball_archive $suite-updates main
	$kind [signed-by=$keyring] $tarball_security $suite-security main
	EOF
	mv -f "$tmp" "$apt_root/etc/sources.list"
	tarball_apt_opts=(-o "Dir::Etc=$apt_root/etc" -o "Dir::State=$apt_root/state"
		-o "Dir::Cache=$apt_root/cache" -o "Dir::State::status=/var/lib/dpkg/status"
		-o "Debug::NoLocking=1" -o "APT::Sandbox::User=root")
	[ "$kind" = deb-src ] || tarball_apt_opts+=(-o "APT::Architecture=amd64" -o "APT::Architectures::=amd64")
}
