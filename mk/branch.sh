#!/usr/bin/env bash
# The fork as a git branch, and the way back (make branch, make
# patches-from-branch).
#
#   mk/branch.sh                    export: the branch in BRANCH_REPO
#   mk/branch.sh --to-patches       the way back: patches/, patches/series and
#                                   our files regenerated from the branch
#   mk/branch.sh --to-patches DIR   the same, written to DIR (new or empty)
#                                   instead of this checkout
#
# Settings (environment or make arguments):
#   BRANCH_REPO  the repository (default $MM_BUILD_DIR/branch/php-src-mm-observe.git,
#                made bare if missing; a php-src clone works too)
#   BRANCH       the branch (default mm-observe-<release>, e.g. mm-observe-8.4.24)
#   BRANCH_TAG   the tag on the import commit (default UPSTREAM_DIR, php-8.4.24)
#   BRANCH_AUTHOR  "Name <email>" of every commit (default "mm_observe <mm_observe@invalid>")
#   BRANCH_DATE  their date, seconds since the epoch (default SOURCE_DATE_EPOCH,
#                else the time of main/php_version.h in the tarball: the release's)
#   FORCE=1      replace a branch that holds commits made elsewhere; overwrite
#                uncommitted changes in patches/ and our files (--to-patches)
#
# The branch, oldest first:
#   1. the import: the tarball of upstream.lock, every file byte for byte
#      (tagged BRANCH_TAG, so `git diff php-8.4.24 mm-observe-8.4.24` is the
#      whole fork);
#   2. one commit per patch of patches/series, in order: the patch header's
#      Subject is the commit's subject and its rationale the message;
#   3. one commit adding our files (Zend/ main/ sapi/ ext/ TSRM/
#      run-tests-mm-observe.php), as mk/build.sh copies them over the tree.
#
# Invariants:
#  1. Deterministic: same tarball, patches, files, author and date give the
#     same commit ids (git fast-import from raw bytes: no attributes, filters
#     or hooks apply; fixed identity and date; no signature).  The release is
#     streamed from the tarball (mk/lib/fast-import-files.pl --tar), never
#     unpacked whole.
#  2. Round trip: --to-patches of an exported branch gives patches/ and our
#     files back byte for byte.  Diffs come from mk/lib/patchq.sh's generator,
#     the one mk/rebase.sh refreshes patches with.
#  3. What the round trip needs beyond the trees rides in trailers, the last
#     lines of a commit message:
#       Mm-Observe-Import: FILE SHA256   the import commit (checked on the way back)
#       Mm-Observe-Series: LINE          a line of patches/series that names no
#                                        patch (a comment), before the next name
#       Mm-Observe-Patch: NAME           the patch file the commit is
#       Mm-Observe-Files: ...            the commit of our files
#     A commit without Mm-Observe-Patch that changes upstream files (one you
#     added on the branch) becomes a new patch named NNNN-<its subject>.patch.
#  4. No work is lost: an existing branch is replaced only when every commit
#     on it was made by this script or its tree is the one being exported
#     (else FORCE=1); a tag is never moved; a branch checked out in a work
#     tree is never updated; the way back refuses to overwrite uncommitted
#     changes and deletes only files git tracks.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)

say() { printf 'branch: %s\n' "$*" >&2; }
die() { printf 'branch: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source=mk/lib/tarball.sh
. "$top/mk/lib/tarball.sh"
# shellcheck source=mk/lib/patchq.sh
. "$top/mk/lib/patchq.sh"

mode="export"
outdir=
case ${1:-} in
	'') ;;
	--to-patches) mode="to-patches"; outdir=${2:-}; [ $# -le 2 ] || die "usage: $0 [--to-patches [DIR]]" ;;
	-h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	*) die "usage: $0 [--to-patches [DIR]]  (see $0 --help)" ;;
esac
[ "$mode" = to-patches ] || [ $# -eq 0 ] || die "usage: $0 [--to-patches [DIR]]"

release=${UPSTREAM_DIR#php-}
repo=$(realpath -m -- "${BRANCH_REPO:-$build/branch/php-src-mm-observe.git}")
branch=${BRANCH:-mm-observe-$release}
tag=${BRANCH_TAG:-$UPSTREAM_DIR}
git check-ref-format "refs/heads/$branch" || die "BRANCH=$branch is not a valid branch name"
git check-ref-format "refs/tags/$tag" || die "BRANCH_TAG=$tag is not a valid tag name"
author=${BRANCH_AUTHOR:-mm_observe <mm_observe@invalid>}
case $author in
	*'<'*'>') ;;
	*) die "BRANCH_AUTHOR=$author: write it as 'Name <email>'" ;;
esac
# A value that starts a line of a git header must not hold a newline.
case $author in *$'\n'*) die "BRANCH_AUTHOR holds a newline" ;; esac

mkdir -p -- "$build/branch"
work=$(mktemp -d "$build/branch/work.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

g() { git --git-dir="$gitdir" "$@"; }

trailer_re='^Mm-Observe-[A-Za-z]+:( |$)'
# For a work tree of the branch: php-src's .gitattributes sets `ident` on
# run-tests.php (which a patch changes) and others, whose tarball copies carry
# an expanded $Id: ...$; with it, git would rewrite those lines on checkout and
# commit.  This line in .git/info/attributes (which beats .gitattributes)
# keeps every file as the tarball has it.
attributes='* -ident -text -eol -filter -working-tree-encoding'

# message_of COMMIT FILE: the commit's message, byte for byte.
message_of() {
	g cat-file commit "$1" | awk 'body { print; next } /^$/ { body = 1 }' >"$2"
}

# trailer_values FILE KEY -> the values of the KEY trailers of message FILE.
trailer_values() {
	LC_ALL=C awk -v key="Mm-Observe-$2:" -v re="$trailer_re" '
		{ line[NR] = $0 }
		END {
			t = NR
			while (t >= 1 && line[t] ~ re) t--
			for (i = t + 1; i <= NR; i++)
				if (index(line[i], key) == 1) { v = substr(line[i], length(key) + 1); sub(/^ /, "", v); print v }
		}' "$1"
}

# header_of_message FILE -> the patch header the message stands for:
# "Subject: " + its first line, the lines up to the trailers, a blank line
# (unless there is one), "---".
header_of_message() {
	LC_ALL=C awk -v re="$trailer_re" '
		{ line[NR] = $0 }
		END {
			t = NR
			while (t >= 1 && line[t] ~ re) t--
			if (t < 1) exit 1
			print "Subject: " line[1]
			for (i = 2; i <= t; i++) print line[i]
			if (t == 1 || line[t] != "") print ""
			print "---"
		}' "$1"
}

export_branch() {
	local tarball dir tree date ident k p n line old tip import tip_tree old_tree foreign
	local -a touched=()
	tarball=$("$top/mk/fetch-upstream.sh")
	# The top directory is upstream.lock's: extracting below it fails, and so
	# does the import's stream (fast-import-files.pl --tar), on an archive
	# with anything outside it.
	dir=$UPSTREAM_DIR
	tree="$work/release"
	mapfile -t touched < <(patchq_series_files "$top/patches")
	tarball_extract "$tarball" "$tree" - "$dir" main/php_version.h "${touched[@]}"
	if ! patchq_run_series "$tree" "$top/patches" 0 "$work/apply"; then
		patchq_explain "$patchq_failed" "$work/apply" "$patchq_failed_k" "$UPSTREAM_DIR"
		die "the series does not apply to $UPSTREAM_DIR as mk/build.sh applies it (--fuzz=0)"
	fi
	n=${#patchq_names[@]}

	# The lines of the series that name no patch (comments, blank lines), as
	# trailers of the next patch's commit (the last ones: of our files' commit).
	mkdir -p "$work/msg"
	k=0
	: >"$work/msg/series.pending"
	while IFS= read -r line || [ -n "$line" ]; do
		if [ -n "$(patchq_series_entry "$line")" ]; then
			k=$((k + 1))
			mv -- "$work/msg/series.pending" "$work/msg/series.$k"
			: >"$work/msg/series.pending"
		elif [ -n "$line" ]; then
			printf 'Mm-Observe-Series: %s\n' "$line" >>"$work/msg/series.pending"
		else
			printf 'Mm-Observe-Series:\n' >>"$work/msg/series.pending"
		fi
	done <"$top/patches/series"
	[ "$k" -eq "$n" ] || die "internal: patches/series read two ways gives $k and $n patches"

	{
		printf 'Import PHP %s from %s\n\n' "$release" "$UPSTREAM_FILE"
		printf 'The upstream release tarball as it is, every file byte for byte: the\n'
		printf 'base of the mm_observe patch queue (upstream.lock).\n\n'
		printf '  file:    %s\n  sha256:  %s\n' "$UPSTREAM_FILE" "$UPSTREAM_SHA256"
		case $UPSTREAM_VERSION in
			*-*) printf '  Debian:  %s %s (%s)\n' "$UPSTREAM_PACKAGE" "$UPSTREAM_VERSION" "$UPSTREAM_SUITE" ;;
		esac
		printf '\nMm-Observe-Import: %s %s\n' "$UPSTREAM_FILE" "$UPSTREAM_SHA256"
	} >"$work/msg/0"
	for k in $(seq 1 "$n"); do
		p=${patchq_names[k - 1]}
		{
			patchq_header "$top/patches/$p" | LC_ALL=C awk 'NR == 1 { sub(/^Subject: /, ""); print; next } /^---$/ { exit } { print }'
			cat -- "$work/msg/series.$k"
			printf 'Mm-Observe-Patch: %s\n' "$p"
		} >"$work/msg/$k"
	done
	{
		printf 'mm_observe: add its own files\n\n'
		printf 'The files of mm_observe that php-src does not have, under %s.\n' "${patchq_our_dirs[*]}"
		printf 'mk/build.sh copies them over the patched tree the same way.\n\n'
		cat -- "$work/msg/series.pending"
		printf 'Mm-Observe-Files: %s\n' "${patchq_our_dirs[*]}"
	} >"$work/msg/files"

	date=${BRANCH_DATE:-${SOURCE_DATE_EPOCH:-}}
	if [ -z "$date" ]; then
		[ -f "$tree/main/php_version.h" ] || die "$UPSTREAM_FILE has no $dir/main/php_version.h: set BRANCH_DATE"
		date=$(stat -c %Y -- "$tree/main/php_version.h")
	fi
	case $date in ''|*[!0-9]*) die "BRANCH_DATE=$date: seconds since the epoch" ;; esac
	ident="$author $date +0000"

	if [ ! -e "$repo" ]; then
		say "making the bare repository $repo"
		git init -q --bare -- "$repo"
		printf '%s\n' "$attributes" >"$repo/info/attributes"
	fi
	gitdir=$(git -C "$repo" rev-parse --absolute-git-dir 2>/dev/null) || die "BRANCH_REPO=$repo is not a git repository"

	# One fast-import stream: the import, the patches, our files.  It writes
	# to a private ref; the real ones are set below, after the checks.
	local tmpref="refs/mm-observe/export-$$"
	g update-ref -d "$tmpref" 2>/dev/null || true
	say "writing $((n + 2)) commits into $repo"
	{
		commit() {	# MARK MSGFILE
			printf 'commit %s\nmark :%d\nauthor %s\ncommitter %s\ndata %d\n' \
				"$tmpref" "$1" "$ident" "$ident" "$(wc -c <"$2")"
			cat -- "$2"
		}
		commit 1 "$work/msg/0"
		tarball_cat "$tarball" | perl -- "$top/mk/lib/fast-import-files.pl" --tar "$dir"
		for k in $(seq 1 "$n"); do
			commit $((k + 1)) "$work/msg/$k"
			printf '%s\n' "${patchq_files_of[k]}" | tr '\n' '\0' \
				| perl -- "$top/mk/lib/fast-import-files.pl" "$work/apply/after/$k"
		done
		commit $((n + 2)) "$work/msg/files"
		patchq_our_files "$top" | tr '\n' '\0' | perl -- "$top/mk/lib/fast-import-files.pl" "$top"
		printf 'done\n'
	} | g fast-import --quiet --done --date-format=raw \
		--export-marks="$work/marks" || die "git fast-import failed"
	g update-ref -d "$tmpref"
	import=$(awk '$1 == ":1" { print $2 }' "$work/marks")
	tip=$(awk -v m=":$((n + 2))" '$1 == m { print $2 }' "$work/marks")
	if [ -z "$import" ] || [ -z "$tip" ]; then die "internal: git fast-import gave no commit ids"; fi

	# The tag: made once, never moved.
	old=$(g rev-parse -q --verify "refs/tags/$tag^{commit}" 2>/dev/null || true)
	if [ -z "$old" ]; then
		g update-ref "refs/tags/$tag" "$import" ""
	elif [ "$old" != "$import" ]; then
		die "$repo has a tag $tag on another commit ($old; php-src's own?): set BRANCH_TAG=$tag-tarball"
	fi
	# The branch: replaced only when nothing on it would be lost.
	old=$(g rev-parse -q --verify "refs/heads/$branch^{commit}" 2>/dev/null || true)
	if [ "$old" = "$tip" ]; then
		say "$branch is already at $tip: nothing to change"
	else
		if g worktree list --porcelain 2>/dev/null | grep -qxF "branch refs/heads/$branch"; then
			die "$branch is checked out in a work tree of $repo: switch that work tree to another branch first"
		fi
		if [ -n "$old" ] && [ "${FORCE:-0}" != 1 ]; then
			tip_tree=$(g rev-parse "$tip^{tree}")
			old_tree=$(g rev-parse "$old^{tree}")
			foreign=$(g log --format='%h %an <%ae> / %cn <%ce>: %s' "$old" --not "$import" \
				| grep -vF -- " $author / $author: " || true)
			if [ -n "$foreign" ] && [ "$tip_tree" != "$old_tree" ]; then
				say "$branch in $repo has commits not made by make branch:"
				printf '%s\n' "$foreign" | head -n 10 | sed 's/^/  /' >&2
				die "bring them into patches/ first (make patches-from-branch), or FORCE=1 to replace the branch (its tip was $old)"
			fi
		fi
		g update-ref -m "make branch" "refs/heads/$branch" "$tip" "${old:-}"
		if [ -n "$old" ]; then say "$branch moved from $old to $tip"; fi
	fi
	say "$repo:"
	g log --format='  %h %s' "$tip" -n $((n + 2)) --reverse >&2
	say "tag $tag = the import ($import); branch $branch = the fork ($tip)"
	say "  the whole fork:   git --git-dir=$gitdir diff $tag $branch"
	say "  to edit it: git clone --no-checkout $repo DIR && cd DIR &&"
	say "    echo '$attributes' >.git/info/attributes && git checkout $branch"
	say "  (the attributes keep git from rewriting upstream's \$Id\$ lines); commit, push it back"
	say "  here, then: make patches-from-branch"
}

to_patches() {
	local tip root file sha c name maxnum=0 num n_new=0 meta path omode nmode osha nsha status
	local out="$work/out" f rel changed=0 tracked
	local -A names=()
	local -a commits=() up_paths=() ch_meta=() ch_path=() ch_kind=() exe=()
	local i short
	if [ -n "$outdir" ]; then
		outdir=$(realpath -m -- "$outdir")
		if [ -e "$outdir" ] && [ -n "$(ls -A -- "$outdir")" ]; then die "$outdir is not empty"; fi
	else
		# Into this checkout: refuse to overwrite uncommitted work.
		tracked=
		if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
			tracked=1
			if [ "${FORCE:-0}" != 1 ]; then
				local dirty
				dirty=$(git -C "$top" status --porcelain -- patches "${patchq_our_dirs[@]}")
				[ -z "$dirty" ] || die "uncommitted changes in patches/ or our files (commit or stash them first, or FORCE=1):
$dirty"
			fi
		fi
	fi
	gitdir=$(git -C "$repo" rev-parse --absolute-git-dir 2>/dev/null) || die "BRANCH_REPO=$repo is not a git repository (make branch makes it)"
	tip=$(g rev-parse -q --verify "refs/heads/$branch^{commit}" 2>/dev/null) \
		|| die "$repo has no branch $branch (make branch makes it; BRANCH= names another)"
	[ -z "$(g rev-list --min-parents=2 "$tip")" ] || die "$branch has merge commits: the way back reads a linear branch (rebase it)"
	mapfile -t commits < <(g rev-list --reverse "$tip")
	root=${commits[0]}
	message_of "$root" "$work/msg"
	read -r file sha <<<"$(trailer_values "$work/msg" Import | head -n1)"
	[ -n "${sha:-}" ] || die "the first commit of $branch ($root) is not an import made by make branch (no Mm-Observe-Import trailer)"
	[ "$sha" = "$UPSTREAM_SHA256" ] || die "$branch sits on $file (sha256 $sha), but upstream.lock pins $UPSTREAM_FILE ($UPSTREAM_SHA256): move upstream.lock first (make rebase), then come back"

	# Numbers already taken, for the names of new patches.
	for c in "${commits[@]:1}"; do
		message_of "$c" "$work/msg"
		while IFS= read -r name; do
			num=${name%%-*}
			case $num in ''|*[!0-9]*) ;; *) if [ $((10#$num)) -gt "$maxnum" ]; then maxnum=$((10#$num)); fi ;; esac
		done < <(trailer_values "$work/msg" Patch)
	done

	mkdir -p "$out/patches" "$out/files"
	: >"$out/patches/series"
	for c in "${commits[@]:1}"; do
		message_of "$c" "$work/msg"
		trailer_values "$work/msg" Series >>"$out/patches/series"
		name=$(trailer_values "$work/msg" Patch | tail -n1)
		up_paths=()
		rm -rf -- "$work/a" "$work/b"
		mkdir -p "$work/a" "$work/b"
		ch_meta=()
		ch_path=()
		while IFS= read -r -d '' meta && IFS= read -r -d '' path; do
			ch_meta+=("$meta")
			ch_path+=("$path")
		done < <(g diff-tree -r -z --no-renames --no-commit-id "$c^" "$c")
		# Which of the changed paths the import has: those are upstream files.
		ch_kind=()
		if [ "${#ch_path[@]}" -gt 0 ]; then
			mapfile -t ch_kind < <(printf "$root:%s\n" "${ch_path[@]}" | g cat-file --batch-check='%(objecttype)')
		fi
		short=$(g rev-parse --short "$c")
		for i in "${!ch_path[@]}"; do
			[ "${ch_kind[i]}" = blob ] || continue
			path=${ch_path[i]}
			read -r omode nmode osha nsha status <<<"${ch_meta[i]#:}"
			case $status in
				M) [ "$omode" = "$nmode" ] || die "commit $short changes the mode of $path: a patch in the queue cannot carry that" ;;
				D) die "commit $short deletes $path, an upstream file: the queue carries no deletions" ;;
				*) die "commit $short: $path changed in a way the queue cannot carry ($status)" ;;
			esac
			case $nmode in 100644|100755) ;; *) die "commit $short: $path is not a regular file" ;; esac
			case $path in */*) mkdir -p -- "$work/a/${path%/*}" "$work/b/${path%/*}" ;; esac
			g cat-file blob "$osha" >"$work/a/$path"
			g cat-file blob "$nsha" >"$work/b/$path"
			up_paths+=("$path")
		done
		if [ "${#up_paths[@]}" -eq 0 ]; then
			if [ -n "$name" ]; then say "commit $short ($name) changes no upstream file any more: $name is dropped"; fi
			continue
		fi
		if [ -z "$name" ]; then
			maxnum=$((maxnum + 1))
			name=$(g log -1 --format=%s "$c" | LC_ALL=C tr '[:upper:]' '[:lower:]' | LC_ALL=C sed -e 's/[^a-z0-9]\{1,\}/-/g' -e 's/^-//' -e 's/-$//' | cut -c1-52)
			name=$(printf '%04d-%s.patch' "$maxnum" "${name%-}")
			n_new=$((n_new + 1))
			say "commit $short has no Mm-Observe-Patch trailer and changes upstream files: new patch $name"
		fi
		case $name in
			*/*|.*|*[!A-Za-z0-9._+-]*) die "commit $short: '$name' cannot be a file name in patches/" ;;
		esac
		[ -z "${names[$name]+set}" ] || die "two commits are patch $name"
		names[$name]=1
		if ! header_of_message "$work/msg" >"$out/patches/$name"; then
			die "commit $short has an empty message"
		fi
		patchq_body "$work/a" "$work/b" "${up_paths[@]}" >>"$out/patches/$name"
		# shellcheck disable=SC2016  # a literal $Id$
		if grep -q '^+.*\$Id\$' "$out/patches/$name" && grep -q '^-.*\$Id: [0-9a-f]\{40\} \$' "$out/patches/$name"; then
			die "commit $short turns an upstream '\$Id: <sha> \$' line into '\$Id\$': git's ident attribute (php-src's .gitattributes sets it on run-tests.php and a few more) rewrote it in your clone.  Redo the commit in a clone whose .git/info/attributes says '$attributes' (README, 'make branch')"
		fi
		printf '%s\n' "$name" >>"$out/patches/series"
	done

	# Our files: what the tip has beyond the import (a deleted upstream file
	# was refused above).
	ch_meta=()
	ch_path=()
	while IFS= read -r -d '' meta && IFS= read -r -d '' path; do
		read -r _ nmode _ nsha status <<<"${meta#:}"
		[ "$status" = A ] || continue
		patchq_is_ours "$path" || die "$branch has $path, which is neither in $UPSTREAM_DIR nor under ${patchq_our_dirs[*]}: mk/build.sh would not copy it"
		case $nmode in
			100644) ;;
			100755) exe+=("$out/files/$path") ;;
			*) die "$path on $branch is not a regular file (mode $nmode)" ;;
		esac
		ch_meta+=("$nsha")
		ch_path+=("$path")
	done < <(g diff-tree -r -z --no-renames "$root" "$tip")
	for i in "${!ch_path[@]}"; do
		path=${ch_path[i]}
		case $path in */*) mkdir -p -- "$out/files/${path%/*}" ;; esac
		g cat-file blob "${ch_meta[i]}" >"$out/files/$path"
	done
	if [ "${#ch_path[@]}" -gt 0 ]; then
		(cd "$out/files" && chmod 0644 -- "${ch_path[@]}")
	fi
	if [ "${#exe[@]}" -gt 0 ]; then chmod 0755 -- "${exe[@]}"; fi
	chmod 0644 "$out"/patches/*

	if [ -n "$outdir" ]; then
		mkdir -p -- "$outdir"
		mv -- "$out/patches" "$outdir/patches"
		(cd "$out/files" && find . -mindepth 1 -maxdepth 1 -exec mv -t "$outdir" -- {} +)
		say "wrote patches/ ($(patchq_series "$outdir/patches/series" | wc -l) patches) and $(cd "$outdir" && patchq_our_files . | wc -l) files of ours to $outdir"
		return 0
	fi

	exe_bit() { if [ -x "$1" ]; then echo x; fi; }
	put() {	# FROM REL [new]: install FROM as $top/REL through a temporary name
		local to="$top/$2" tmp
		# Same bytes and the same executable bit (all git records) -> leave it.
		if [ -f "$to" ] && cmp -s -- "$1" "$to" && [ "$(exe_bit "$1")" = "$(exe_bit "$to")" ]; then return 0; fi
		mkdir -p -- "$(dirname -- "$to")"
		tmp=$(mktemp "$(dirname -- "$to")/.${to##*/}.XXXXXX")
		if ! { cp -p -- "$1" "$tmp" && mv -f -- "$tmp" "$to"; }; then rm -f -- "$tmp"; die "could not write $to"; fi
		if [ -n "${3:-}" ]; then say "  new      $2"; else say "  changed  $2"; fi
		changed=$((changed + 1))
	}
	remove() {	# REL: delete $top/REL if git tracks it (recoverable), else leave it and say so
		if [ -n "$tracked" ] && git -C "$top" ls-files --error-unmatch -- "$1" >/dev/null 2>&1; then
			rm -f -- "$top/$1"
			say "  deleted  $1"
			changed=$((changed + 1))
		else
			say "  left alone: $1 (not on the branch, and git does not track it)"
		fi
	}
	say "bringing $branch back into $top:"
	for f in "$out"/patches/*; do
		rel=patches/${f##*/}
		if [ -e "$top/$rel" ]; then put "$f" "$rel"; else put "$f" "$rel" new; fi
	done
	for f in "$top"/patches/*.patch; do
		if [ -e "$f" ] && [ ! -e "$out/patches/${f##*/}" ]; then remove "patches/${f##*/}"; fi
	done
	while IFS= read -r rel; do
		if [ -e "$top/$rel" ]; then put "$out/files/$rel" "$rel"; else put "$out/files/$rel" "$rel" new; fi
	done < <(patchq_our_files "$out/files")
	while IFS= read -r rel; do
		if [ ! -e "$out/files/$rel" ]; then remove "$rel"; fi
	done < <(patchq_our_files "$top")
	if [ "$changed" -eq 0 ]; then
		say "  nothing: patches/ and our files already are what $branch holds"
	else
		say "$changed file(s); review with git diff, then make and make test"
	fi
}

case $mode in
	export) export_branch ;;
	to-patches) to_patches ;;
esac
