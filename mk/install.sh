#!/usr/bin/env bash
# Install the fork under its prefix: `make install [PREFIX=/opt/php-mm] [DESTDIR=...]`.
#
# What goes where (PREFIX defaults to /opt/php-mm; it is compiled in, so a new
# one reconfigures and rebuilds the tree once, see mk/build.sh):
#   PREFIX/bin/php, phpize, php-config, phar   PREFIX/sbin/php-fpm
#   PREFIX/include/php/                        headers, for phpize
#   PREFIX/lib/php/build/run-tests.php         with run-tests-mm-observe.php
#   PREFIX/lib/php/extensions/<api>/opcache.so the extension dir php finds by itself
#   PREFIX/etc/php.ini                         upstream's php.ini-development plus
#                                              the [mm_observe] section (pkg/)
#   PREFIX/etc/conf.d/10-opcache.ini           loads opcache
#   PREFIX/etc/php-fpm.conf, php-fpm.d/www.conf  a pool with observation on
#   PREFIX/lib/systemd/system/php8.4-mm-observe-fpm.service
#   PREFIX/share/doc/php-mm-observe/           UPGRADING.observability, README.md
#   STATEDIR/log, STATEDIR/lib/mm-observe, RUNDIR  (STATEDIR=PREFIX/var,
#                                              RUNDIR=STATEDIR/run by default)
#
# Configuration files are never overwritten: one that exists with other
# content is left alone and the new one is written beside it as FILE.mm-new.
# Everything is first installed into a staging directory, so a failed build or
# `make install` leaves the destination untouched.
#
# Environment: MM_PREFIX (make's PREFIX), DESTDIR, MM_STATEDIR, MM_RUNDIR,
# MM_FPM_USER / MM_FPM_GROUP (default www-data), MM_NO_BUILD=1 (install what
# is built, without running make first), MM_STAGE_ONLY=DIR (stage into DIR and
# stop: used by mk/deb.sh).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build
src="$build/fork/src"

say() { printf 'install: %s\n' "$*" >&2; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

if [ -z "${MM_NO_BUILD:-}" ]; then
	"$top/mk/build.sh" fork || die "the build failed; nothing was installed"
fi
[ -x "$src/sapi/cli/php" ] || die "no built fork in $src (run make first)"

# The prefix the tree was configured with is the only one it can install to.
prefix=$(sed -n 's/^prefix = //p' "$src/Makefile" | head -n1)
[ -n "$prefix" ] || die "cannot read the prefix from $src/Makefile"
if [ -n "${MM_PREFIX:-}" ] && [ "${MM_PREFIX%/}" != "$prefix" ]; then
	die "the tree is configured for $prefix, not $MM_PREFIX (run without MM_NO_BUILD to reconfigure)"
fi
version=${UPSTREAM_DIR#php-}
statedir=${MM_STATEDIR:-$prefix/var}
rundir=${MM_RUNDIR:-$statedir/run}
fpm_user=${MM_FPM_USER:-www-data}
fpm_group=${MM_FPM_GROUP:-$fpm_user}
for v in "$statedir" "$rundir"; do
	case $v in /*) ;; *) die "$v: must be an absolute path" ;; esac
	case $v in *[!A-Za-z0-9/._+-]*) die "$v: use letters, digits and / . _ + - only" ;; esac
done
case "$fpm_user$fpm_group" in *[!A-Za-z0-9._-]*) die "MM_FPM_USER/MM_FPM_GROUP: not a user or group name" ;; esac

destdir=${DESTDIR:-}
if [ -n "$destdir" ]; then
	case $destdir in /*) ;; *) destdir=$(realpath -m -- "$destdir") ;; esac
	destdir=${destdir%/}
fi

if [ -n "${MM_STAGE_ONLY:-}" ]; then
	stage=$MM_STAGE_ONLY
	rm -rf "$stage"
	mkdir -p "$stage"
else
	mkdir -p "$build"
	stage=$(mktemp -d "$build/install-stage.XXXXXX")
	trap 'rm -rf "$stage"' EXIT
fi

say "staging PHP $version with mm_observe for $prefix"
log="$build/install.log"
(cd "$src" && make install INSTALL_ROOT="$stage" >"$log" 2>&1) \
	|| { tail -n 30 "$log" >&2; die "make install failed (log: $log); nothing was installed"; }

subst() {	# subst IN OUT: our template with the install's values
	mkdir -p "$(dirname "$2")"
	sed -e "s|@prefix@|$prefix|g" -e "s|@statedir@|$statedir|g" -e "s|@rundir@|$rundir|g" \
		-e "s|@version@|$version|g" -e "s|@fpm_user@|$fpm_user|g" -e "s|@fpm_group@|$fpm_group|g" \
		"$1" >"$2"
	if grep -q '@[a-z_]*@' "$2"; then die "$1: an unknown @placeholder@ is left in $2"; fi
}

s="$stage$prefix"
# php.ini: upstream's development defaults, then our documented section.
cp "$src/php.ini-development" "$src/php.ini-production" "$s/etc/"
subst "$top/pkg/php.ini-mm-observe.in" "$stage/mm.ini"
cat "$src/php.ini-development" "$stage/mm.ini" >"$s/etc/php.ini"
rm -f "$stage/mm.ini"
subst "$top/pkg/conf.d-10-opcache.ini" "$s/etc/conf.d/10-opcache.ini"
subst "$top/pkg/fpm/php-fpm.conf.in" "$s/etc/php-fpm.conf"
subst "$top/pkg/fpm/www.conf.in" "$s/etc/php-fpm.d/www.conf"
subst "$top/pkg/fpm/php-mm-observe-fpm.service.in" "$s/lib/systemd/system/php8.4-mm-observe-fpm.service"
mkdir -p "$s/share/doc/php-mm-observe"
cp "$top/UPGRADING.observability" "$top/README.md" "$s/share/doc/php-mm-observe/"
mkdir -p "$stage$statedir/log" "$stage$statedir/lib/mm-observe" "$stage$rundir"
chmod 0750 "$stage$statedir/lib/mm-observe"

# The installed tree must be self-consistent before anything is copied.
ext_dir=$(sed -n 's/^EXTENSION_DIR = //p' "$src/Makefile" | head -n1)
[ -f "$stage$ext_dir/opcache.so" ] || die "opcache.so is not in the staged extension dir $ext_dir"
[ -f "$s/lib/php/build/run-tests-mm-observe.php" ] || die "run-tests-mm-observe.php was not installed next to run-tests.php"

if [ -n "${MM_STAGE_ONLY:-}" ]; then
	say "staged in $stage"
	exit 0
fi

# Copy the stage over the destination.  Files under PREFIX/etc are
# configuration: an existing one with other content is kept.
dest="$destdir"
kept=()
while IFS= read -r -d '' f; do
	rel=${f#"$stage"}
	target="$dest$rel"
	if [ -d "$f" ] && [ ! -L "$f" ]; then
		mkdir -p "$target"
		continue
	fi
	mkdir -p "$(dirname "$target")"
	case $rel in
		"$prefix"/etc/*)
			if [ -e "$target" ] && ! cmp -s "$f" "$target"; then
				cp -P "$f" "$target.mm-new"
				kept+=("$target")
				continue
			fi ;;
	esac
	# Replace by rename, so a running php or php-fpm keeps its old inode.
	cp -P --preserve=mode "$f" "$target.mm-tmp.$$" && mv -f "$target.mm-tmp.$$" "$target"
done < <(find "$stage" -mindepth 1 -print0 | sort -z)

# The pool user writes the observation databases (only when installing for
# real, as root, and the user exists).
if [ -z "$destdir" ] && [ "$(id -u)" -eq 0 ] && id "$fpm_user" >/dev/null 2>&1; then
	chown "$fpm_user:$fpm_group" "$statedir/lib/mm-observe" "$statedir/log"
fi

say "installed in $dest$prefix"
for k in "${kept[@]}"; do say "kept your $k; the new one is $k.mm-new"; done
cat >&2 <<EOF
install: next steps:
  $prefix/bin/php -v                       (opcache is loaded from $prefix/etc/conf.d)
  $prefix/bin/php --mm-observe=out.sqlite script.php && $prefix/bin/php --mm-report out.sqlite
  php-fpm: cp $prefix/lib/systemd/system/php8.4-mm-observe-fpm.service /etc/systemd/system/
           systemctl daemon-reload && systemctl start php8.4-mm-observe-fpm
           (pool: $prefix/etc/php-fpm.d/www.conf, socket $rundir/www.sock)
  extensions: $prefix/bin/phpize && ./configure --with-php-config=$prefix/bin/php-config && make
EOF
