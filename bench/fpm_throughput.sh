#!/usr/bin/env bash
# php-fpm throughput, stock vs the fork with observation off and on, the way
# a staging site serves it: nginx on loopback in front of two static php-fpm
# workers, wrk at concurrency 2.  Also the database bytes per observed
# request.  Not a test (timings are not asserted anywhere): figures for
# notes and UPGRADING.
#
#   bench/fpm_throughput.sh [SECONDS] [RUNS]     default 5 s per run, 3 runs
#
# Needs nginx and wrk (Debian: nginx-light wrk), both builds (make; make
# stock).  Everything listens on 127.0.0.1 and lives in a temporary folder.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
secs=${1:-5}
runs=${2:-3}
build=${MM_BUILD_DIR:-$top/_build}
fork_fpm=${FORK_FPM:-$build/fork/src/sapi/fpm/php-fpm}   # FORK_FPM= compares another build of the fork
stock_fpm=$build/stock/src/sapi/fpm/php-fpm
for b in "$fork_fpm" "$stock_fpm"; do [ -x "$b" ] || { echo "fpm_throughput: $b is not built (make; make stock)" >&2; exit 1; }; done
command -v nginx >/dev/null && command -v wrk >/dev/null || { echo "fpm_throughput: needs nginx and wrk (apt-get install nginx-light wrk)" >&2; exit 1; }

work=$(mktemp -d)
trap 'kill $(cat "$work"/*.pid 2>/dev/null) 2>/dev/null || true; sleep 0.5; rm -rf "$work"' EXIT
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

free_port() { php_bin=$build/bin/php; "$php_bin" -n -r '$s = stream_socket_server("tcp://127.0.0.1:0"); echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1);'; }

start() { # variant fpm_binary observe(0|1)
	local v=$1 fpm=$2 on=$3 fport nport
	fport=$(free_port); nport=$(free_port)
	cat >"$work/$v.fpm.conf" <<EOF
[global]
error_log = $work/$v.fpm.log
pid = $work/$v-fpm.pid
[www]
listen = 127.0.0.1:$fport
pm = static
pm.max_children = 2
EOF
	if [ "$on" = 1 ]; then
		printf 'php_admin_value[zend.mm_observe] = 1\nphp_admin_value[zend.mm_observe_output] = %s\n' "$work/$v.sqlite" >>"$work/$v.fpm.conf"
	fi
	local root=(); [ "$(id -u)" = 0 ] && root=(-R)
	"$fpm" -n -y "$work/$v.fpm.conf" "${root[@]}" -d "zend.mm_observe=$on" -d "zend.mm_observe_output=$work/$v.sqlite"
	cat >"$work/$v.nginx.conf" <<EOF
worker_processes 1;
pid $work/$v-nginx.pid;
error_log $work/$v.nginx.log;
events { worker_connections 256; }
http {
	access_log off;
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
	nginx -c "$work/$v.nginx.conf" -g 'daemon on;' 2>/dev/null
	for _ in $(seq 50); do curl -sf "http://127.0.0.1:$nport/hello.php" >/dev/null && break; sleep 0.1; done
	echo "$nport"
}

stop() { # variant
	kill -QUIT "$(cat "$work/$1-fpm.pid")" "$(cat "$work/$1-nginx.pid")" 2>/dev/null || true
	sleep 1
	rm -f "$work/$1-fpm.pid" "$work/$1-nginx.pid"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '| page | stock | fork, off | fork, on | on / stock | DB bytes per request |\n| --- | ---: | ---: | ---: | ---: | ---: |\n'
for page in hello.php page.php; do
	declare -A rps=()
	for v in stock off on; do
		case $v in stock) bin=$stock_fpm; on=0 ;; off) bin=$fork_fpm; on=0 ;; on) bin=$fork_fpm; on=1 ;; esac
		rm -f "$work/$v.sqlite"*
		port=$(start "$v" "$bin" "$on")
		wrk -t1 -c2 -d1s "http://127.0.0.1:$port/$page" >/dev/null 2>&1 || true   # warm-up
		vals=()
		for _ in $(seq "$runs"); do
			vals+=("$(wrk -t2 -c2 -d"${secs}s" "http://127.0.0.1:$port/$page" | awk '/Requests\/sec/ {print int($2)}')")
		done
		rps[$v]=$(printf '%s\n' "${vals[@]}" | median)
		stop "$v"
		if [ "$v" = on ]; then
			n=$("$build/bin/php" -n -r '$h = new SQLite3($argv[1], SQLITE3_OPEN_READONLY); echo $h->querySingle("SELECT count(*) FROM mm_runs");' "$work/on.sqlite")
			bytes=$(du -cb "$work/on.sqlite"* | tail -n1 | cut -f1)
			per=$(( n > 0 ? bytes / n : 0 ))
		fi
	done
	ratio=$(awk -v a="${rps[on]}" -v b="${rps[stock]}" 'BEGIN {printf "%.2f", a / b}')
	printf '| %s | %s req/s | %s req/s | %s req/s | %s | %s |\n' "$page" "${rps[stock]}" "${rps[off]}" "${rps[on]}" "$ratio" "$per"
done
echo
echo "nginx + 2 static php-fpm workers on 127.0.0.1, wrk -t2 -c2 -d${secs}s, median of $runs runs, after a 1 s warm-up; no opcache."
