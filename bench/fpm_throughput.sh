#!/usr/bin/env bash
# php-fpm throughput and CPU per request, stock vs the fork with observation
# off and on, the way a staging site serves it: nginx on loopback in front of
# two static php-fpm workers, wrk at concurrency 2.  Also the database bytes
# per observed request.  Not a test (timings are not asserted anywhere):
# figures for notes, UPGRADING and the php-fpm section of bench/results.md
# (make bench appends it).
#
#   bench/fpm_throughput.sh [SECONDS] [RUNS]     default 5 s per run, 3 runs
#
# Pages:  hello.php   one echo: the fixed cost of a request
#         page.php    builds 200 rows and renders them with sprintf (~200 sites)
#         twig.php    a real templated page: Twig (Debian's php-twig), a layout
#                     with blocks, a child with a 100-row loop, an include per
#                     row, filters; compiled templates cached on disk; opcache
# Figures: req/s (wrk), and CPU per request: utime+stime of the php-fpm master
#         and its workers (/proc/PID/stat) over a run, divided by the requests
#         wrk completed (nginx and wrk are not counted).  Medians of RUNS runs;
#         the three variants run side by side, interleaved in a rotating order.
#
#   FPM_BENCH_OUT=file     also write the markdown section to this file
#   FPM_BENCH_PAGES="hello.php twig.php"   a subset of the pages
#   FPM_BENCH_OPCACHE=twig opcache for twig.php only (default); all; none
#   FORK_FPM=path          compare another build of the fork
#   TWIG_AUTOLOAD=path     Twig's autoload.php (default: /usr/share/php/Twig,
#                          else Debian's php-twig unpacked under _build/bench)
#
# Needs nginx and wrk (Debian: nginx-light wrk; without them the section says
# it was skipped and the script exits 0), both builds (make; make stock).
# Everything listens on 127.0.0.1 and lives in a temporary folder; every
# process started is killed on exit; each wrk run is bounded by timeout(1).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
runs=${2:-3}
out=${FPM_BENCH_OUT:-}
build=$(realpath -m -- "${MM_BUILD_DIR:-$top/_build}"); export MM_BUILD_DIR=$build  # everything built (default _build/)
fork_fpm=${FORK_FPM:-$build/fork/src/sapi/fpm/php-fpm}
stock_fpm=$build/stock/src/sapi/fpm/php-fpm
# Helper CLI (free ports, counting database rows): the stock one, so that a
# rebuild of the fork does not get in the way.
cli=$build/stock/src/sapi/cli/php
pages=${FPM_BENCH_PAGES:-hello.php page.php twig.php}
opcache_for=${FPM_BENCH_OPCACHE:-twig}
case $secs$runs in *[!0-9]*) echo "usage: $0 [SECONDS] [RUNS]" >&2; exit 2 ;; esac
[ -n "$out" ] && : >"$out"

emit() { # markdown lines -> stdout and FPM_BENCH_OUT
	if [ -n "$out" ]; then printf '%s\n' "$@" | tee -a "$out"; else printf '%s\n' "$@"; fi
}
skipped() { # reason exit-status: the section says the row was not measured, and why
	echo "fpm_throughput: $1" >&2
	emit "## php-fpm" "" "php-fpm row $([ "$2" = 0 ] && echo skipped || echo "not measured"): $1."
	exit "$2"
}

command -v nginx >/dev/null && command -v wrk >/dev/null \
	|| skipped "needs nginx and wrk on the PATH (apt-get install nginx-light wrk)" 0
for b in "$fork_fpm" "$stock_fpm" "$cli"; do
	[ -x "$b" ] || skipped "$b is not built (make; make stock)" 1
	"$b" -n -v >/dev/null 2>&1 || skipped "$b does not run (being rebuilt?)" 1
done
opcache_so() { # fpm binary -> the opcache.so of the same build tree
	echo "$(cd "$(dirname "$1")/../.." && pwd)/modules/opcache.so"
}
for b in "$fork_fpm" "$stock_fpm"; do
	[ -f "$(opcache_so "$b")" ] || skipped "$(opcache_so "$b") is missing (opcache is part of the configure line)" 1
done
clk=$(getconf CLK_TCK)

work=$(mktemp -d)
# shellcheck disable=SC2317  # (called by the trap)
cleanup() {
	local f p kids
	for f in "$work"/*-fpm.pid "$work"/*-nginx.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f" 2>/dev/null) || continue
		kids=$(pgrep -P "$p" 2>/dev/null || true)
		# shellcheck disable=SC2086
		kill -TERM "$p" $kids 2>/dev/null || true
	done
	sleep 0.5
	for f in "$work"/*-fpm.pid "$work"/*-nginx.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f" 2>/dev/null) || continue
		kids=$(pgrep -P "$p" 2>/dev/null || true)
		# shellcheck disable=SC2086
		kill -KILL "$p" $kids 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --- pages -------------------------------------------------------------------
mkdir -p "$work/www"
printf '<?php echo "hello\\n";\n' >"$work/www/hello.php"
cat >"$work/www/page.php" <<'PHP'
<?php
/* A page that builds a small model and renders it, ~200 allocating sites. */
$items = [];
for ($i = 0; $i < 200; $i++) {
    $items[] = ['id' => $i, 'name' => "item $i", 'tags' => explode(',', "a,b,c,$i"), 'price' => $i * 1.5];
}
$html = '';
foreach ($items as $it) {
    $html .= sprintf('<li data-id="%d">%s (%s) %.2f</li>', $it['id'], htmlspecialchars($it['name']), implode('/', $it['tags']), $it['price']);
}
echo strlen(json_encode($items) . $html), "\n";
PHP
# What each variant must report before it is measured (opcache, observation).
cat >"$work/www/_check.php" <<'PHP'
<?php
$s = function_exists('opcache_get_status') ? opcache_get_status(false) : false;
printf("opcache=%d jit=%d observe=%s\n", $s ? (int) $s['opcache_enabled'] : 0,
    $s && !empty($s['jit']['on']) ? 1 : 0, ini_get('zend.mm_observe') === false ? '-' : ini_get('zend.mm_observe'));
PHP

# Twig: the system's (php-twig installed), else Debian's package unpacked
# under _build/bench like php-parser in mk/bench.sh (nothing installed).
twig_note='' twig_skip=''
find_twig() {
	local d=$build/bench/php-twig
	if [ -n "${TWIG_AUTOLOAD:-}" ]; then :
	elif [ -f /usr/share/php/Twig/autoload.php ]; then TWIG_AUTOLOAD=/usr/share/php/Twig/autoload.php
	else
		if [ ! -f "$d/usr/share/php/Twig/autoload.php" ]; then
			mkdir -p "$d"
			(cd "$d" && rm -f php-twig_*.deb && timeout 120 apt-get download php-twig >/dev/null 2>&1) \
				&& dpkg-deb -x "$d"/php-twig_*.deb "$d" || return 1
		fi
		TWIG_AUTOLOAD=$d/usr/share/php/Twig/autoload.php
	fi
	[ -f "$TWIG_AUTOLOAD" ] || return 1
	local ver
	ver=$("$cli" -n -d error_reporting=0 -r 'require $argv[1]; echo \Twig\Environment::VERSION;' "$TWIG_AUTOLOAD" 2>/dev/null) || return 1
	twig_note="Twig $ver ($TWIG_AUTOLOAD)"
}
case " $pages " in *" twig.php "*)
	if find_twig; then
		cp -r "$top/bench/twig/." "$work/www/"
	else
		echo "fpm_throughput: Twig not found and Debian's php-twig could not be downloaded: twig.php skipped" >&2
		twig_skip="twig.php skipped: Twig not found (/usr/share/php/Twig, TWIG_AUTOLOAD=) and Debian's php-twig could not be downloaded"
		pages=$(echo " $pages " | sed 's/ twig\.php / /')
	fi ;;
esac
uses_opcache() { # page -> 0|1
	case $opcache_for in all) echo 1 ;; none) echo 0 ;; *) [ "$1" = twig.php ] && echo 1 || echo 0 ;; esac
}

# --- php-fpm + nginx ----------------------------------------------------------
free_port() { "$cli" -n -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);'; }

start() { # variant fpm_binary observe(0|1) opcache(0|1) -> nginx port on stdout
	local v=$1 fpm=$2 on=$3 opc=$4 fport nport
	fport=$(free_port); nport=$(free_port)
	mkdir -p "$work/$v.twig-cache" "$work/$v.nginx"
	cat >"$work/$v.fpm.conf" <<EOF
[global]
error_log = $work/$v.fpm.log
pid = $work/$v-fpm.pid
[www]
listen = 127.0.0.1:$fport
pm = static
pm.max_children = 2
EOF
	[ -n "${TWIG_AUTOLOAD:-}" ] && printf 'env[TWIG_AUTOLOAD] = %s\nenv[TWIG_CACHE] = %s\n' "$TWIG_AUTOLOAD" "$work/$v.twig-cache" >>"$work/$v.fpm.conf"
	local ini=(-n -d error_reporting=22527 -d display_errors=0 -d log_errors=1 -d "error_log=$work/$v.php.log" -d date.timezone=UTC)
	# E_ALL & ~E_DEPRECATED & ~E_STRICT as in php.ini-production: Twig 3.5 on
	# PHP 8.4 raises "implicitly nullable" deprecations when compiled.
	if [ "$v" != stock ]; then
		ini+=(-d "zend.mm_observe=$on" -d "zend.mm_observe_output=$work/$v.sqlite")
		[ "$on" = 1 ] && printf 'php_admin_value[zend.mm_observe] = 1\nphp_admin_value[zend.mm_observe_output] = %s\n' "$work/$v.sqlite" >>"$work/$v.fpm.conf"
	fi
	[ "$opc" = 1 ] && ini+=(-d "zend_extension=$(opcache_so "$fpm")" -d opcache.enable=1 -d opcache.jit=disable)
	local root=(); [ "$(id -u)" = 0 ] && root=(-R)
	"$fpm" "${ini[@]}" -y "$work/$v.fpm.conf" "${root[@]}" \
		|| { echo "fpm_throughput: $v: php-fpm did not start:" >&2; cat "$work/$v.fpm.log" >&2 2>/dev/null; return 1; }
	cat >"$work/$v.nginx.conf" <<EOF
worker_processes 1;
pid $work/$v-nginx.pid;
error_log $work/$v.nginx.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $work/$v.nginx/body;
	fastcgi_temp_path $work/$v.nginx/fastcgi;
	server {
		listen 127.0.0.1:$nport;
		root $work/www;
		location ~ \.php\$ {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
			fastcgi_pass 127.0.0.1:$fport;
		}
	}
}
EOF
	nginx -p "$work/$v.nginx/" -e "$work/$v.nginx.log" -c "$work/$v.nginx.conf" -g 'daemon on;' 2>/dev/null \
		|| { echo "fpm_throughput: $v: nginx did not start:" >&2; cat "$work/$v.nginx.log" >&2 2>/dev/null; return 1; }
	for _ in $(seq 50); do curl -sf -m 2 "http://127.0.0.1:$nport/hello.php" >/dev/null && break; sleep 0.1; done
	echo "$nport"
}

stop() { # variant: graceful, then forced after 5 s
	local m n kids
	m=$(cat "$work/$1-fpm.pid" 2>/dev/null || true); n=$(cat "$work/$1-nginx.pid" 2>/dev/null || true)
	kids=$([ -n "$m" ] && pgrep -P "$m" || true)
	# shellcheck disable=SC2086
	kill -QUIT $m $n 2>/dev/null || true
	for _ in $(seq 50); do
		{ [ -n "$m" ] && kill -0 "$m" 2>/dev/null; } || { [ -n "$n" ] && kill -0 "$n" 2>/dev/null; } || break
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $m $kids $n 2>/dev/null || true
	rm -f "$work/$1-fpm.pid" "$work/$1-nginx.pid"
}

fpm_ticks() { # variant -> CPU clock ticks of its php-fpm master (with reaped children) and live workers
	local m p s t=0 f
	m=$(cat "$work/$1-fpm.pid")
	for p in $m $(pgrep -P "$m" || true); do
		s=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		s=${s##*) }	# fields 3.. (the command name may hold spaces)
		read -r -a f <<<"$s"
		t=$(( t + f[11] + f[12] ))	# utime, stime (fields 14, 15)
		[ "$p" = "$m" ] && t=$(( t + f[13] + f[14] ))	# cutime, cstime: workers that exited
	done
	echo "$t"
}

median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# --- measure -----------------------------------------------------------------
variants=(stock off on)
orders=("stock off on" "off on stock" "on stock off")
declare -A port rps cpu
notes=()
rows=()
for page in $pages; do
	opc=$(uses_opcache "$page")
	label=$page; [ "$opc" = 1 ] && label="$page + opcache"
	echo "fpm_throughput: $label" >&2
	ok=1
	for v in "${variants[@]}"; do
		case $v in stock) bin=$stock_fpm; on=0 ;; off) bin=$fork_fpm; on=0 ;; on) bin=$fork_fpm; on=1 ;; esac
		rm -rf "$work/$v.sqlite"* "$work/$v.twig-cache" "$work/$v.php.log" "$work/$v.fpm.log" "$work/$v.nginx.log"
		port[$v]=$(start "$v" "$bin" "$on" "$opc")
		want="opcache=$opc jit=0 observe=$([ "$v" = stock ] && echo - || echo "$on")"
		got=$(curl -s -m 5 "http://127.0.0.1:${port[$v]}/_check.php" || true)
		if [ "$got" != "$want" ]; then
			echo "fpm_throughput: $v: expected '$want', got '$got'" >&2
			exit 1
		fi
		# The page must render (a 200 with its last line) before it is timed.
		body=$(curl -s -m 10 -w '\n%{http_code}' "http://127.0.0.1:${port[$v]}/$page" || true)
		case $page in twig.php) mark='rendered by Twig' ;; hello.php) mark=hello ;; *) mark='' ;; esac
		if [ "${body##*$'\n'}" != 200 ] || ! grep -q -- "$mark" <<<"$body" || [ -s "$work/$v.php.log" ]; then
			echo "fpm_throughput: $v: $page does not render:" >&2
			head -c 2000 <<<"$body" >&2; echo >&2
			head -n 20 "$work/$v.php.log" >&2 2>/dev/null || true
			ok=0
			break
		fi
		if [ "$page" = twig.php ] && [ -z "$(ls -A "$work/$v.twig-cache" 2>/dev/null)" ]; then
			notes+=("- $label, $v: Twig wrote no compiled template to its cache")
		fi
		timeout 30 wrk -t1 -c2 -d1s "http://127.0.0.1:${port[$v]}/$page" >/dev/null 2>&1 || true   # warm-up
	done
	if [ "$ok" = 0 ]; then
		for v in "${variants[@]}"; do stop "$v"; done
		notes+=("- $label: not measured, the page does not render (see stderr)")
		continue
	fi
	declare -A srps=() scpu=()
	for ((i = 0; i < runs; i++)); do
		# Rotate the order: all three stacks are up, idle ones cost nothing.
		for v in ${orders[i % 3]}; do
			t0=$(fpm_ticks "$v")
			res=$(timeout $((secs + 30)) wrk -t2 -c2 -d"${secs}s" --timeout 10s "http://127.0.0.1:${port[$v]}/$page") \
				|| { echo "fpm_throughput: $v: wrk failed or timed out" >&2; exit 1; }
			t1=$(fpm_ticks "$v")
			n=$(awk '/ requests in / {print $1}' <<<"$res")
			r=$(awk '/Requests\/sec/ {print int($2)}' <<<"$res")
			bad=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$res")
			[ -n "$bad" ] && notes+=("- $label, $v: $bad of $n responses were not 2xx/3xx")
			[ "${n:-0}" -gt 0 ] || { echo "fpm_throughput: $v: no request completed" >&2; exit 1; }
			srps[$v]+="$r "
			scpu[$v]+="$(awk -v t=$((t1 - t0)) -v hz="$clk" -v n="$n" 'BEGIN {printf "%.2f", t * 1e6 / hz / n}') "
			echo "fpm_throughput:   $v: $r req/s, $n requests, $((t1 - t0)) ticks" >&2
		done
	done
	for v in "${variants[@]}"; do
		rps[$v]=$(tr ' ' '\n' <<<"${srps[$v]}" | grep . | median)
		cpu[$v]=$(tr ' ' '\n' <<<"${scpu[$v]}" | grep . | median)
		stop "$v"
	done
	unset srps scpu
	if [ -s "$work/on.php.log" ] || [ -s "$work/off.php.log" ] || [ -s "$work/stock.php.log" ]; then
		notes+=("- $label: PHP logged errors while measured (see stderr)")
		cat "$work"/*.php.log >&2
	fi
	# Runs recorded, and the database's size once its WAL is checkpointed into
	# it.  The per-worker ring files next to it (NAME.PID.mmring: sparse,
	# fixed size, the counters of the request in progress) are not counted.
	runs_n=$(timeout 60 "$cli" -n -r '$h = new SQLite3($argv[1]); $h->busyTimeout(5000);
		$n = $h->querySingle("SELECT count(*) FROM mm_runs"); $h->exec("PRAGMA wal_checkpoint(TRUNCATE)"); echo $n;' \
		"$work/on.sqlite" 2>/dev/null || echo 0)
	bytes=0
	for f in "$work/on.sqlite" "$work/on.sqlite-wal" "$work/on.sqlite-journal"; do
		[ -f "$f" ] && bytes=$(( bytes + $(stat -c %s "$f") ))
	done
	rings=$(find "$work" -maxdepth 1 -name 'on.sqlite.*.mmring' | wc -l)
	[ "$rings" -gt 0 ] && echo "fpm_throughput:   on: $rings ring files left next to the database ($(du -ch "$work"/on.sqlite.*.mmring | tail -n1 | cut -f1) on disk)" >&2
	dbper=$(( runs_n > 0 ? bytes / runs_n : 0 ))
	echo "fpm_throughput:   on: $runs_n runs recorded, database $bytes bytes" >&2
	[ "$runs_n" -gt 0 ] || notes+=("- $label: the observed fork recorded no run")
	rows+=("$(awk -v page="$label" -v rs="${rps[stock]}" -v ro="${rps[off]}" -v rn="${rps[on]}" \
		-v cs="${cpu[stock]}" -v co="${cpu[off]}" -v cn="${cpu[on]}" -v db="$dbper" 'BEGIN {
		printf "| %s | %d | %d | %d | %.2f | %.1f | %.1f | %.1f | %+.1f | %d |", page, rs, ro, rn,
			(rs > 0 ? rn / rs : 0), cs, co, cn, cn - cs, db }')")
done

emit "## php-fpm" "" \
	"- nginx + 2 static php-fpm workers on 127.0.0.1, wrk -t2 -c2 -d${secs}s; median of $runs runs per variant after a 1 s warm-up," \
	"  the three variants side by side, interleaved; $(nproc) cores shared by wrk, nginx and php-fpm" \
	"- CPU µs/req: utime+stime of the php-fpm master and its workers (/proc/PID/stat, CLK_TCK $clk) over a run / requests completed;" \
	"  nginx and wrk not counted. on − stock: what observation adds to one request (on hello.php: the fixed cost)" \
	"- opcache: $(case $opcache_for in all) echo "all pages" ;; none) echo "no page" ;; *) echo "twig.php only" ;; esac) (the build's modules/opcache.so, opcache.jit=disable);" \
	"  error_reporting E_ALL & ~E_DEPRECATED & ~E_STRICT, display_errors off" \
	"- DB bytes/request: size of the observed variant's database (WAL checkpointed) / runs recorded (warm-up included);" \
	"  the per-worker ring files (.mmring) are not counted"
[ -n "$twig_note" ] && emit "- twig.php: $twig_note; FilesystemLoader, compiled templates cached on disk, auto_reload off"
[ -n "$twig_skip" ] && emit "- $twig_skip"
emit "" \
	"| page | stock req/s | off req/s | on req/s | on / stock | CPU µs/req stock | off | on | on − stock µs/req | DB bytes/request |" \
	"| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
[ ${#rows[@]} -gt 0 ] && emit "${rows[@]}"
[ ${#notes[@]} -gt 0 ] && emit "" "${notes[@]}"
exit 0
