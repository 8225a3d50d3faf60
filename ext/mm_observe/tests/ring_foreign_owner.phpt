--TEST--
mm_observe ring (issue 12, bug 3): rings of another uid or with loose modes are never imported; a ring merges only into the run its token proves it owns; --mm-import never writes where a ring says
--SKIPIF--
<?php
if (!function_exists('posix_geteuid')) die('skip posix');
if (posix_geteuid() !== 0) die('skip needs root to make a file of another uid');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$elsewhere = mmo_path(__FILE__, '.d');
@mkdir($elsewhere);

/* 1. Another user's ring in the directory: skipped by the scan, refused by --mm-import. */
[$ring] = mmo_orphan(__FILE__, $db);
chown($ring, 65534);
$r = mmo_observe(__FILE__, '<?php echo "victim ran\n";', $db);
echo $r['out'], "scan stderr: '", $r['err'], "'\n";
$r = mmo_cli(['--mm-import', $ring]);
echo "import: exit ", $r['status'], ": ", str_replace($ring, 'RING', $r['out'] . $r['err']);
echo "the foreign ring is untouched: ", var_export(file_exists($ring), true), "\n";
unlink($ring);

/* 2. Our own ring, mode 0644: refused (anyone could have written it). */
[$ring] = mmo_orphan(__FILE__, $db);
chmod($ring, 0644);
$r = mmo_cli(['--mm-import', $ring]);
echo "import 0644: exit ", $r['status'], ": ", str_replace($ring, 'RING', $r['out'] . $r['err']);
chmod($ring, 0600);

/* 3. A ring that claims the pid and run id of a live run, without its token:
 *    imported as a run of its own, never merged into the live one.  (Out of
 *    the way of the live process's orphan scan, imported by name.) */
$impostor = "$elsewhere/other.sqlite.4242.mmring";
rename($ring, $impostor);
$ring = $impostor;
[$p, $pipes] = mmo_start(__FILE__, '<?php echo "live\n"; fgets(STDIN); echo "live done\n";', $db);
mmo_wait_for($pipes, 'live');
$h = mmo_db($db);
[$live_id, $live_pid] = array_values(mmo_rows($h, "SELECT run_id, pid FROM mm_runs WHERE status = 'running' ORDER BY run_id DESC LIMIT 1")[0]);
$h->close();
mmo_ring_poke($ring, 80, pack('V', $live_pid));      /* pid */
mmo_ring_poke($ring, 128, pack('P', $live_id));      /* run_id */
mmo_ring_poke($ring, 208, pack('P', 12345));         /* a token that is not the live run's */
/* The database the ring names: somewhere else. */
mmo_ring_poke($ring, 2048, "$elsewhere/planted.sqlite\0");
$r = mmo_cli(['--mm-import', $ring, $db]);
echo "import of the impostor: exit ", $r['status'], ": ", preg_replace(["/'[^']*\.mmring'/", "/'[^']*\.sqlite'/", '/run \d+/'], ["'RING'", "'DB'", 'run N'], $r['out'] . $r['err']);
fwrite($pipes[0], "\n");
echo stream_get_contents($pipes[1]);
proc_close($p);
echo "nothing written where the ring said: ", var_export(!file_exists("$elsewhere/planted.sqlite"), true), "\n";
/* 4. --mm-import without a database: the one the ring's file name belongs
 *    to, never the path written inside the ring. */
[$ring4] = mmo_orphan(__FILE__, $db);
mmo_ring_poke($ring4, 2048, "$elsewhere/planted2.sqlite\0");
$r = mmo_cli(['--mm-import', $ring4]);
echo "import by name: exit ", $r['status'], ": ", preg_replace(["/'[^']*\.mmring'/", '/run \d+/'], ["'RING'", 'run N'], str_replace($db, 'DB', $r['out'] . $r['err']));
echo "nothing written where the ring said: ", var_export(!file_exists("$elsewhere/planted2.sqlite"), true), "\n";
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT run_id = $live_id AS live, status, (SELECT count(*) FROM mm_gc_passes g WHERE g.run_id = r.run_id) AS gc FROM mm_runs r ORDER BY run_id") as $row) {
    echo $row['live'] ? 'live run' : 'other run', ": {$row['status']}, {$row['gc']} GC passes\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
victim ran
scan stderr: ''
import: exit 1: mm-import: 'RING' belongs to uid 65534, not to you (uid 0); only its owner imports it
the foreign ring is untouched: true
import 0644: exit 1: mm-import: 'RING' has mode 0644; a ring file is mode 0600 (others could have written it)
import of the impostor: exit 0: mm-import: 'RING' imported as run N of 'DB' (status 'crashed')
live done
nothing written where the ring said: true
import by name: exit 0: mm-import: 'RING' imported as run N of 'DB' (status 'crashed')
nothing written where the ring said: true
other run: running, 0 GC passes
other run: ok, 0 GC passes
other run: running, 0 GC passes
live run: ok, 0 GC passes
other run: crashed, 1 GC passes
other run: crashed, 1 GC passes
