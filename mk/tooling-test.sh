#!/usr/bin/env bash
# Tests of the tooling around the patch queue: make rebase (mk/rebase.sh),
# the tarball cache (mk/fetch-upstream.sh), make branch and the way back
# (mk/branch.sh), their shared parts (mk/lib/), and make bench's peer
# (mk/peer.sh) on bad input.
#
#   mk/tooling-test.sh          about 2-3 minutes on 2 cores; KEEP=1 keeps its
#                               temporary directory and says where (in
#                               /dev/shm, or $TMPDIR when set)
#
# Everything runs on a copy of this checkout in a temporary directory (git
# ls-files plus new files not ignored), with its own MM_BUILD_DIR and tarball
# cache: this checkout's upstream.lock, patches/ and _build/ trees are never
# written.  The only input from outside is the real tarball of upstream.lock,
# which mk/fetch-upstream.sh provides (from _build/tarballs/, the cache or the
# archive).  Tarballs of made-up releases are derived from it: 8.4.99 with
# lines inserted above a hunk (an offset) and a context line changed (fuzz),
# 8.4.98 with a hunk's context destroyed.  The archive is pointed at an
# address that refuses connections, so no step can quietly use the network.
#
# Prints "ok - NAME" or "not ok - NAME" per check (with the evidence as "# "
# lines), then "N passed, N failed"; exits 0 only when none failed.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build

say() { printf 'tooling-test: %s (%d s)\n' "$*" "$SECONDS" >&2; }
die() { printf 'tooling-test: error: %s\n' "$*" >&2; exit 1; }

# Scratch space: $TMPDIR when set, else /dev/shm when it is a writable tmpfs
# (the test unpacks the 25,000 files of the release once, and this machine's
# disk takes over a minute to delete them), else /tmp.  At most about 600 MB.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
	&& [ "$(stat -f -c %T /dev/shm 2>/dev/null)" = tmpfs ]; then
	scratch=/dev/shm
else
	scratch=${TMPDIR:-/tmp}
fi
tmp=$(mktemp -d "$scratch/mm-tooling-test.XXXXXX")
if [ "${KEEP:-0}" = 1 ]; then
	trap 'say "kept $tmp"' EXIT
else
	trap 'rm -rf -- "$tmp"' EXIT
fi

passed=0
failed=0
ok() { printf 'ok - %s\n' "$1"; passed=$((passed + 1)); }
not_ok() {	# NAME [EVIDENCE-FILE]
	printf 'not ok - %s\n' "$1"
	failed=$((failed + 1))
	if [ -n "${2:-}" ] && [ -s "$2" ]; then tail -n 25 -- "$2" | sed 's/^/# /'; fi
}
check() {	# NAME COMMAND...: ok when COMMAND succeeds
	local name=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then ok "$name"; else not_ok "$name" "$tmp/check.out"; fi
}
check_not() {	# NAME COMMAND...: ok when COMMAND fails
	local name=$1
	shift
	if "$@" >"$tmp/check.out" 2>&1; then not_ok "$name" "$tmp/check.out"; else ok "$name"; fi
}
has() { grep -qF -- "$2" "$1"; }	# FILE TEXT
has_all() {	# FILE TEXT...: every TEXT is in FILE
	local f=$1 s
	shift
	for s in "$@"; do grep -qF -- "$s" "$f" || { echo "missing: $s"; cat -- "$f"; return 1; }; done
}

t0=$SECONDS
pinned=$("$top/mk/fetch-upstream.sh") || die "mk/fetch-upstream.sh could not provide $UPSTREAM_FILE"
say "working in $tmp"

# --- the copy of the checkout -------------------------------------------------
repo="$tmp/repo"
mkdir -p "$repo"
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do
		if [ -f "$f" ]; then printf '%s\0' "$f"; fi
	done) | (cd "$top" && tar -cf - --null -T -) | tar -xf - -C "$repo"
else
	(cd "$top" && tar -cf - --exclude=./_build .) | tar -xf - -C "$repo"
fi
export GIT_AUTHOR_NAME=tooling-test GIT_AUTHOR_EMAIL=tooling-test@invalid
export GIT_COMMITTER_NAME=tooling-test GIT_COMMITTER_EMAIL=tooling-test@invalid
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_EDITOR=true
git -C "$repo" init -q
git -C "$repo" add -A
git -C "$repo" commit -q -m 'the checkout under test'
clean() { [ -z "$(git -C "$repo" status --porcelain)" ]; }
restore() { git -C "$repo" reset -q --hard && git -C "$repo" clean -q -fdx; }

# Every script below runs in the copy with these.
cache="$tmp/cache"
mkdir -p "$cache"
cp -- "$pinned" "$cache/$UPSTREAM_FILE"
export MM_BUILD_DIR="$tmp/build" MM_TARBALL_CACHE="$cache" MM_APT_ARCHIVE=http://127.0.0.1:9/debian
unset PHP_TARBALL SHA256 VERSION BRANCH BRANCH_REPO BRANCH_TAG BRANCH_DATE SOURCE_DATE_EPOCH FORCE FUZZ 2>/dev/null || true

say "unpacking $UPSTREAM_FILE"
mkdir -p "$tmp/base"
tar -xf "$pinned" -C "$tmp/base"
base="$tmp/base/$UPSTREAM_DIR"
[ -f "$base/main/php_version.h" ] || die "$UPSTREAM_FILE did not unpack to $UPSTREAM_DIR/"
old_release=${UPSTREAM_DIR#php-}

# derive RELEASE OUT.tar EDIT: a tarball of the pinned tree renamed php-RELEASE,
# with php_version.h saying RELEASE and EDIT (a function given the directory
# of changed copies) applied to copies of the files it changes; those are put
# in place of the pinned ones.  No tree is copied: the disk is slow at that.
derive() {
	local rel=$1 out=$2 edit=$3 mod="$tmp/mod-$1" f
	local -a changed=()
	mkdir -p "$mod/php-$rel"
	"$edit" "$mod/php-$rel"
	mkdir -p "$mod/php-$rel/main"
	sed -e "s/\"$old_release\"/\"$rel\"/" -e "s/RELEASE_VERSION ${old_release##*.}\$/RELEASE_VERSION ${rel##*.}/" \
		"$base/main/php_version.h" >"$mod/php-$rel/main/php_version.h"
	mapfile -t changed < <(cd "$mod/php-$rel" && find . -type f -printf '%P\n' | LC_ALL=C sort)
	tar -C "$tmp/base" --transform "s,^$UPSTREAM_DIR,php-$rel," \
		"${changed[@]/#/--exclude=$UPSTREAM_DIR/}" -cf "$out" "$UPSTREAM_DIR"
	tar -C "$mod" -rf "$out" "${changed[@]/#/php-$rel/}"
}
changed_copy() {	# DIR PATH: copy the pinned PATH into DIR to be changed there
	mkdir -p "$1/${2%/*}"
	cp -- "$base/$2" "$1/$2"
}

# apply_fuzz0 TARBALL TOP PATCHDIR: apply PATCHDIR/series, as mk/build.sh
# does (--fuzz=0), to the files it touches, extracted from TARBALL; fail on
# any reject, offset or fuzz.
apply_fuzz0() {
	local tarball=$1 topdir=$2 pdir=$3 t="$tmp/apply.$RANDOM"
	local -a files=()
	mkdir -p "$t"
	mapfile -t files < <(series_of "$pdir" | while IFS= read -r p; do sed -n 's|^+++ b/||p' "$pdir/$p"; done | sort -u)
	tar -xf "$tarball" -C "$t" --strip-components=1 "${files[@]/#/$topdir/}" || return 1
	series_of "$pdir" | while IFS= read -r p; do
		(cd "$t" && LC_ALL=C patch -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch <"$pdir/$p") >"$t.log" 2>&1 \
			|| { cat "$t.log"; exit 1; }
		if grep -E 'offset|fuzz' "$t.log"; then exit 1; fi
	done
}
series_of() { grep -v -e '^[[:space:]]*#' -e '^[[:space:]]*$' "$1/series"; }	# PATCHDIR -> the patch names

header_of() { sed -n '1,/^---$/p' "$1"; }

# --- the shared parts ----------------------------------------------------------
check "mk/lib/patchq.sh lists the same folders of ours as mk/build.sh" \
	test "$(sed -n 's/^our_dirs=(\(.*\))$/\1/p' "$top/mk/build.sh")" = \
		"$(sed -n 's/^patchq_our_dirs=(\(.*\))$/\1/p' "$top/mk/lib/patchq.sh")"

unpack_probe() {	# FILE -> the top-level directory the tarball helpers find
	(
		build=$tmp/probe
		# shellcheck source=/dev/null
		. "$repo/mk/lib/tarball.sh"
		tarball_members "$1" "$tmp/probe.list"
		tarball_topdir "$tmp/probe.list" "$1"
	)
}
mkdir -p "$tmp/tiny/php-9.9.9/sub" "$tmp/tiny2/a" "$tmp/tiny2/b"
echo x >"$tmp/tiny/php-9.9.9/sub/f"
# One compressor's content under another's name (bzip2 as .tar.gz; gzip as
# .tar.bz2 where bzip2 is not installed).
if command -v bzip2 >/dev/null 2>&1; then
	misnamed="$tmp/tiny-bzip2-named.tar.gz"
	tar -C "$tmp/tiny" -cjf "$misnamed" php-9.9.9
else
	misnamed="$tmp/tiny-gzip-named.tar.bz2"
	tar -C "$tmp/tiny" -czf "$misnamed" php-9.9.9
fi
tar -C "$tmp/tiny" -cJf "$tmp/tiny.tar.xz" php-9.9.9
tar -C "$tmp/tiny" -cf "$tmp/tiny.tar" php-9.9.9
tar -C "$tmp/tiny2" -czf "$tmp/tiny-two-tops.tar.gz" a b
check "unpack: compression read from the content (${misnamed##*/}), top directory detected" \
	test "$(unpack_probe "$misnamed")" = php-9.9.9
check "unpack: .tar.xz and plain .tar" \
	test "$(unpack_probe "$tmp/tiny.tar.xz") $(unpack_probe "$tmp/tiny.tar")" = "php-9.9.9 php-9.9.9"
check_not "unpack: a tarball with two top-level directories is refused" unpack_probe "$tmp/tiny-two-tops.tar.gz"
check_not "unpack: a file that is no tarball is refused" unpack_probe "$repo/upstream.lock"

# --- the tarball cache (mk/fetch-upstream.sh) ------------------------------------
out="$tmp/fetch.out"
rc=0
(cd / && MM_BUILD_DIR="$tmp/build-d" "$repo/mk/fetch-upstream.sh") >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -eq 0 ] && [ "$(cat "$out")" = "$tmp/build-d/tarballs/$UPSTREAM_FILE" ] \
	&& [ "$(sha256sum <"$tmp/build-d/tarballs/$UPSTREAM_FILE" | cut -d' ' -f1)" = "$UPSTREAM_SHA256" ] \
	&& [ ! -e "$tmp/build-d/apt" ]; then
	ok "cache: fetch-upstream takes the tarball from MM_TARBALL_CACHE, no network (archive unreachable)"
else
	not_ok "cache: fetch-upstream takes the tarball from MM_TARBALL_CACHE, no network (archive unreachable)" "$out.err"
fi
rc=0
MM_BUILD_DIR="$tmp/build-e" MM_TARBALL_CACHE="$tmp/cache-empty" "$repo/mk/fetch-upstream.sh" >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && has "$out.err" "PHP_TARBALL="; then
	ok "cache: without it (and no archive) fetch-upstream fails and names PHP_TARBALL"
else
	not_ok "cache: without it (and no archive) fetch-upstream fails and names PHP_TARBALL" "$out.err"
fi
mkdir -p "$tmp/cache-bad"
echo 'not the tarball' >"$tmp/cache-bad/$UPSTREAM_FILE"
rc=0
MM_BUILD_DIR="$tmp/build-f" MM_TARBALL_CACHE="$tmp/cache-bad" "$repo/mk/fetch-upstream.sh" >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && has "$out.err" "not using it" && [ ! -e "$tmp/build-f/tarballs/$UPSTREAM_FILE" ]; then
	ok "cache: a cached file with another sha256 is not used"
else
	not_ok "cache: a cached file with another sha256 is not used" "$out.err"
fi
rc=0
(unset MM_TARBALL_CACHE; XDG_CACHE_HOME="$tmp/xdg" MM_BUILD_DIR="$tmp/build-g" PHP_TARBALL="$pinned" \
	"$repo/mk/fetch-upstream.sh") >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -eq 0 ] && cmp -s "$pinned" "$tmp/xdg/mm-observe/tarballs/$UPSTREAM_FILE"; then
	ok "cache: a PHP_TARBALL that passed its check is kept in \$XDG_CACHE_HOME/mm-observe/tarballs"
else
	not_ok "cache: a PHP_TARBALL that passed its check is kept in \$XDG_CACHE_HOME/mm-observe/tarballs" "$out.err"
fi

# --- make rebase: offsets and fuzz -----------------------------------------------
say "deriving php-8.4.99 (offset + fuzz)"
edit99() {
	# Offset: seven lines inserted near the top of Zend/zend_opcode.c move
	# both hunks of 0008-zend-opcode-retire-sites.patch.
	changed_copy "$1" Zend/zend_opcode.c
	sed -i '2i\ * (tooling-test: seven lines inserted above every hunk)\n *\n *\n *\n *\n *\n *' "$1/Zend/zend_opcode.c"
	# Fuzz: the first context line of the hunk of 0003-zend-execute-current-opline.patch.
	changed_copy "$1" Zend/zend_execute.c
	sed -i 's|^/\* This callback disables optimization of "vm_stack_data" variable in VM \*/$|/* This callback disables optimization of the "vm_stack_data" variable in the VM */|' \
		"$1/Zend/zend_execute.c"
}
derive 8.4.99 "$tmp/php-8.4.99.tar" edit99
gzip -1 "$tmp/php-8.4.99.tar"
sha99=$(sha256sum <"$tmp/php-8.4.99.tar.gz" | cut -d' ' -f1)
cp -p "$repo/upstream.lock" "$tmp/lock.before"
say "make rebase onto php-8.4.99"
rc=0
(cd / && PHP_TARBALL="$tmp/php-8.4.99.tar.gz" SHA256=$sha99 VERSION=8.4.99 "$repo/mk/rebase.sh") >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -eq 0 ]; then ok "rebase onto 8.4.99 (a moved hunk, a fuzzy hunk) succeeds"; else not_ok "rebase onto 8.4.99 (a moved hunk, a fuzzy hunk) succeeds" "$out.err"; fi
lock_ok() {
	# shellcheck source=/dev/null
	(. "$repo/upstream.lock"
	[ "$UPSTREAM_VERSION" = 8.4.99 ] && [ "$UPSTREAM_FILE" = php-8.4.99.tar.gz ] \
		&& [ "$UPSTREAM_SHA256" = "$sha99" ] && [ "$UPSTREAM_DIR" = php-8.4.99 ]) || return 1
	# Everything else (comments, package, suite) as it was.
	diff <(grep -vE '^UPSTREAM_(VERSION|FILE|SHA256|DIR)=' "$tmp/lock.before") \
		<(grep -vE '^UPSTREAM_(VERSION|FILE|SHA256|DIR)=' "$repo/upstream.lock")
}
check "rebase: upstream.lock has the new version, file, sha256 and top directory, comments kept" lock_ok
refreshed=$(git -C "$repo" status --porcelain -- patches | awk '{print $2}' | tr '\n' ' ')
check "rebase: exactly the patches whose hunks moved are refreshed (0003, 0008)" \
	test "$refreshed" = "patches/0003-zend-execute-current-opline.patch patches/0008-zend-opcode-retire-sites.patch "
headers_kept() {
	local p
	for p in patches/0003-zend-execute-current-opline.patch patches/0008-zend-opcode-retire-sites.patch; do
		cmp <(git -C "$repo" show "HEAD:$p" | header_of /dev/stdin) <(header_of "$repo/$p") || return 1
	done
}
check "rebase: the refreshed patches keep their Subject/rationale header byte for byte" headers_kept
check "rebase: the refreshed series applies to 8.4.99 with --fuzz=0, no offset" \
	apply_fuzz0 "$tmp/php-8.4.99.tar.gz" php-8.4.99 "$repo/patches"
check "rebase: the refreshed 0003 carries the new release's context line" \
	grep -qF ' /* This callback disables optimization of the "vm_stack_data" variable in the VM */' \
	"$repo/patches/0003-zend-execute-current-opline.patch"
check "rebase: says which hunks moved and that make test comes next" \
	has_all "$out.err" 'with fuzz 1' 'offset 7 lines' 'make test'
check "rebase: the tarball is kept in the cache" cmp -s "$tmp/php-8.4.99.tar.gz" "$cache/php-8.4.99.tar.gz"
rc=0
MM_BUILD_DIR="$tmp/build-h" "$repo/mk/fetch-upstream.sh" >"$out.fetch" 2>"$out.err" || rc=$?
check "rebase: the next build's fetch finds the new tarball in the cache (no archive)" \
	test "$rc:$(cat "$out.fetch")" = "0:$tmp/build-h/tarballs/php-8.4.99.tar.gz"
check "rebase: leaves no scratch tree behind on success" test ! -e "$tmp/build/rebase"
restore

# --- make rebase: a reject -----------------------------------------------------
say "deriving php-8.4.98 (a hunk's context destroyed)"
edit98() {
	# The second hunk of 0007-main-script-end.patch: both lines around the
	# insertion are rewritten, so no fuzz can place it.
	changed_copy "$1" main/main.c
	sed -i -e 's/^\tEG(flags) |= EG_FLAGS_IN_SHUTDOWN;$/\tEG(flags) |= EG_FLAGS_IN_SHUTDOWN; \/* rewritten *\//' \
		-e 's/^\treport_memleaks = PG(report_memleaks);$/\treport_memleaks = PG(report_memleaks); \/* rewritten *\//' \
		"$1/main/main.c"
}
derive 8.4.98 "$tmp/php-8.4.98.tar" edit98
sha98=$(sha256sum <"$tmp/php-8.4.98.tar" | cut -d' ' -f1)
say "make rebase onto php-8.4.98"
rc=0
(cd "$repo/Zend" && PHP_TARBALL="$tmp/php-8.4.98.tar" SHA256=$sha98 ../mk/rebase.sh 8.4.98) >"$out" 2>"$out.err" || rc=$?
check "rebase onto 8.4.98 (context destroyed) stops with a non-zero status" test "$rc" -ne 0
check "rebase: the reject names the patch, the file and the hunk" \
	has_all "$out.err" 'patches/0007-main-script-end.patch does not apply' 'main/main.c: Hunk #2 FAILED'
check "rebase: the rejected hunk is shown" \
	has_all "$out.err" 'rebase: the first rejected hunk (main/main.c, hunk #2)' '+	ZEND_MM_OBSERVE_SCRIPT_END();'
check "rebase: after a reject upstream.lock and patches/ are untouched" clean
check "rebase: says nothing was changed" has "$out.err" "nothing was changed"

# --- make rebase: the sha256 ---------------------------------------------------
rc=0
PHP_TARBALL="$tmp/php-8.4.99.tar.gz" SHA256=0000000000000000000000000000000000000000000000000000000000000000 \
	"$repo/mk/rebase.sh" >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && has "$out.err" "sha256 mismatch" && clean; then
	ok "rebase: a wrong sha256 is refused, nothing changed"
else
	not_ok "rebase: a wrong sha256 is refused, nothing changed" "$out.err"
fi
rc=0
PHP_TARBALL="$tmp/php-8.4.99.tar.gz" "$repo/mk/rebase.sh" >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && has "$out.err" "needs SHA256=" && clean; then
	ok "rebase: a PHP_TARBALL without SHA256 is refused"
else
	not_ok "rebase: a PHP_TARBALL without SHA256 is refused" "$out.err"
fi
rc=0
PHP_TARBALL="$tmp/php-8.4.99.tar.gz" SHA256=xyz "$repo/mk/rebase.sh" >"$out" 2>"$out.err" || rc=$?
check "rebase: SHA256= that is no sha256 is refused" test "$rc" -ne 0
rc=0
make -s -C "$repo" rebase PHP_TARBALL="$tmp/php-8.4.99.tar.gz" SHA256=print >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -eq 0 ] && has "$out" "$sha99" && clean; then
	ok "make rebase SHA256=print only prints the sha256"
else
	not_ok "make rebase SHA256=print only prints the sha256" "$out.err"
fi

# --- make branch ---------------------------------------------------------------
say "exporting the branch (twice)"
b1="$tmp/b1.git"
rc=0
BRANCH_REPO=$b1 make -s -C "$repo" branch >"$out" 2>"$out.err" || rc=$?
check "make branch exports into a new bare repository" test "$rc" -eq 0
g1() { git --git-dir="$b1" "$@"; }
br=mm-observe-$old_release
n_patches=$(series_of "$repo/patches" | wc -l)
check "branch: the import, one commit per patch, one for our files" \
	test "$(g1 rev-list --count "$br" 2>&1)" = $((n_patches + 2))
check "branch: the tag $UPSTREAM_DIR is the import, the branch's first commit" \
	test "$(g1 rev-parse "$UPSTREAM_DIR^{commit}" 2>&1)" = "$(g1 rev-list --max-parents=0 "$br" 2>&1)"
import_ok() {
	# Every file of the tarball, by blob id (git hash-object --no-filters hashes
	# the bytes as they are), with its mode.
	(cd "$base" && find . -type f -printf '%P\n' | LC_ALL=C sort >"$tmp/base.paths" &&
		git hash-object --no-filters --stdin-paths <"$tmp/base.paths" >"$tmp/base.ids" &&
		while IFS= read -r f; do if [ -x "$f" ]; then echo 100755; else echo 100644; fi; done <"$tmp/base.paths" >"$tmp/base.modes")
	paste -d ' ' "$tmp/base.modes" "$tmp/base.ids" "$tmp/base.paths" >"$tmp/base.tree"
	[ "$(cd "$base" && find . -type l | wc -l)" -eq 0 ] || { echo "the pinned tarball has symlinks: extend this check"; return 1; }
	g1 -c core.quotePath=false ls-tree -r "$UPSTREAM_DIR" | awk -F '\t' '{ split($1, a, " "); print a[1] " " a[3] " " $2 }' \
		| LC_ALL=C sort -k3 >"$tmp/import.tree"
	LC_ALL=C sort -k3 "$tmp/base.tree" | diff - "$tmp/import.tree" | head -n 5
	LC_ALL=C sort -k3 "$tmp/base.tree" | cmp -s - "$tmp/import.tree" || return 1
	g1 log -1 --format=%B "$UPSTREAM_DIR" | grep -qF "$UPSTREAM_SHA256"
}
check "branch: the import holds the tarball's files byte for byte, modes kept, message names the sha256" import_ok
subjects_ok() {
	diff <(series_of "$repo/patches" | while IFS= read -r p; do sed -n '1s/^Subject: //p' "$repo/patches/$p"; done) \
		<(g1 log --reverse --format=%s "$UPSTREAM_DIR..$br~1")
}
check "branch: each patch commit's subject is its patch's Subject" subjects_ok
check "branch: git diff $UPSTREAM_DIR $br works" sh -c "git --git-dir='$b1' diff --stat '$UPSTREAM_DIR' '$br' | tail -n1 | grep -q 'files changed'"
rc=0
BRANCH_REPO="$tmp/b2.git" "$repo/mk/branch.sh" >"$out" 2>"$out.err" || rc=$?
check "branch: a second export gives the same commit ids" \
	test "$rc:$(g1 rev-parse "$br" "$UPSTREAM_DIR")" = "0:$(git --git-dir="$tmp/b2.git" rev-parse "$br" "$UPSTREAM_DIR")"

# --- the way back ----------------------------------------------------------------
say "the way back"
rc=0
BRANCH_REPO=$b1 "$repo/mk/branch.sh" --to-patches "$tmp/rt" >"$out" 2>"$out.err" || rc=$?
check "way back: --to-patches DIR succeeds" test "$rc" -eq 0
check "way back: patches/ and the series come back byte for byte" diff -r "$repo/patches" "$tmp/rt/patches"
ours_back() {
	# shellcheck source=mk/lib/patchq.sh
	diff <(. "$repo/mk/lib/patchq.sh"; patchq_our_files "$repo") <(. "$repo/mk/lib/patchq.sh"; patchq_our_files "$tmp/rt") || return 1
	(cd "$repo" && . mk/lib/patchq.sh && patchq_our_files .) | while IFS= read -r f; do
		cmp -- "$repo/$f" "$tmp/rt/$f" || exit 1
	done
}
check "way back: our files come back byte for byte, none missing, none extra" ours_back

say "editing the branch in a clone"
clone="$tmp/clone"
edit_branch() {
	local c
	git clone -q --no-checkout "$b1" "$clone"
	echo '* -ident -text -eol -filter -working-tree-encoding' >"$clone/.git/info/attributes"
	# The README's recipe, with a sparse checkout (the top-level files, among
	# them run-tests.php with its $Id, Zend/'s files and ext/mm_observe/) to
	# spare the slow disk 25,000 files.
	git -C "$clone" sparse-checkout set --no-cone '/*' '!/*/' '/Zend/*' '!/Zend/*/' '/ext/mm_observe/'
	git -C "$clone" checkout -q "$br"
	[ -z "$(git -C "$clone" status --porcelain)" ] || { echo "a fresh clone is not clean:"; git -C "$clone" status --short | head; return 1; }
	# Change a line that 0004-zend-ini-entries.patch adds, in its own commit.
	c=$(git -C "$clone" log --format='%h %s' "$UPSTREAM_DIR..$br" | awk '/register the zend.mm_observe\* ini entries/ { print $1 }')
	[ -n "$c" ] || return 1
	(cd "$clone" && GIT_SEQUENCE_EDITOR="sed -i 's/^pick $c /edit $c /'" git rebase -q -i "$UPSTREAM_DIR") || return 1
	sed -i 's|^#include "zend_mm_observe.h"$|#include "zend_mm_observe.h" /* edited on the branch */|' "$clone/Zend/zend.c"
	git -C "$clone" commit -q -a --amend --no-edit
	git -C "$clone" rebase --continue >/dev/null
	# And a commit of its own changing one of our files.
	echo '/* edited on the branch */' >>"$clone/ext/mm_observe/mm_observe.c"
	git -C "$clone" commit -q -a -m 'mm_observe: a comment'
	git -C "$clone" push -q -f origin "$br"
}
check "way back: a clone made as the README says is clean; a patch commit edited, pushed back" edit_branch
rc=0
(cd "$repo/ext" && BRANCH_REPO=$b1 make -s -C .. patches-from-branch) >"$out" 2>"$out.err" || rc=$?
check "make patches-from-branch brings the edited branch back into the checkout" test "$rc" -eq 0
check "way back: exactly the edited patch and the edited file of ours changed" \
	test "$(git -C "$repo" status --porcelain | tr '\n' ' ')" = " M ext/mm_observe/mm_observe.c  M patches/0004-zend-ini-entries.patch "
edit_came_back() {
	local p=patches/0004-zend-ini-entries.patch
	grep -qxF '+#include "zend_mm_observe.h" /* edited on the branch */' "$repo/$p" || return 1
	cmp <(git -C "$repo" show "HEAD:$p" | header_of /dev/stdin) <(header_of "$repo/$p")
}
check "way back: the edit is in the patch, its header unchanged" edit_came_back
check "way back: the changed series applies to $UPSTREAM_DIR with --fuzz=0" apply_fuzz0 "$pinned" "$UPSTREAM_DIR" "$repo/patches"
rc=0
BRANCH_REPO=$b1 "$repo/mk/branch.sh" --to-patches >"$out" 2>"$out.err" || rc=$?
if [ "$rc" -ne 0 ] && has "$out.err" "uncommitted changes"; then
	ok "way back: refuses to overwrite uncommitted changes"
else
	not_ok "way back: refuses to overwrite uncommitted changes" "$out.err"
fi
git -C "$repo" commit -q -a -m 'from the branch'
say "exporting over the edited branch"
rc=0
BRANCH_REPO=$b1 "$repo/mk/branch.sh" >"$out" 2>"$out.err" || rc=$?
check "branch: re-exporting over the edited branch, now in patches/, is allowed (same tree)" \
	test "$rc:$(g1 rev-parse "$br^{tree}")" = "0:$(git -C "$clone" rev-parse 'HEAD^{tree}')"

# make bench's peer (mk/peer.sh) on bad input: it says why on stderr, prints
# nothing make bench would evaluate, exits 1, and leaves files it did not
# make where they are.  (Its success path needs the archive: mk/install-test.sh.)
say "mk/peer.sh on bad input"
printf '#!/bin/sh\necho 8.4\n' >"$tmp/fake-php"
chmod +x "$tmp/fake-php"
mkdir -p "$tmp/peer-foreign" && echo mine >"$tmp/peer-foreign/notes.txt"
peer_refuses() {	# NAME TEXT ARGS...: mk/peer.sh ARGS fails, saying TEXT
	local name=$1 text=$2 rc=0
	shift 2
	"$repo/mk/peer.sh" "$@" >"$out" 2>"$out.err" || rc=$?
	if [ "$rc" -eq 1 ] && [ ! -s "$out" ] && has "$out.err" "$text" \
		&& [ "$(cat "$tmp/peer-foreign/notes.txt")" = mine ]; then
		ok "$name"
	else
		echo "rc=$rc" >>"$out.err"; cat "$out" >>"$out.err"
		not_ok "$name" "$out.err"
	fi
}
peer_refuses "peer: a STOCK_PHP that is no executable file is refused" \
	"is not an executable PHP binary" "$tmp/peer-foreign" "$tmp/peer-new"
peer_refuses "peer: a DIR holding other files is refused and left as it was" \
	"did not put there: not touching it" "$tmp/fake-php" "$tmp/peer-foreign"
peer_refuses "peer: a DIR that is a file is refused and left as it was" \
	"exists and is not a directory" "$tmp/fake-php" "$tmp/peer-foreign/notes.txt"
peer_refuses "peer: an unreachable archive is said, no peer" \
	"apt-get update with the private configuration" "$tmp/fake-php" "$tmp/peer-new"
peer_refuses "peer: wrong usage is said" "usage:" "$tmp/fake-php"

say "done in $((SECONDS - t0)) s"
if [ $((passed + failed)) -eq 0 ]; then failed=1; fi
printf '%d passed, %d failed\n' "$passed" "$failed"
[ "$failed" -eq 0 ]
