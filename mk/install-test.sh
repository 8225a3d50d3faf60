#!/usr/bin/env bash
# The fork installed as a staging box gets it (issue 17): `make install` into
# the tree's prefix, the installed php finding its own opcache and php.ini,
# a real PECL extension (Debian's php-apcu source) built with the installed
# phpize and seen as a callee in a report, run-tests.php from the install,
# php-fpm from the install's pool serving an observed request; then `make deb`,
# the packages installed with apt on a clean state, the demo and an observed
# php-fpm request, and a purge.  Also make bench's peer (mk/peer.sh): Debian's
# Xdebug loaded into the stock build.
#
# It installs into the real prefix (default /opt/php-mm) and /var/opt/php-mm,
# so it runs only as root on a machine where neither exists and none of our
# packages is installed (CI's machine); otherwise it says why it skips.  It
# removes what it installed.  Prints "ok - ..." / "not ok - ..." per check and
# ends with "N passed, N failed".  Uses the built fork (run make first).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build
src="$build/fork/src"
pass=0 fail=0
log=$(mktemp)
tmp=$(mktemp -d /tmp/mm-install-test.XXXXXX)
chmod 0755 "$tmp"

ok() { echo "ok - $1"; pass=$((pass + 1)); }
not_ok() { echo "not ok - $1"; sed 's/^/#   /' "$log" | tail -n 25; fail=$((fail + 1)); }
check() {	# check NAME CMD...: CMD's output goes to the log, shown on failure
	local name=$1; shift
	if "$@" >"$log" 2>&1; then ok "$name"; else not_ok "$name"; fi
}
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

[ -x "$src/sapi/cli/php" ] || { echo "not ok - no built fork in $src (run make first)"; fail=1; finish; }
prefix=$(sed -n 's/^prefix = //p' "$src/Makefile" | head -n1)
statedir=/var/opt/php-mm
php="$prefix/bin/php"
why=
if [ "$(id -u)" -ne 0 ]; then why="not root"
elif [ -e "$prefix" ]; then why="$prefix exists"
elif [ -e "$statedir" ]; then why="$statedir exists"
elif dpkg-query -W -f='${Package}\n' 'php8.4-mm-observe-*' 2>/dev/null | grep -q .; then why="php8.4-mm-observe packages are installed"
fi
if [ -n "$why" ]; then
	echo "# skipped: installs into $prefix and $statedir, needs root and neither present ($why)"
	finish
fi
cleanup() {
	pkill -f "^$prefix/sbin/php-fpm" 2>/dev/null || true
	dpkg --purge php8.4-mm-observe-dev php8.4-mm-observe-fpm php8.4-mm-observe-cli >/dev/null 2>&1 || true
	rm -rf "$prefix" "$statedir" /run/php-mm-observe "$tmp" "$log"
}
trap cleanup EXIT

cat >"$tmp/alloc.php" <<'EOF'
<?php
$a = [];
for ($i = 0; $i < 1000; $i++) {
    $a[] = str_repeat('x', 100 + $i);
}
echo count($a), "\n";
EOF

# --- make install ----------------------------------------------------------
check "make install into $prefix" env MM_NO_BUILD=1 "$top/mk/install.sh"
check "the installed php loads opcache from its own extension dir (php.ini's conf.d)" \
	sh -c "'$php' -v | grep -q 'with Zend OPcache'"
check "php -n -d zend_extension=opcache finds opcache by name" \
	sh -c "'$php' -n -d zend_extension=opcache -v | grep -q 'with Zend OPcache'"
check "extension_dir is under the prefix" \
	sh -c "'$php' -r 'echo ini_get(\"extension_dir\");' | grep -q '^$prefix/lib/php/extensions/'"
check "php --ini reads $prefix/etc/php.ini and $prefix/etc/conf.d" \
	sh -c "'$php' --ini | grep -q 'Loaded Configuration File: *$prefix/etc/php.ini' && '$php' --ini | grep -q '$prefix/etc/conf.d/10-opcache.ini'"
check "php.ini is upstream's php.ini-development with the [mm_observe] section" \
	sh -c "cmp -n \$(stat -c %s '$src/php.ini-development') '$src/php.ini-development' '$prefix/etc/php.ini' && grep -q '^\[mm_observe\]' '$prefix/etc/php.ini' && grep -q '^;zend.mm_observe_path_sample_bytes' '$prefix/etc/php.ini'"
check "observation is off by default (php.ini documents it, does not turn it on)" \
	sh -c "[ \"\$('$php' -r 'echo ini_get(\"zend.mm_observe\");')\" = 0 ] || [ -z \"\$('$php' -r 'echo ini_get(\"zend.mm_observe\");')\" ]"
check "an observed run and its report with the installed php" \
	sh -c "cd '$tmp' && '$php' --mm-observe='$tmp/cli.sqlite' alloc.php | grep -qx 1000 && '$php' --mm-report '$tmp/cli.sqlite' --by site | grep -q 'alloc.php:4'"

cat >"$tmp/budget.phpt" <<'EOF'
--TEST--
a memory budget checked by the installed run-tests.php
--FILE--
<?php
$s = [];
for ($i = 0; $i < 100; $i++) { $s[] = "item $i"; }
echo count($s), "\n";
?>
--EXPECT--
100
--MM_LIMITS--
alloc_bytes <= 1M
leaked_bytes == 0
EOF
check "the installed run-tests.php records a test and checks its --MM_LIMITS--" \
	sh -c "cd '$tmp' && NO_INTERACTION=1 '$php' '$prefix/lib/php/build/run-tests.php' -q -p '$php' --mm-observe '$tmp/rt.sqlite' budget.phpt | grep -q '^Tests passed *: *1' && [ \"\$(sqlite3 '$tmp/rt.sqlite' 'SELECT count(*) FROM mm_runs')\" -ge 1 ]"

# A real PECL extension, from Debian's source package, built with phpize.
# (Functions run by check are in an `if`, where set -e does not apply: each
# step says || return 1.)
apcu_build() {
	local tgz d
	tgz=$("$top/mk/apt-source.sh" php-apcu "$tmp/apcu-src") || return 1
	mkdir -p "$tmp/apcu" && tar -xzf "$tgz" -C "$tmp/apcu" || return 1
	d=$(find "$tmp/apcu" -mindepth 1 -maxdepth 2 -name config.m4 -printf '%h\n' | head -n1)
	[ -n "$d" ] || { echo "no config.m4 in $tgz"; return 1; }
	(cd "$d" && "$prefix/bin/phpize" && ./configure --with-php-config="$prefix/bin/php-config" && make -j"$(nproc)") || return 1
	cp "$d/modules/apcu.so" "$tmp/apcu.so"
}
check "phpize builds Debian's php-apcu source against the install" apcu_build
cat >"$tmp/apcu.php" <<'EOF'
<?php
for ($i = 0; $i < 200; $i++) {
    apcu_store("k$i", array_fill(0, 50, "value $i"));
}
$n = 0;
for ($i = 0; $i < 200; $i++) {
    $n += count(apcu_fetch("k$i"));
}
echo $n, "\n";
EOF
check "apcu loads and apcu_fetch is a callee in the report" \
	sh -c "cd '$tmp' && '$php' -d extension='$tmp/apcu.so' -d apc.enable_cli=1 --mm-observe='$tmp/apcu.sqlite' apcu.php | grep -qx 10000 && '$php' --mm-report '$tmp/apcu.sqlite' --by site | grep -q 'apcu_fetch()'"

# make bench's peer (mk/peer.sh): Debian's Xdebug, unpacked with the libc it
# was built for, loads into the stock build and writes its profile, time and
# memory per function, as make bench runs it.
peer_profile() {
	local peer stock="$build/stock/src/sapi/cli/php" peer_loader peer_libs peer_xdebug peer_version
	peer=$("$top/mk/peer.sh" "$stock" "$tmp/peer") || return 1
	eval "$peer"
	echo "Xdebug $peer_version"
	mkdir -p "$tmp/xdebug"
	"$peer_loader" --library-path "$peer_libs" "$stock" -n -d "zend_extension=$peer_xdebug" -d xdebug.mode=profile \
		-d xdebug.start_with_request=yes -d xdebug.output_dir="$tmp/xdebug" -d xdebug.use_compression=0 \
		-r 'function f() { return str_repeat("x", 100000); } echo strlen(f()), "\n";' | grep -qx 100000 || return 1
	grep -q '^events: .*Memory' "$tmp"/xdebug/cachegrind.out.* && grep -q '^fn=.*f$' "$tmp"/xdebug/cachegrind.out.*
}
check "make bench's peer: Debian's Xdebug loads into the stock build and profiles time and memory" peer_profile

# php-fpm from the install: the example pool observes a request.
fpm_request() {	# fpm_request DB: start the pool, one request, graceful stop
	local db=$1 sock pid i out
	sock=$(sed -n 's/^listen = //p' "$prefix/etc/php-fpm.d/www.conf")
	mkdir -p "$(dirname "$sock")" || return 1
	"$prefix/sbin/php-fpm" --nodaemonize --fpm-config "$prefix/etc/php-fpm.conf" &
	pid=$!
	for i in $(seq 1 100); do [ -S "$sock" ] && break; sleep 0.1; done
	[ -S "$sock" ] || { echo "php-fpm did not listen on $sock"; kill "$pid"; return 1; }
	printf '<?php $x = str_repeat("y", 10000); echo "hello from fpm\\n";\n' >"$tmp/hello.php"
	chmod 0644 "$tmp/hello.php"
	out=$(SCRIPT_FILENAME="$tmp/hello.php" REQUEST_METHOD=GET REQUEST_URI=/hello.php cgi-fcgi -bind -connect "$sock")
	# A graceful stop: the worker writes its summary as it exits
	# (php-fpm.conf: process_control_timeout).
	kill -QUIT "$pid"
	wait "$pid"
	printf '%s\n' "$out" | grep -q 'hello from fpm' || { echo "response: $out"; return 1; }
	[ "$(sqlite3 "$db" "SELECT count(*) FROM mm_runs WHERE request_uri = '/hello.php'")" -ge 1 ] \
		|| { echo "no run of /hello.php in $db"; ls -la "$(dirname "$db")"; return 1; }
	# Every worker wrote what it held and removed its ring as it exited.
	if compgen -G "$db.*.mmring" >/dev/null; then echo "rings left after a graceful stop:"; ls -la "$(dirname "$db")"; return 1; fi
}
if command -v cgi-fcgi >/dev/null; then
	check "php-fpm with the installed pool records an observed request" fpm_request "$prefix/var/lib/mm-observe/www.sqlite"
else
	echo "# skipped: the php-fpm request (cgi-fcgi, Debian's libfcgi-bin, is not installed)"
fi

echo '; a line of mine' >>"$prefix/etc/php.ini"
check "a second make install keeps an edited php.ini and writes php.ini.mm-new" \
	sh -c "MM_NO_BUILD=1 '$top/mk/install.sh' && grep -q '^; a line of mine' '$prefix/etc/php.ini' && [ -f '$prefix/etc/php.ini.mm-new' ] && ! grep -q 'a line of mine' '$prefix/etc/php.ini.mm-new'"
rm -rf "$prefix"

# --- make deb, then the packages on a clean state --------------------------
check "make deb builds the cli, fpm and dev packages" env MM_NO_BUILD=1 "$top/mk/deb.sh"
debs=("$build"/deb/php8.4-mm-observe-*.deb)
places() {	# every file of our packages is ours: no path of Debian's php
	local d bad
	for d in "${debs[@]}"; do
		bad=$(dpkg-deb -c "$d" | awk '{print $6}' | sed 's|^\./|/|' \
			| grep -v -E "^/\$|^$prefix(/|\$)|^/var/opt/php-mm(/|\$)|^/lib/systemd/system/php8.4-mm-observe-fpm.service\$|^/usr/share/doc/php8.4-mm-observe-[a-z]+(/|\$)|^/(opt|var|var/opt|lib|lib/systemd|lib/systemd/system|usr|usr/share|usr/share/doc)/\$" || true)
		if [ -n "$bad" ]; then echo "$d: $bad"; return 1; fi
	done
}
check "the packages install only under $prefix, /var/opt/php-mm and their own unit and doc names" places
export DEBIAN_FRONTEND=noninteractive
check "the packages install with apt (dependencies from the archive)" \
	apt-get install -y -qq --no-install-recommends "${debs[@]}"
check "the demo runs observed with the packaged php and reports its lines" \
	sh -c "cd '$tmp' && '$php' --mm-observe='$tmp/demo.sqlite' '$top/examples/demo.php' >/dev/null && '$php' --mm-report '$tmp/demo.sqlite' | grep -q 'demo.php:'"
check "the packaged php finds opcache" sh -c "'$php' -v | grep -q 'with Zend OPcache'"
check "the packaged phpize and php-config name the prefix" \
	sh -c "'$prefix/bin/php-config' --extension-dir | grep -q '^$prefix/' && '$prefix/bin/phpize' --help >/dev/null"
if command -v cgi-fcgi >/dev/null; then
	check "the packaged php-fpm pool records an observed request in $statedir" fpm_request "$statedir/lib/mm-observe/www.sqlite"
	check "the pool's database belongs to www-data, mode 0600" \
		sh -c "[ \"\$(stat -c '%U %a' '$statedir/lib/mm-observe/www.sqlite')\" = 'www-data 600' ]"
fi
check "purging removes the binaries and keeps the observation databases" \
	sh -c "dpkg --purge php8.4-mm-observe-dev php8.4-mm-observe-fpm php8.4-mm-observe-cli && [ ! -e '$php' ] && { [ ! -e /usr/bin/cgi-fcgi ] || [ -f '$statedir/lib/mm-observe/www.sqlite' ]; }"
finish
