#!/usr/bin/env bash
# Move the patch queue onto another upstream release (make rebase).
#
#   make rebase VERSION=8.4.N
#       the release from Debian's archive: the suite of upstream.lock with its
#       -updates and -security, read with the same private apt configuration as
#       mk/fetch-upstream.sh.  The sha256 is the one the archive's signed index
#       carries for the orig tarball (the .dsc's Checksums-Sha256).
#       VERSION may also be a full Debian version (8.4.N-1~deb13u1).
#   make rebase PHP_TARBALL=/path/to/php-8.4.N.tar.xz SHA256=HEX [VERSION=...]
#       a tarball you have, checked against the sha256 you give (the one
#       published with the release).  Without SHA256 it refuses.
#   make rebase PHP_TARBALL=/path/to/php-8.4.N.tar.xz SHA256=print
#       only compute and print the tarball's sha256, to compare with the
#       published one; nothing else is done.
#   mk/rebase.sh [VERSION] is the same; FUZZ=N (default 2) is the most fuzz
#   allowed while applying the old patches.
#
# Steps; each one that fails stops the rebase with upstream.lock and patches/
# exactly as they were:
#   1. Get the tarball: the tarball cache first (mk/lib/tarball.sh), else the
#      archive; check its sha256; keep it in the cache, so `make` finds it even
#      once the archive has dropped it.
#   2. Read it (xz, gzip, bzip2 or plain tar, by content; the top-level
#      directory is read from the archive) and extract, under
#      $MM_BUILD_DIR/rebase/, only main/php_version.h and the files the series
#      patches; check that php_version.h says VERSION and that the release
#      ships no file at the path of one of ours (ours would silently replace
#      it).
#   3. Apply patches/series in order, allowing offsets and up to FUZZ lines of
#      fuzz, and stop at the first patch that does not apply, naming the file
#      and hunk and showing the rejected hunk.  The files as the earlier
#      patches left them stay under $MM_BUILD_DIR/rebase/apply/ to work from.
#   4. Refresh every patch with a hunk that needed an offset or fuzz: its diffs
#      are regenerated against the new release (mk/lib/patchq.sh's generator),
#      its Subject/rationale header kept byte for byte.
#   5. Check that the refreshed series applies with --fuzz=0 (as mk/build.sh
#      applies it), without offsets, and gives the same files as step 3.
# Then the refreshed patches and upstream.lock are written, each to a temporary
# name first and renamed into place, and the next steps are printed: review
# the fuzzed hunks, `make`, `make test`, `make test-upstream`.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
work="$build/rebase"

say() { printf 'rebase: %s\n' "$*" >&2; }
die() { printf 'rebase: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=mk/lib/tarball.sh
. "$top/mk/lib/tarball.sh"
# shellcheck source=mk/lib/patchq.sh
. "$top/mk/lib/patchq.sh"

case ${1:-} in
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see $0 --help)" ;;
esac
[ $# -le 1 ] || die "usage: $0 [VERSION]  (see $0 --help)"
version=${1:-${VERSION:-}}
fuzz=${FUZZ:-2}
case $fuzz in ''|*[!0-9]*) die "FUZZ=$fuzz: a number of lines, e.g. 2" ;; esac
case $version in
	''|[0-9]*) ;;
	*) die "VERSION=$version: a release such as 8.4.28 or a Debian version such as 8.4.28-1~deb13u1" ;;
esac
case $version in *[!A-Za-z0-9.+~:-]*) die "VERSION=$version: unexpected characters" ;; esac

upstream_part() {	# Debian or upstream version -> the upstream version (no epoch, no revision)
	local v=${1#*:}
	case $v in *-*) v=${v%-*} ;; esac
	printf '%s\n' "$v"
}

# Temporary files in the checkout, removed if we stop before renaming them.
pending=()
cleanup() {
	local f
	for f in "${pending[@]+"${pending[@]}"}"; do rm -f -- "$f"; done
}
trap cleanup EXIT

rm -rf -- "$work"
mkdir -p -- "$work"

# --- 1. the tarball ----------------------------------------------------------
# Sets tarball (its path), sha, file (its name in upstream.lock) and debver
# (the Debian version, empty for a tarball given by hand).
debver=
if [ -n "${PHP_TARBALL:-}" ]; then
	[ -f "$PHP_TARBALL" ] || die "PHP_TARBALL=$PHP_TARBALL: no such file"
	tarball=$(realpath -- "$PHP_TARBALL")
	file=${tarball##*/}
	given=${SHA256:-}
	if [ "$given" = print ]; then
		sha=$(tarball_sha256 "$tarball")
		printf '%s  %s\n' "$sha" "$tarball"
		say "computed only (SHA256=print): compare it with the sha256 published for the release, then run"
		say "  make rebase PHP_TARBALL=$PHP_TARBALL SHA256=$sha${version:+ VERSION=$version}"
		say "nothing was changed"
		exit 0
	fi
	[ -n "$given" ] || die "PHP_TARBALL needs SHA256=<the sha256 published for the release> (SHA256=print only computes it, for you to compare); refusing an unverified tarball"
	given=$(printf '%s' "$given" | tr 'A-F' 'a-f')
	case $given in
		*[!0-9a-f]*) die "SHA256=$SHA256 is not a sha256 (64 hexadecimal digits)" ;;
	esac
	[ "${#given}" -eq 64 ] || die "SHA256=$SHA256 is not a sha256 (64 hexadecimal digits)"
	sha=$(tarball_sha256 "$tarball")
	if [ "$sha" != "$given" ]; then
		say "sha256 mismatch for $tarball"
		say "  expected $given (SHA256=)"
		say "  got      $sha"
		die "refusing $PHP_TARBALL: it is not the tarball you named; nothing was changed"
	fi
	case $file in
		*[!A-Za-z0-9._+~-]*) die "$file: rename the tarball to letters, digits and . _ + ~ - only (the name goes into upstream.lock)" ;;
	esac
	case $version in *-*) debver=$version ;; esac
	say "$file: sha256 $sha, as given"
else
	tarball_apt_setup "$UPSTREAM_SUITE"
	say "reading the archive's index ($tarball_archive and $tarball_security, $UPSTREAM_SUITE, -updates, -security)"
	apt-get "${tarball_apt_opts[@]}" -qq update >&2 || die "apt-get update with the private configuration in $build/apt failed"
	records=$(apt-cache "${tarball_apt_opts[@]}" showsrc "$UPSTREAM_PACKAGE" 2>/dev/null || true)
	[ -n "$records" ] || die "the archive's index has no $UPSTREAM_PACKAGE for $UPSTREAM_SUITE (unreachable? see apt's warnings above); with a tarball you have: make rebase PHP_TARBALL=/path SHA256=..."
	# One line per source package version: version, pool directory, sha256 and
	# name of its orig tarball (from the Checksums-Sha256 the .dsc carries).
	listing=$(printf '%s\n' "$records" | LC_ALL=C awk -v pkg="$UPSTREAM_PACKAGE" '
		BEGIN { gsub(/\./, "\\.", pkg); re = "^" pkg "_[^_]+\\.orig\\.tar\\.(xz|gz|bz2)$" }
		function flush() { if (ver != "" && file != "") print ver "\t" dir "\t" sha "\t" file; ver = dir = sha = file = ""; insha = 0 }
		/^$/ { flush(); next }
		/^Version: / { ver = $2; insha = 0; next }
		/^Directory: / { dir = $2; insha = 0; next }
		/^Checksums-Sha256:/ { insha = 1; next }
		insha && /^ / { if ($3 ~ re) { sha = $1; file = $3 }; next }
		{ insha = 0 }
		END { flush() }' | LC_ALL=C sort -u)
	served=$(printf '%s\n' "$listing" | cut -f1 | sort -uV | tr '\n' ' ')
	served=${served% }
	[ -n "$version" ] || die "name the release: make rebase VERSION=N (the archive serves $UPSTREAM_PACKAGE ${served:-nothing}; upstream.lock pins $UPSTREAM_VERSION)"
	line=$(printf '%s\n' "$listing" | while IFS=$'\t' read -r v rest; do
		if [ "$v" = "$version" ] || [ "$(upstream_part "$v")" = "$version" ]; then printf '%s\t%s\n' "$v" "$rest"; fi
	done | sort -t $'\t' -k1,1V | tail -n1)
	[ -n "$line" ] || die "the archive's index has no $UPSTREAM_PACKAGE $version; it serves: ${served:-nothing}"
	IFS=$'\t' read -r debver pooldir sha file <<<"$line"
	say "the index lists $UPSTREAM_PACKAGE $debver: $file, sha256 $sha (its .dsc's Checksums-Sha256)"
	if tarball=$(tarball_cache_get "$file" "$sha"); then
		say "using $tarball from the tarball cache"
	else
		uri=$(apt-get "${tarball_apt_opts[@]}" -qq source --print-uris "$UPSTREAM_PACKAGE=$debver" 2>/dev/null \
			| awk -v f="$file" '$2 == f { gsub(/'\''/, "", $1); print $1; exit }' || true)
		[ -n "$uri" ] || uri="$tarball_archive/$pooldir/$file"
		mkdir -p "$work/download"
		say "downloading $uri"
		if ! /usr/lib/apt/apt-helper download-file "$uri" "$work/download/$file" "SHA256:$sha" >"$work/download.log" 2>&1; then
			if grep -q ' 404 ' "$work/download.log"; then
				say "the archive's index lists $UPSTREAM_PACKAGE $debver, but its file $uri"
				say "answers 404 Not Found from this network: the mirror does not serve what the index names."
			else
				sed 's/^/  /' "$work/download.log" >&2
			fi
			say "nothing was changed.  With the file obtained another way, the same rebase is:"
			say "  make rebase VERSION=$debver PHP_TARBALL=/path/to/$file SHA256=$sha"
			die "could not download $file"
		fi
		tarball="$work/download/$file"
		[ "$(tarball_sha256 "$tarball")" = "$sha" ] || die "downloaded $file does not have the index's sha256"
	fi
fi
if [ "$sha" = "$UPSTREAM_SHA256" ]; then
	# The pinned tarball itself (perhaps under another name): the lock keeps
	# its values, and the check below is whether the series still applies.
	file=$UPSTREAM_FILE
	debver=$UPSTREAM_VERSION
fi
tarball_cache_put "$tarball" "$file"

# --- 2. read, check --------------------------------------------------------------
tarball_members "$tarball" "$work/members"
dir=$(tarball_topdir "$work/members" "$file")
mapfile -t touched < <(patchq_series_files "$top/patches")
tree="$work/release"
say "extracting from $file the files the series patches"
tarball_extract "$tarball" "$tree" "$work/members" "$dir" main/php_version.h "${touched[@]}"
[ -f "$tree/main/php_version.h" ] || die "$file has no $dir/main/php_version.h: not a PHP release"
release=$(sed -n 's/^#define PHP_VERSION "\(.*\)"$/\1/p' "$tree/main/php_version.h")
[ -n "$release" ] || die "$dir/main/php_version.h: no PHP_VERSION"
if [ -z "$version" ]; then
	version=$release
elif [ "$(upstream_part "$version")" != "$release" ]; then
	die "$file holds PHP $release (main/php_version.h), not $version"
fi
say "$file holds PHP $release in $dir/"
collide=$(patchq_our_files "$top" | while IFS= read -r f; do
	if grep -qxF -e "$dir/$f" -e "./$dir/$f" "$work/members"; then printf '  %s\n' "$f"; fi
done)
[ -z "$collide" ] || die "PHP $release ships files at the paths of some of ours (build.sh would overwrite upstream's with ours); rename ours:
$collide"

# --- 3. apply the series with offsets and fuzz -------------------------------
say "applying patches/series to $dir (offsets and up to $fuzz lines of fuzz allowed)"
if ! patchq_run_series "$tree" "$top/patches" "$fuzz" "$work/apply"; then
	patchq_explain "$patchq_failed" "$work/apply" "$patchq_failed_k" "$dir"
	say "nothing was changed: upstream.lock and patches/ are as they were."
	say "to fix it: edit patches/$patchq_failed so the hunk fits PHP $release.  The files it patches,"
	say "  as the earlier patches leave them in $dir:  $work/apply/before/$patchq_failed_k/"
	say "  with the hunks that did apply:               $work/apply/tree/"
	say "  the rejected hunks:                          $work/apply/rej.$patchq_failed_k"
	say "then run the same make rebase again (the tarball comes from the cache)."
	exit 1
fi

# --- 4. refresh the patches whose hunks moved ---------------------------------
mkdir -p "$work/patches"
cp -p -- "$top/patches/series" "$work/patches/series"
refreshed=()
for k in "${!patchq_names[@]}"; do
	p=${patchq_names[$k]}
	k=$((k + 1))
	if [ -s "$work/apply/moved.$k" ]; then
		refreshed+=("$p")
		{
			patchq_header "$top/patches/$p"
			mapfile -t files <<<"${patchq_files_of[k]}"
			patchq_body "$work/apply/before/$k" "$work/apply/after/$k" "${files[@]}"
		} >"$work/patches/$p"
	else
		cp -p -- "$top/patches/$p" "$work/patches/$p"
	fi
done

# --- 5. the refreshed series must apply as mk/build.sh applies it -----------
if ! patchq_run_series "$tree" "$work/patches" 0 "$work/verify"; then
	patchq_explain "$patchq_failed" "$work/verify" "$patchq_failed_k" "$dir"
	die "internal: the refreshed series does not apply with --fuzz=0; nothing was changed"
fi
for k in "${!patchq_names[@]}"; do
	[ ! -s "$work/verify/moved.$((k + 1))" ] \
		|| die "internal: refreshed ${patchq_names[$k]} still needs an offset: $(cat "$work/verify/moved.$((k + 1))")"
done
diff -r -q -- "$work/apply/tree" "$work/verify/tree" >/dev/null 2>&1 \
	|| die "internal: the refreshed series gives other files than the fuzzy one; nothing was changed"

# --- write: refreshed patches, then upstream.lock ------------------------------
new_version=${debver:-$version}
new_lock="$top/.upstream.lock.rebase.$$"
pending+=("$new_lock")
LC_ALL=C awk -v ver="$new_version" -v file="$file" -v sha="$sha" -v dir="$dir" '
	/^UPSTREAM_VERSION=/ { print "UPSTREAM_VERSION=" ver; n["v"]++; next }
	/^UPSTREAM_FILE=/ { print "UPSTREAM_FILE=" file; n["f"]++; next }
	/^UPSTREAM_SHA256=/ { print "UPSTREAM_SHA256=" sha; n["s"]++; next }
	/^UPSTREAM_DIR=/ { print "UPSTREAM_DIR=" dir; n["d"]++; next }
	{ print }
	END { if (n["v"] != 1 || n["f"] != 1 || n["s"] != 1 || n["d"] != 1) exit 1 }
' "$top/upstream.lock" >"$new_lock" \
	|| die "upstream.lock must set UPSTREAM_VERSION, UPSTREAM_FILE, UPSTREAM_SHA256 and UPSTREAM_DIR once each; nothing was changed"
chmod --reference="$top/upstream.lock" "$new_lock"
for p in "${refreshed[@]+"${refreshed[@]}"}"; do
	tmp="$top/patches/.$p.rebase.$$"
	pending+=("$tmp")
	cp -- "$work/patches/$p" "$tmp"
	chmod --reference="$top/patches/$p" "$tmp"
done
for p in "${refreshed[@]+"${refreshed[@]}"}"; do
	mv -f -- "$top/patches/.$p.rebase.$$" "$top/patches/$p"
done
lock_changed=1
if cmp -s -- "$new_lock" "$top/upstream.lock"; then lock_changed=; rm -f -- "$new_lock"
else mv -f -- "$new_lock" "$top/upstream.lock"; fi
pending=()

# --- say what changed ----------------------------------------------------------
if [ -n "$lock_changed" ]; then
	say "upstream.lock now pins PHP $release:"
	if [ "$UPSTREAM_VERSION" != "$new_version" ]; then say "  UPSTREAM_VERSION $UPSTREAM_VERSION -> $new_version"; fi
	if [ "$UPSTREAM_FILE" != "$file" ]; then say "  UPSTREAM_FILE    $UPSTREAM_FILE -> $file"; fi
	if [ "$UPSTREAM_SHA256" != "$sha" ]; then say "  UPSTREAM_SHA256  $UPSTREAM_SHA256 -> $sha"; fi
	if [ "$UPSTREAM_DIR" != "$dir" ]; then say "  UPSTREAM_DIR     $UPSTREAM_DIR -> $dir"; fi
	if [ -z "$debver" ]; then
		say "  (a tarball given by hand: a fresh checkout finds it in the tarball cache or needs PHP_TARBALL=)"
	fi
else
	say "upstream.lock already pins $file: unchanged"
fi
if [ "${#refreshed[@]}" -eq 0 ]; then
	say "every patch applies as it is: none refreshed"
else
	say "refreshed ${#refreshed[@]} patch(es) whose hunks moved (diffs regenerated, headers kept):"
	for k in "${!patchq_names[@]}"; do
		if [ -s "$work/apply/moved.$((k + 1))" ]; then
			say "  patches/${patchq_names[$k]}"
			sed 's/^/      /' "$work/apply/moved.$((k + 1))" >&2
		fi
	done
	if grep -q 'with fuzz' "$work"/apply/moved.*; then
		say "a hunk applied with fuzz had context lines that differ in the new release: read those hunks in"
		say "  git diff patches/ before building on them"
	fi
fi
rm -rf -- "$work"
say "next: make (builds the fork on PHP $release), make test (our tests and the CI set of the"
say "  upstream fidelity comparison), then make test-upstream for the full comparison"
