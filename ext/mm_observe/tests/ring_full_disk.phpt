--TEST--
mm_observe ring: the disk fills up before the run is written: the ring file is kept and php --mm-import writes the run later, nothing lost
--DESCRIPTION--
A private tmpfs (unshare -rm, a user and mount namespace) stands in for a small
disk.  The script itself fills it after its ring is in place, so the final
write fails with SQLITE_FULL.  The run's ring stays, with the status the run
was to get; once space is free, php --mm-import writes it: status ok, exit
status 7, every site.
--SKIPIF--
<?php
if (!is_executable('/usr/bin/unshare') || !is_executable('/bin/sh')) die('skip needs unshare and sh');
exec('/usr/bin/unshare -rm /bin/sh -c "mount -t tmpfs -o size=1m tmpfs /tmp && echo ok" 2>/dev/null', $o);
if (($o[0] ?? '') !== 'ok') die('skip cannot mount a private tmpfs (user namespaces disabled?)');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
$dir = mmo_path(__FILE__, '.d');
mkdir($dir);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$child = "<?php\n";
for ($i = 1; $i <= 600; $i++) { $child .= "\$a[] = str_repeat('x', $i);\n"; }
$child .= <<<'PHP'
$f = fopen(__DIR__ . '/filler', 'w');
$chunk = str_repeat("\0", 65536);
while (@fwrite($f, $chunk) === 65536) {}
fclose($f);
echo count($a), "\n";
exit(7);
PHP;
file_put_contents("$dir/child.php", $child);
file_put_contents("$dir/check.php", <<<'PHP'
<?php
$h = new SQLite3($argv[1], SQLITE3_OPEN_READONLY);
$queries = [
    'integrity' => 'SELECT integrity_check FROM pragma_integrity_check',
    'runs' => "SELECT group_concat(run_id || ' ' || status || ' exit ' || exit_status || ' imported ' || (imported_at IS NOT NULL), ', ') FROM mm_runs",
    'str_repeat sites' => "SELECT count(*) FROM mm_sites WHERE run_id = 1 AND callee = 'str_repeat'",
];
foreach ($queries as $label => $q) {
    echo "$label: ", $h->querySingle($q), "\n";
}
PHP);
$script = <<<SH
set -e
mount -t tmpfs -o size=6m tmpfs "$dir"
cd "$dir"
cp /proc/self/fd/3 child.php; cp /proc/self/fd/4 check.php
trap '' XFSZ
"$php" -n -d zend.mm_observe=1 -d zend.mm_observe_output=x.sqlite child.php 2>&1 | sed -e 's/x\.sqlite\.[0-9]*\.mmring/RING/g' || true
ls *.mmring | sed -e 's/[0-9][0-9]*/PID/'
rm -f filler
"$php" -n --mm-import x.sqlite.*.mmring | sed -e 's/x\.sqlite\.[0-9]*\.mmring/RING/g'
ls *.mmring 2>/dev/null | wc -l | sed -e 's/^/rings left: /'
"$php" -n check.php x.sqlite
SH;
$p = proc_open(['/usr/bin/unshare', '-rm', '/bin/sh', '-c', $script],
    [1 => ['pipe', 'w'], 2 => ['redirect', 1], 3 => ['file', "$dir/child.php", 'r'], 4 => ['file', "$dir/check.php", 'r']], $pipes);
echo stream_get_contents($pipes[1]);
proc_close($p);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
600
Warning: mm_observe: report database '%s/x.sqlite': cannot write run 1 (database or disk is full); it is kept in '%s/RING': import it with php --mm-import '%s/RING'
x.sqlite.PID.mmring
mm-import: 'RING' imported as run 1 of 'x.sqlite' (status 'ok')
rings left: 0
integrity: ok
runs: 1 ok exit 7 imported 1
str_repeat sites: 601
