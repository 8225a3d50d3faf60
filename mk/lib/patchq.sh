# shellcheck shell=bash
# The patch queue's format, read and written in one place.
#
# Sourced by mk/rebase.sh and mk/branch.sh after they have defined say() and
# die().  Defines functions (prefix patchq_) and runs nothing when sourced.
#
# A patch file (patches/NNNN-name.patch) is
#
#   Subject: <one line>              the header: kept byte for byte by every
#   <blank line>                     tool here; a branch commit's message is
#   <rationale, one or more lines>   the header without "Subject: " and "---"
#   <blank line>
#   ---
#   --- a/PATH                       then one GNU unified diff per file, in
#   +++ b/PATH                       C-locale order of PATH, no timestamps,
#   @@ -L,N +L,N @@                  three lines of context, no function names
#   ...                              in the @@ lines: `diff -u --label a/PATH
#                                    --label b/PATH OLD NEW`
#
# patches/series lists the patch files in the order they apply; blank lines
# and lines starting with '#' are kept as they are but mean nothing.
#
# Invariants:
#  1. patchq_body is the only writer of diff text: a patch refreshed by
#     mk/rebase.sh and one regenerated from a branch by mk/branch.sh come out
#     of the same generator, so the round trip is byte for byte.
#  2. The series is applied to copies of only the files it touches
#     (patchq_run_series), never to a tree someone else reads: the pristine
#     unpacked release stays pristine, and the state before and after every
#     patch is kept for the refresh and for the branch's commits.
#  3. Everything runs under LC_ALL=C: patch's messages are parsed, and the
#     file order of a diff is byte order.

# Our own files: the folders that mirror php-src, the same list as our_dirs
# in mk/build.sh (mk/tooling-test.sh checks that they agree).
patchq_our_dirs=(Zend main sapi ext TSRM run-tests-mm-observe.php)

patchq_our_files() {	# TOP -> our files under TOP, relative, C-locale order (as mk/build.sh finds them)
	local d
	(cd "$1" && for d in "${patchq_our_dirs[@]}"; do if [ -e "$d" ]; then find "$d" -type f; fi; done) | LC_ALL=C sort
}

patchq_is_ours() {	# PATH -> status 0 if PATH lies under one of patchq_our_dirs
	local d
	for d in "${patchq_our_dirs[@]}"; do
		case $1 in "$d"|"$d"/*) return 0 ;; esac
	done
	return 1
}

# patchq_series_entry LINE -> the patch the line of a series names, or
# nothing for a blank line or a comment (surrounding white space trimmed, as
# mk/build.sh reads them).
patchq_series_entry() {
	local line=$1
	line=${line#"${line%%[![:space:]]*}"}
	line=${line%"${line##*[![:space:]]}"}
	case $line in ''|'#'*) ;; *) printf '%s\n' "$line" ;; esac
}

patchq_series() {	# SERIES -> the patch names, one a line
	local line
	while IFS= read -r line || [ -n "$line" ]; do
		patchq_series_entry "$line"
	done <"$1"
}

# patchq_files PATCH -> the paths the patch changes (its "+++ b/PATH" lines),
# once each, in the order they appear.  The hunks are walked by their line
# counts, so a changed line that happens to start with "+++" is not a path.
# Dies on a patch that deletes a file or whose header is not the format above.
patchq_files() {
	local patch=$1
	head -n1 -- "$patch" | grep -q '^Subject: .' \
		|| die "$patch: the first line must be 'Subject: <what the patch does>'"
	grep -qx -- '---' "$patch" || die "$patch: no '---' line ends its header"
	LC_ALL=C awk -v patch="$patch" '
		function bad(msg) { printf "%s:%d: %s\n", patch, NR, msg > "/dev/stderr"; err = 1; exit 1 }
		!body { if ($0 == "---") body = 1; next }
		old > 0 || new > 0 {
			c = substr($0, 1, 1)
			if (c == " " || $0 == "") { old--; new-- }
			else if (c == "-") old--
			else if (c == "+") new--
			else if (c != "\\") bad("hunk ends early")
			if (old < 0 || new < 0) bad("hunk longer than its @@ line says")
			next
		}
		/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@/ {
			if (path == "") bad("hunk before any +++ line")
			split($2, a, ","); split($3, b, ",")
			old = (2 in a) ? a[2] + 0 : 1; new = (2 in b) ? b[2] + 0 : 1
			next
		}
		/^\+\+\+ / {
			p = substr($0, 5); sub(/\t.*/, "", p)
			if (p == "/dev/null") bad("the patch deletes a file: the queue carries changes to upstream files only")
			if (substr(p, 1, 2) != "b/") bad("+++ path without b/ prefix")
			path = substr(p, 3)
			if (!(path in seen)) { seen[path] = 1; print path }
		}
		END { if (!err && path == "") { printf "%s: no diff after the header\n", patch > "/dev/stderr"; exit 1 } }
	' "$patch" || die "$patch is not a patch in the queue's format (see mk/lib/patchq.sh)"
}

patchq_series_files() {	# PATCHDIR -> every path the series changes, once, C-locale order
	local p
	patchq_series "$1/series" | while IFS= read -r p; do
		[ -f "$1/$p" ] || die "$1/series lists $p, which is not in $1"
		patchq_files "$1/$p" || exit 1
	done | LC_ALL=C sort -u
}

patchq_header() {	# PATCH -> its header, up to and including the '---' line
	sed -n '1,/^---$/p' -- "$1"
}

# patchq_body OLDDIR NEWDIR PATH... -> the canonical diff of each PATH from
# OLDDIR/PATH (missing: a new file) to NEWDIR/PATH, in C-locale order.
patchq_body() {
	local old=$1 new=$2 f a b x rc
	shift 2
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		a="$old/$f"
		[ -e "$a" ] || a=/dev/null
		b="$new/$f"
		[ -f "$b" ] || die "$f is gone after the patch: the queue carries no deletions"
		for x in "$a" "$b"; do
			# shellcheck disable=SC2094  # both only read $x
			if [ "$x" != /dev/null ] && ! tr -d '\000' <"$x" | cmp -s - "$x"; then
				die "$f is a binary file: a patch in the queue changes text files only"
			fi
		done
		rc=0
		LC_ALL=C diff -u --label "a/$f" --label "b/$f" -- "$a" "$b" || rc=$?
		[ "$rc" -le 1 ] || die "diff failed on $f"
	done < <(printf '%s\n' "$@" | LC_ALL=C sort -u)
}

# patchq_run_series TREE PATCHDIR FUZZ WORK
#
# Applies PATCHDIR/series, in order, with `patch -p1 --fuzz=FUZZ` (offsets are
# always allowed, as in mk/build.sh) to WORK/tree: a copy of the files of the
# pristine tree TREE that the series touches.  Leaves, for the K-th patch
# (K = 1, 2, ...):
#   WORK/before/K/PATH   its files as the earlier patches left them
#   WORK/after/K/PATH    its files after it
#   WORK/log.K           patch's messages;  WORK/rej.K  the rejected hunks
#   WORK/moved.K         one line per hunk that needed an offset or fuzz
# and sets patchq_names (the series) and patchq_files_of[K] (its paths, one a
# line).  Returns 1 at the first patch that does not apply, with patchq_failed
# and patchq_failed_k naming it; nothing after it is tried.
# shellcheck disable=SC2034  # sets globals for the caller
patchq_run_series() {
	local tree=$1 pdir=$2 fuzz=$3 work=$4 k p f
	local -a all=()
	rm -rf -- "$work"
	mkdir -p -- "$work/tree" "$work/before" "$work/after"
	[ -f "$pdir/series" ] || die "$pdir/series is missing"
	mapfile -t patchq_names < <(patchq_series "$pdir/series")
	patchq_files_of=()
	patchq_failed=
	patchq_failed_k=
	for k in "${!patchq_names[@]}"; do
		p=${patchq_names[$k]}
		[ -f "$pdir/$p" ] || die "$pdir/series lists $p, which is not in $pdir"
		patchq_files_of[k + 1]=$(patchq_files "$pdir/$p") || exit 1
		mapfile -t -O "${#all[@]}" all <<<"${patchq_files_of[k + 1]}"
	done
	for f in "${all[@]}"; do
		if [ -e "$tree/$f" ] && [ ! -e "$work/tree/$f" ]; then
			(cd "$tree" && cp -p --parents -- "$f" "$work/tree/")
		fi
	done
	for k in "${!patchq_names[@]}"; do
		p=${patchq_names[$k]}
		k=$((k + 1))
		patchq_copy_files "$work/tree" "$work/before/$k" "${patchq_files_of[k]}"
		if ! (cd "$work/tree" && LC_ALL=C patch -p1 --forward --batch --fuzz="$fuzz" \
			--no-backup-if-mismatch -r "$work/rej.$k" <"$pdir/$p") >"$work/log.$k" 2>&1; then
			patchq_failed=$p
			patchq_failed_k=$k
			return 1
		fi
		patchq_copy_files "$work/tree" "$work/after/$k" "${patchq_files_of[k]}"
		patchq_moved "$work/log.$k" >"$work/moved.$k"
	done
}

patchq_copy_files() {	# FROM TO PATHS(newline-separated): copy those that exist
	local from=$1 to=$2 f
	mkdir -p -- "$to"
	while IFS= read -r f; do
		if [ -n "$f" ] && [ -e "$from/$f" ]; then (cd "$from" && cp -p --parents -- "$f" "$to/"); fi
	done <<<"$3"
}

# patchq_moved LOG -> "PATH: Hunk #N succeeded at L with fuzz F (offset K
# lines)." for each hunk that did not apply exactly where its @@ line says.
patchq_moved() {
	LC_ALL=C awk '
		/^patching file / { f = substr($0, 15); gsub(/^'\''|'\''$/, "", f); next }
		/^Hunk #[0-9]+ succeeded at / && /(offset|fuzz)/ { print f ": " $0 }
	' "$1"
}

# patchq_explain NAME WORK K RELEASE: say on stderr why patch K (NAME) did not
# apply to RELEASE: each file and hunk patch refused, then the first rejected
# hunk itself.
patchq_explain() {
	local name=$1 work=$2 k=$3 release=$4 first
	say "patches/$name does not apply to $release:"
	LC_ALL=C awk '
		/^patching file / { f = substr($0, 15); gsub(/^'\''|'\''$/, "", f); next }
		/^\|\+\+\+ / { f = substr($0, 6); sub(/^b\//, "", f); sub(/\t.*/, "", f); next }
		/^Hunk #[0-9]+ FAILED/ { sub(/\.$/, ""); print "  " f ": " $0 " (where patch looked for it)" }
		/^No file to patch/ { print "  " f ": the new release has no such file (removed or moved upstream)" }
		/^Reversed \(or previously applied\) patch detected/ {
			print "  " f ": the change is already there (upstream took it?): drop or shrink the patch" }
		/malformed patch/ { print "  " $0 }
	' "$work/log.$k" >&2
	first=$(LC_ALL=C awk '
		/^patching file / { f = substr($0, 15); gsub(/^'\''|'\''$/, "", f); next }
		/^Hunk #[0-9]+ FAILED/ { print f "\t" $2; exit }
	' "$work/log.$k")
	if [ -n "$first" ] && [ -s "$work/rej.$k" ]; then
		say "the first rejected hunk (${first%%$'\t'*}, hunk ${first#*$'\t'}):"
		LC_ALL=C awk '
			/^@@ -[0-9]+(,[0-9]+)? \+[0-9]+(,[0-9]+)? @@/ && !done {
				split($2, a, ","); split($3, b, ",")
				old = (2 in a) ? a[2] + 0 : 1; new = (2 in b) ? b[2] + 0 : 1
				print; inhunk = 1; next
			}
			inhunk {
				print
				c = substr($0, 1, 1)
				if (c == " " || $0 == "") { old--; new-- } else if (c == "-") old--; else if (c == "+") new--
				if (old <= 0 && new <= 0) { inhunk = 0; done = 1 }
				if (done) exit
			}
		' "$work/rej.$k" | sed 's/^/    /' >&2
	else
		sed 's/^/    /' "$work/log.$k" | head -n 20 >&2
	fi
}
