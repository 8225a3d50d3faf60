#!/usr/bin/env bash
# Build one variant of PHP from the pinned tarball.
#
#   mk/build.sh fork    patched tree + our files, configured with --enable-mm-observe
#   mk/build.sh stock   the same tarball untouched, same configure line minus
#                       --enable-mm-observe: the baseline for every comparison
#
# Layout (all under _build/, never committed):
#   _build/tarballs/            the verified upstream tarball (fetched once)
#   _build/<variant>/src/       the unpacked, patched, configured tree
#   _build/<variant>/.prepared  hash of everything that shaped the tree
#   _build/bin/php, php-stock   links to the built CLI binaries
#
# Incremental: the tree is unpacked, patched, buildconf'd and configured only
# when the hash of upstream.lock, the patch series, the configure line and our
# build-system files (config.m4) changes.  Otherwise our files are copied over
# the tree only where their content differs (so make sees new mtimes only on
# what changed) and make rebuilds what depends on them.  ccache is used when
# installed.
set -euo pipefail

variant=${1:-fork}
case $variant in fork|stock) ;; *) echo "usage: $0 fork|stock" >&2; exit 2 ;; esac

top=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=/dev/null
. "$top/upstream.lock"
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
vdir="$build/$variant"
src="$vdir/src"
jobs=${JOBS:-$(nproc)}

say() { printf 'build(%s): %s\n' "$variant" "$*" >&2; }
die() { printf 'build(%s): error: %s\n' "$variant" "$*" >&2; exit 1; }

# Our new files: the folders that mirror php-src.  A path here is the path in
# the built tree.
our_dirs=(Zend main sapi ext TSRM run-tests-mm-observe.php)
our_files() {
	(cd "$top" && for d in "${our_dirs[@]}"; do if [ -e "$d" ]; then find "$d" -type f; fi; done) | LC_ALL=C sort
}

# The configure line shared by both variants (issue #2: CLI with its web
# server, FPM, opcache, SQLite, the libxml family and what frameworks need).
configure_args=(
	--disable-all
	--without-pear
	--enable-cli --disable-cgi --disable-phpdbg --enable-fpm
	--enable-opcache
	--with-sqlite3 --enable-pdo --with-pdo-sqlite
	--with-libxml --enable-dom --enable-simplexml --enable-xml
	--enable-xmlreader --enable-xmlwriter
	--enable-ctype --enable-tokenizer --enable-mbstring --disable-mbregex
	--enable-filter --enable-session --enable-fileinfo --with-iconv
	--enable-phar --enable-posix --enable-pcntl --enable-bcmath
	--enable-calendar --enable-sockets
	--with-zlib --with-openssl --with-curl
)
# The installation prefix (make install PREFIX=...) is compiled in: php.ini's
# directory, the extension dir (opcache), phpize and php-config.  A different
# prefix reconfigures the tree; the last one is remembered in $build/prefix so
# a later plain `make` keeps it instead of rebuilding again.
prefix_file="$build/prefix"
if [ -n "${MM_PREFIX:-}" ]; then prefix=$MM_PREFIX
elif [ -s "$prefix_file" ]; then prefix=$(cat "$prefix_file")
else prefix=/opt/php-mm; fi
case $prefix in
	/*) ;;
	*) die "PREFIX=$prefix: the prefix must be an absolute path" ;;
esac
case $prefix in
	*[!A-Za-z0-9/._+-]*) die "PREFIX=$prefix: use letters, digits and / . _ + - only (it is written into configure, php.ini and systemd units)" ;;
esac
prefix=${prefix%/}
[ -n "$prefix" ] || die "PREFIX=/ is not a prefix this build installs into"
mkdir -p "$build"
[ "$(cat "$prefix_file" 2>/dev/null)" = "$prefix" ] || echo "$prefix" >"$prefix_file"
configure_args+=(--prefix="$prefix" --with-config-file-path="$prefix/etc"
	--with-config-file-scan-dir="$prefix/etc/conf.d")

# The extension profile (make PROFILE=...), remembered like the prefix:
#   ci    the set above: what the tests and the benchmarks need (default)
#   full  plus what a Laravel/Symfony staging box needs: intl, gd (with
#         freetype, jpeg, webp), zip, sodium, gmp, mysqli and pdo_mysql
#         (mysqlnd), pgsql and pdo_pgsql, exif, mbregex, readline, gettext
profile_file="$build/profile"
profile=${MM_PROFILE:-$(cat "$profile_file" 2>/dev/null || true)}
profile=${profile:-ci}
profile_deps=()
case $profile in
	ci) ;;
	full)
		configure_args=("${configure_args[@]/--disable-mbregex/--enable-mbregex}")
		configure_args+=(--enable-intl --enable-gd --with-freetype --with-jpeg --with-webp
			--with-zip --with-sodium --with-gmp --with-mysqli --with-pdo-mysql
			--with-pgsql --with-pdo-pgsql --enable-exif --with-readline --with-gettext)
		profile_deps=(g++ libicu-dev libpng-dev libjpeg-dev libfreetype-dev libwebp-dev
			libzip-dev libsodium-dev libgmp-dev libpq-dev libonig-dev libreadline-dev) ;;
	*) die "PROFILE=$profile: the profiles are ci and full" ;;
esac
[ "$(cat "$profile_file" 2>/dev/null)" = "$profile" ] || echo "$profile" >"$profile_file"
if [ "$variant" = fork ]; then configure_args+=(--enable-mm-observe); fi
if [ -n "${MM_CONFIGURE_EXTRA:-}" ]; then read -r -a extra <<<"$MM_CONFIGURE_EXTRA"; configure_args+=("${extra[@]}"); fi

"$top/mk/deps.sh" "${profile_deps[@]}"
tarball=$("$top/mk/fetch-upstream.sh")

cc=gcc
if command -v ccache >/dev/null 2>&1; then
	cc="ccache gcc"
	# Hash paths relative to the tree and not the working directory, so
	# another checkout (a fresh clone, CI) hits the same cache entries.
	export CCACHE_BASEDIR="$src" CCACHE_NOHASHDIR=1
fi
export CC="$cc" CFLAGS="${CFLAGS:--O2 -g}"

# Everything that, when changed, needs a fresh tree.
stamp_input() {
	echo "lock $(sha256sum "$top/upstream.lock" | cut -d' ' -f1)"
	echo "configure ${configure_args[*]} CC=$CC CFLAGS=$CFLAGS"
	if [ "$variant" = fork ]; then
		[ -f "$top/patches/series" ] && sha256sum "$top/patches/series"
		grep -v '^\s*#' "$top/patches/series" 2>/dev/null | while read -r p; do
			if [ -n "$p" ]; then sha256sum "$top/patches/$p"; fi
		done
		our_files | grep -E '(config[0-9]?\.m4|Makefile\.frag)$' | while read -r f; do
			sha256sum "$top/$f"
		done
	fi
}
want_stamp=$(stamp_input | sha256sum | cut -d' ' -f1)

sync_our_files() {
	local f n=0
	while read -r f; do
		mkdir -p "$src/$(dirname "$f")"
		if ! cmp -s "$top/$f" "$src/$f"; then
			cp "$top/$f" "$src/$f"
			n=$((n + 1))
		fi
	done < <(our_files)
	say "copied $n changed file(s) of ours into the tree"
}

apply_series() {
	local p
	grep -v '^\s*#' "$top/patches/series" | while read -r p; do
		[ -n "$p" ] || continue
		say "applying patches/$p"
		rm -f "$vdir/rejected.diff"
		if ! (cd "$src" && patch -p1 --forward --batch --fuzz=0 --no-backup-if-mismatch -r "$vdir/rejected.diff" <"$top/patches/$p" >"$vdir/patch.log" 2>&1); then
			cat "$vdir/patch.log" >&2
			say "patches/$p does not apply to $UPSTREAM_DIR. The failing hunks:"
			head -n 80 "$vdir/rejected.diff" >&2 2>/dev/null || true
			die "patch series stopped at patches/$p"
		fi
	done
}

if [ ! -f "$vdir/.prepared" ] || [ "$(cat "$vdir/.prepared")" != "$want_stamp" ] || [ ! -f "$src/Makefile" ]; then
	say "preparing a fresh tree from $(basename "$tarball")"
	rm -rf "$src" "$vdir/.prepared"
	mkdir -p "$vdir"
	tar -xf "$tarball" -C "$vdir"  # GNU tar reads the compression (xz, gzip, bzip2) from the content
	mv "$vdir/$UPSTREAM_DIR" "$src"
	if [ "$variant" = fork ]; then
		apply_series
		sync_our_files
		say "running buildconf (the patches touch the build system)"
		(cd "$src" && ./buildconf --force >"$vdir/buildconf.log" 2>&1) || { tail -n 30 "$vdir/buildconf.log" >&2; die "buildconf failed (log: $vdir/buildconf.log)"; }
	fi
	say "configure ${configure_args[*]}"
	(cd "$src" && ./configure "${configure_args[@]}" >"$vdir/configure.log" 2>&1) || { tail -n 30 "$vdir/configure.log" >&2; die "configure failed (log: $vdir/configure.log)"; }
	echo "$want_stamp" >"$vdir/.prepared"
elif [ "$variant" = fork ]; then
	sync_our_files
fi

say "make -j$jobs"
(cd "$src" && make -j"$jobs" >"$vdir/make.log" 2>&1) || { grep -E 'error|Error' "$vdir/make.log" | head -n 40 >&2; die "make failed (log: $vdir/make.log)"; }

mkdir -p "$build/bin"
if [ "$variant" = fork ]; then
	ln -sf "$src/sapi/cli/php" "$build/bin/php"
	ln -sf "$src/sapi/fpm/php-fpm" "$build/bin/php-fpm"
else
	ln -sf "$src/sapi/cli/php" "$build/bin/php-stock"
	ln -sf "$src/sapi/fpm/php-fpm" "$build/bin/php-fpm-stock"
fi
say "done: $src/sapi/cli/php"
