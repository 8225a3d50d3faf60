--TEST--
mm_observe ring fuzz (issue 12): 1 000 mutated rings through the readers of --mm-import and --mm-top (every tenth through the CLI itself), and 300 more through the orphan scan of an observed request: no crash, no hang, the database intact after each import
--DESCRIPTION--
Mutations of two real rings left by kill -9 (a script's, and a php -S
worker's with REQUEST records and a request cut short): bit flips in the header and in
every region, header fields set to extreme values, regions that overlap,
wrap around 2^64 or pass the end of the file, truncation at every header
field.  Each mutant is a sparse file of the real size, mode 0600.  Nine in
ten go through mm_observe_ring_read() and mm_observe_import() (what the two
commands run) in batches of 100 per process, each followed by PRAGMA
integrity_check; a crash names its ring and the batch resumes after it.
MM_FUZZ_CASES=N changes the count.
--SKIPIF--
<?php if (!function_exists('posix_kill')) die('skip posix'); ?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$dir = mmo_path(__FILE__, '.d');
mmo_rmtree($dir);
mkdir($dir);

/* A real ring with records pending, sites and strings. */
[$p, $pipes] = mmo_start(__FILE__, <<<'PHP'
<?php
function f($n) { return str_repeat("f", $n); }
$k = [];
for ($i = 0; $i < 300; $i++) { $k[] = f($i); $o = new stdClass; $o->s = $o; }
gc_collect_cycles();
mm_observe_snapshot("half");
for ($i = 0; $i < 300; $i++) { $k[] = [$i]; $o = new stdClass; $o->s = $o; }
gc_collect_cycles();
echo "ready\n";
sleep(60);
PHP, $db, ['-d', 'zend.mm_observe_ring_size=64K', '-d', 'zend.mm_observe_sample_bytes=4K']);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
posix_kill($pid, 9);
proc_close($p);
/* The used regions of a ring file: [chunks by offset, file size]. */
function seed(string $base): array
{
    $f = fopen($base, 'rb');
    $hdr = fread($f, 8192);
    $u32 = fn(int $o) => unpack('V', $hdr, $o)[1];
    $u64 = fn(int $o) => unpack('P', $hdr, $o)[1];
    $size = $u64(72);
    /* header, events, sites, strings, call-path frames, paths */
    $pathTable = $u64(224) + (($u32(232) * $u32(248) + 4095) & ~4095);
    $regions = [[0, 8192], [$u64(32), $u64(40)], [$u64(48), $u32(120) * $u32(24)], [$u64(56), $u32(124)],
        [$u64(224), $u32(240) * $u32(248)], [$pathTable, $u32(244) * $u32(252)]];
    $chunks = [];
    foreach ($regions as [$off, $len]) {
        fseek($f, $off);
        $chunks[$off] = $len ? fread($f, $len) : '';
    }
    fclose($f);
    unlink($base);
    return [$chunks, $size];
}
$seeds = [seed("$db.$pid.mmring")];

/* A worker's ring (php -S runs in worker mode): REQUEST records of five
 * finished requests, and a sixth killed while it runs. */
$www = "$dir/www";
mkdir($www);
file_put_contents("$www/a.php", '<?php $s = str_repeat("a", 3000); echo "a\n";');
file_put_contents("$www/slow.php", '<?php $k = []; for ($i = 0; $i < 50; $i++) { $k[] = str_repeat("s", 999); } touch(__DIR__ . "/slow.on"); sleep(60);');
$srv = stream_socket_server('tcp://127.0.0.1:0');
$port = (int) substr(strrchr(stream_socket_get_name($srv, false), ':'), 1);
fclose($srv);
$wdb = "$dir/w.sqlite";
$sp = proc_open([getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY, '-n', '-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$wdb",
    '-d', 'zend.mm_observe_drain_ms=3600000', '-d', 'zend.mm_observe_detail_every=0', '-S', "127.0.0.1:$port", '-t', $www],
    [1 => ['file', '/dev/null', 'w'], 2 => ['file', '/dev/null', 'w']], $spipes);
for ($t = 0; $t < 100 && !($c = @stream_socket_client("tcp://127.0.0.1:$port", $e1, $e2, 1)); $t++) { usleep(50000); }
if ($c) { fclose($c); }
for ($i = 0; $i < 5; $i++) { @file_get_contents("http://127.0.0.1:$port/a.php?i=$i"); }
$c = stream_socket_client("tcp://127.0.0.1:$port", $e1, $e2, 5);
fwrite($c, "GET /slow.php HTTP/1.0\r\nHost: x\r\n\r\n");
for ($t = 0; $t < 200 && !is_file("$www/slow.on"); $t++) { usleep(50000); }
$spid = proc_get_status($sp)['pid'];
posix_kill($spid, 9);
proc_close($sp);
fclose($c);
$seeds[] = seed("$wdb.$spid.mmring");

/* Offsets of the numeric header fields (zend_mm_observe_ring.h). */
$fields32 = [8, 12, 16, 20, 24, 28, 80, 84, 120, 124, 160, 164, 200, 204, 232, 236, 240, 244, 248, 252];
$fields64 = [32, 40, 48, 56, 64, 72, 88, 96, 104, 112, 128, 136, 144, 152, 168, 176, 208, 216, 224];
mt_srand(1201);
/* A mutant of one of the seeds (the script's ring, the worker's), in turn. */
function mutant(string $path, array $seeds, array $fields32, array $fields64): string
{
    static $n = 0;
    [$chunks, $size] = $seeds[$n++ % count($seeds)];
    $extremes = [0, 1, 15, 16, 4095, 4096, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 32, 1 << 62, PHP_INT_MAX, PHP_INT_MIN, -1, -16, $size, $size - 16, $size + 4096];
    $kind = mt_rand(0, 99);
    $h = fopen($path, 'w+b');
    ftruncate($h, $size);
    foreach ($chunks as $off => $bytes) {
        fseek($h, $off);
        fwrite($h, $bytes);
    }
    $poke = function (int $off, string $bytes) use ($h) { fseek($h, $off); fwrite($h, $bytes); };
    $flip = function (int $off) use ($h) { fseek($h, $off); $b = fread($h, 1); fseek($h, $off); fwrite($h, chr(ord($b === '' ? "\0" : $b) ^ (1 << mt_rand(0, 7)))); };
    $offs = array_keys($chunks);
    /* A token of its own: else every mutant after the first good import
     * would merge into that run's row and stop before its records. */
    $poke(208, pack('P', (mt_rand() << 31) | mt_rand() | 1));
    if ($kind < 25) {
        $what = 'header bits';
        for ($n = mt_rand(1, 8); $n > 0; $n--) { $flip(mt_rand(0, 255)); }
    } elseif ($kind < 50) {
        $what = 'header field';
        for ($n = mt_rand(1, 3); $n > 0; $n--) {
            $v = $extremes[array_rand($extremes)];
            if (mt_rand(0, 1)) { $poke($fields32[array_rand($fields32)], pack('V', $v & 0xFFFFFFFF)); }
            else { $poke($fields64[array_rand($fields64)], pack('P', $v)); }
        }
    } elseif ($kind < 62) {
        $what = 'truncation';
        $cuts = array_merge($fields32, $fields64, [0, 1, 7, 4096, 8191, 8192, $offs[2], $offs[2] + 100, $offs[3], $size - 1]);
        ftruncate($h, mt_rand(0, 1) ? $cuts[array_rand($cuts)] : mt_rand(0, $size));
    } elseif ($kind < 87) {
        $what = 'region bits';
        for ($n = mt_rand(1, 16); $n > 0; $n--) {
            $o = $offs[mt_rand(1, count($offs) - 1)];
            $len = max(1, strlen($chunks[$o]));
            $flip($o + mt_rand(0, $len - 1));
        }
    } else {
        $what = 'regions overlap or wrap';
        /* events_offset, sites_offset, strings_offset, strings_capacity, file_size, paths_offset */
        $targets = [32, 48, 56, 64, 72, 224];
        $poke($targets[array_rand($targets)], pack('P', [0, 8192, $offs[2], $offs[3], PHP_INT_MIN, -4096, $size - 8192][mt_rand(0, 6)]));
        if (mt_rand(0, 1)) { $poke(64, pack('P', ($size - $offs[3]) | PHP_INT_MIN)); }
    }
    fclose($h);
    chmod($path, 0600);
    return $what;
}

$cases = (int) (getenv('MM_FUZZ_CASES') ?: 1000);
$fdb = "$dir/f.sqlite";
$crashes = $hangs = $bad_db = $imported = $refused = 0;
$kinds = [];
/* The batch reader: what php --mm-top and php --mm-import run
 * (mm_observe_ring_read(), mm_observe_import()) over many rings in one
 * process, the number of the ring it is on in a progress file, so that a
 * crash names its ring and the batch goes on after it. */
$batch = "$dir/batch.php";
file_put_contents($batch, <<<'PHP'
<?php
[, $list, $db, $progress] = $argv;
$done = ['imported' => 0, 'refused' => 0, 'bad_db' => 0];
foreach (file($list, FILE_IGNORE_NEW_LINES) as $n => $ring) {
    file_put_contents($progress, "$n\n");
    try { mm_observe_ring_read($ring, 20); } catch (Throwable) { }
    try { mm_observe_import($ring, $db) > 0 ? $done['imported']++ : $done['refused']++; } catch (Throwable) { $done['refused']++; }
    if (file_exists($db)) {
        $h = new SQLite3($db, SQLITE3_OPEN_READONLY);
        $h->busyTimeout(10000);
        if ($h->querySingle('PRAGMA integrity_check') !== 'ok') { $done['bad_db']++; }
        $h->close();
    }
}
echo json_encode($done), "\n";
PHP);
$run_batch = function (array $rings) use ($dir, $fdb, $batch, &$crashes, &$hangs, &$bad_db, &$imported, &$refused) {
    while ($rings) {
        file_put_contents("$dir/list", implode("\n", $rings) . "\n");
        @unlink("$dir/progress");
        $r = mmo_cli_timed(['-d', 'error_reporting=0', $batch, "$dir/list", $fdb, "$dir/progress"], 120);
        if ($r['status'] === 0 && ($done = json_decode($r['out'], true))) {
            $imported += $done['imported'];
            $refused += $done['refused'];
            $bad_db += $done['bad_db'];
            return;
        }
        $at = (int) @file_get_contents("$dir/progress");
        $r['status'] === -1 ? $hangs++ : $crashes++;
        echo ($r['status'] === -1 ? 'hang' : "crash (status {$r['status']})"), " on ", basename($rings[$at]), "\n";
        @copy($rings[$at], "$dir/crash-" . basename($rings[$at]));
        $rings = array_slice($rings, $at + 1);
    }
};
$pending = [];
for ($i = 1; $i <= $cases; $i++) {
    $ring = "$dir/f.sqlite." . (100000 + $i) . ".mmring";
    $what = mutant($ring, $seeds, $fields32, $fields64);
    $kinds[$what] = ($kinds[$what] ?? 0) + 1;
    if ($i % 10 === 0) {
        /* Every tenth through the real CLI, one process each. */
        foreach ([['--mm-top', $ring, '--once'], ['--mm-import', $ring, $fdb]] as $args) {
            $r = mmo_cli_timed($args, 20);
            if ($r['status'] === -1) {
                $hangs++;
                echo "hang: $what: ", implode(' ', $args), "\n";
            } elseif ($r['status'] !== 0 && $r['status'] !== 1) {
                $crashes++;
                echo "crash (status {$r['status']}): $what: ", implode(' ', $args), ": ", $r['err'], "\n";
                copy($ring, "$dir/crash-$i.mmring");
            } elseif ($args[0] === '--mm-import') {
                $r['status'] === 0 ? $imported++ : $refused++;
            }
        }
        @unlink($ring);
    } else {
        $pending[] = $ring;
    }
    if (count($pending) >= 100 || $i === $cases) {
        $run_batch($pending);
        foreach ($pending as $f) { @unlink($f); }
        $pending = [];
    }
}
printf("import and top: %d crashes, %d hangs, %d integrity failures (%d imported, %d refused; kinds %s)\n",
    $crashes, $hangs, $bad_db, $imported, $refused, count($kinds));
echo "some imported, some refused: ", var_export($imported > 0 && $refused > 0, true), "\n";

/* The orphan scan: 300 mutants next to a database, one observed request. */
$sdb = "$dir/s.sqlite";
for ($i = 1; $i <= 300; $i++) {
    mutant("$dir/s.sqlite." . (200000 + $i) . ".mmring", $seeds, $fields32, $fields64);
}
$r = mmo_cli_timed(['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$sdb", '-r', 'echo "scanned\n";'], 120);
echo "scan: ", $r['out'], "scan exit ", $r['status'], "\n";
$h = new SQLite3($sdb, SQLITE3_OPEN_READONLY);
echo "scan database integrity: ", $h->querySingle('PRAGMA integrity_check'), "\n";
echo "the request's own run: ", $h->querySingle("SELECT status FROM mm_runs WHERE script = 'Standard input code' OR script = 'Command line code' ORDER BY run_id DESC LIMIT 1"), "\n";
$h->close();
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_rmtree(mmo_path(__FILE__, '.d'));
mmo_cleanup(__FILE__);
?>
--EXPECTF--
import and top: 0 crashes, 0 hangs, 0 integrity failures (%d imported, %d refused; kinds 5)
some imported, some refused: true
scan: scanned
scan exit 0
scan database integrity: ok
the request's own run: ok
