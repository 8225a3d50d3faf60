#!/usr/bin/env bash
# Debian packages of the fork: `make deb` -> _build/deb/*.deb
#
#   php8.4-mm-observe-cli   PREFIX/bin/php and phar, opcache, PREFIX/etc/php.ini
#                           and conf.d, the documentation
#   php8.4-mm-observe-fpm   PREFIX/sbin/php-fpm, php-fpm.conf, a pool with
#                           observation on, php8.4-mm-observe-fpm.service,
#                           /var/opt/php-mm (logs, databases)
#   php8.4-mm-observe-dev   phpize, php-config, headers, PREFIX/lib/php/build
#                           (run-tests.php with its --mm-observe helper)
#
# Everything lives under the tree's prefix (default /opt/php-mm), the state
# under /var/opt/php-mm, the socket and pid under /run/php-mm-observe, the unit
# in /lib/systemd/system: no path, package name or service name of Debian's
# own php8.4 packages, so both install side by side.  Binaries keep their
# symbols (backtraces of a crash stay readable) without DWARF debug info;
# MM_DEB_KEEP_DEBUG=1 keeps that too.  Version: UPSTREAM+mm.N, N the number of
# commits of this checkout (0 outside git).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build
out="$build/deb"
work="$out/work"

say() { printf 'deb: %s\n' "$*" >&2; }
die() { printf 'deb: error: %s\n' "$*" >&2; exit 1; }

"$top/mk/deps.sh" dpkg-dev binutils

statedir=/var/opt/php-mm
rundir=/run/php-mm-observe
rm -rf "$work"
mkdir -p "$work"
MM_STAGE_ONLY="$work/stage" MM_STATEDIR=$statedir MM_RUNDIR=$rundir "$top/mk/install.sh"
stage="$work/stage"
src="$build/fork/src"
prefix=$(sed -n 's/^prefix = //p' "$src/Makefile" | head -n1)
upstream=${UPSTREAM_DIR#php-}
n=$(git -C "$top" rev-list --count HEAD 2>/dev/null || echo 0)
version="$upstream+mm.$n"
arch=$(dpkg --print-architecture)
maintainer="mm_observe maintainers <mm-observe@localhost>"

# --- split the staged tree ------------------------------------------------
declare -A pkg_paths=(
	[fpm]="$prefix/sbin $prefix/etc/php-fpm.conf $prefix/etc/php-fpm.conf.default $prefix/etc/php-fpm.d $prefix/share/fpm $prefix/php/man/man8 $prefix/lib/systemd $statedir $rundir"
	[dev]="$prefix/bin/phpize $prefix/bin/php-config $prefix/include $prefix/lib/php/build $prefix/php/man/man1/phpize.1 $prefix/php/man/man1/php-config.1"
)
root_of() { echo "$work/php8.4-mm-observe-$1"; }
for p in cli fpm dev; do mkdir -p "$(root_of "$p")"; done
for p in fpm dev; do
	for path in ${pkg_paths[$p]}; do
		[ -e "$stage$path" ] || continue
		mkdir -p "$(root_of "$p")$(dirname "$path")"
		mv "$stage$path" "$(root_of "$p")$path"
	done
done
# The rest (bin/php, phar, etc/php.ini, conf.d, extensions, docs) is the cli.
cp -a "$stage/." "$(root_of cli)/"
# Directories emptied by the split (the parents of what went to fpm and dev).
find "$(root_of cli)" -mindepth 1 -depth -type d -empty -delete
# The run directory is made by the unit at each start, not shipped.
rm -rf "$(root_of fpm)$rundir"
rmdir -p --ignore-fail-on-non-empty "$(dirname "$(root_of fpm)$rundir")"
# The unit goes where systemd looks.
mkdir -p "$(root_of fpm)/lib/systemd/system"
mv "$(root_of fpm)$prefix/lib/systemd/system/php8.4-mm-observe-fpm.service" "$(root_of fpm)/lib/systemd/system/"
rm -rf "$(root_of fpm)$prefix/lib/systemd"
rmdir "$(root_of fpm)$prefix/lib" 2>/dev/null || true

# --- per package: strip, copyright, control, conffiles, md5sums -----------
cat >"$work/copyright" <<EOF
PHP $upstream (https://www.php.net/), under the PHP License 3.01, with the
mm_observe patch queue and files (the same license), built from the release
tarball $UPSTREAM_FILE, sha256 $UPSTREAM_SHA256.
EOF

shlibs_for() {	# shlibs_for ROOT -> a Depends: line for its ELF files
	local root=$1 files=()
	while IFS= read -r -d '' f; do
		if head -c4 "$f" | grep -q $'^\x7fELF'; then files+=("$f"); fi
	done < <(find "$root" -type f -print0)
	[ ${#files[@]} -gt 0 ] || return 0
	mkdir -p "$work/shlibs/debian"
	printf 'Source: php8.4-mm-observe\n\nPackage: x\nArchitecture: any\n' >"$work/shlibs/debian/control"
	(cd "$work/shlibs" && dpkg-shlibdeps -O --ignore-missing-info "${files[@]}" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

descr_cli="PHP 8.4 with memory and GC observability (command line)
 PHP $upstream built with --enable-mm-observe: every request allocation is
 attributed to the opline that caused it, every cycle-collector run is timed
 per phase, and the records survive a crash.  php --mm-observe=out.sqlite
 script.php, then php --mm-report out.sqlite.  Installed in $prefix, beside
 Debian's php packages."
descr_fpm="PHP 8.4 with memory and GC observability (FastCGI process manager)
 php-fpm of the mm_observe build, with a pool that observes every request
 (summary rows, per-endpoint aggregates, per-site detail for selected
 requests) and the systemd unit php8.4-mm-observe-fpm.  It listens on
 $rundir/www.sock and writes $statedir/lib/mm-observe/www.sqlite."
descr_dev="PHP 8.4 with memory and GC observability (phpize, headers, run-tests)
 phpize, php-config and the headers to build extensions against the
 mm_observe build, and run-tests.php with --mm-observe and --MM_LIMITS--
 memory budgets per test."

for p in cli fpm dev; do
	root=$(root_of "$p")
	name=php8.4-mm-observe-$p
	if [ -z "${MM_DEB_KEEP_DEBUG:-}" ]; then
		while IFS= read -r -d '' f; do
			if head -c4 "$f" | grep -q $'^\x7fELF'; then objcopy --strip-debug "$f"; fi
		done < <(find "$root" -type f -print0)
	fi
	mkdir -p "$root/usr/share/doc/$name" "$root/DEBIAN"
	cp "$work/copyright" "$root/usr/share/doc/$name/copyright"
	depends=$(shlibs_for "$root")
	case $p in
		fpm|dev) depends="php8.4-mm-observe-cli (= $version)${depends:+, $depends}" ;;
	esac
	[ "$p" = dev ] && depends="$depends, autoconf, gcc, make, libc6-dev"
	descr_var=descr_$p
	{
		echo "Package: $name"
		echo "Version: $version"
		echo "Architecture: $arch"
		echo "Maintainer: $maintainer"
		echo "Section: php"
		echo "Priority: optional"
		echo "Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)"
		[ -n "$depends" ] && echo "Depends: $depends"
		echo "Homepage: https://www.php.net/"
		echo "Description: ${!descr_var}"
	} >"$root/DEBIAN/control"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -path "./${prefix#/}/etc/*" -print | sed 's|^\.||' | LC_ALL=C sort) >"$root/DEBIAN/conffiles"
	[ -s "$root/DEBIAN/conffiles" ] || rm -f "$root/DEBIAN/conffiles"
	(cd "$root" && find . -path ./DEBIAN -prune -o -type f -print0 | LC_ALL=C sort -z | xargs -0 md5sum | sed 's|  \./|  |') >"$root/DEBIAN/md5sums"
done

# --- maintainer scripts of the fpm package --------------------------------
fpm=$(root_of fpm)
cat >"$fpm/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
if [ "\$1" = configure ]; then
	if id www-data >/dev/null 2>&1; then
		chown www-data:www-data $statedir/lib/mm-observe $statedir/log
	fi
	chmod 0750 $statedir/lib/mm-observe
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload || true
		systemctl enable php8.4-mm-observe-fpm.service || true
		systemctl restart php8.4-mm-observe-fpm.service || true
	fi
fi
exit 0
EOF
cat >"$fpm/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "\$1" = remove ]; then
	systemctl stop php8.4-mm-observe-fpm.service || true
	systemctl disable php8.4-mm-observe-fpm.service || true
fi
exit 0
EOF
cat >"$fpm/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
# The observation databases in $statedir/lib/mm-observe are data: kept even
# on purge.  Logs go on purge.
if [ "\$1" = purge ]; then
	rm -rf $statedir/log
	rmdir $statedir/lib/mm-observe $statedir/lib $statedir 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
exit 0
EOF
chmod 0755 "$fpm/DEBIAN/postinst" "$fpm/DEBIAN/prerm" "$fpm/DEBIAN/postrm"

mkdir -p "$out"
rm -f "$out"/*.deb
for p in cli fpm dev; do
	deb="$out/php8.4-mm-observe-${p}_${version}_${arch}.deb"
	dpkg-deb --root-owner-group -Zxz -z3 --build "$(root_of "$p")" "$deb" >/dev/null
	say "built $deb ($(du -h "$deb" | cut -f1))"
done
rm -rf "$work"
