--TEST--
mm_observe ring: php --mm-import and --mm-top refuse what is not a ring of a dead process, with an exact message, touching nothing
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$dir = mmo_path(__FILE__, '.d');
mkdir($dir);
chdir($dir);
/* A real ring, from a process that is still running. */
[$p, $pipes] = mmo_start(__FILE__, '<?php $a = str_repeat("a", 5000); echo "ready\n"; fgets(STDIN);', $db);
mmo_wait_for($pipes, 'ready');
$pid = proc_get_status($p)['pid'];
$live = "$db.$pid.mmring";
copy($live, 'copy.mmring');
file_put_contents('empty.mmring', '');
file_put_contents('text.mmring', "hello, I am a text file\n");
copy($db, 'sqlite.mmring');
file_put_contents('short.mmring', file_get_contents($live, false, null, 0, 8192));
$newer = file_get_contents($live, false, null, 0, 16);
$newer = substr_replace($newer, pack('V', 99), 12, 4);
copy($live, 'newer.mmring');
$f = fopen('newer.mmring', 'r+'); fwrite($f, $newer); fclose($f);
symlink('copy.mmring', 'link.mmring');
mkdir('dir.mmring');
/* Our own files, as a ring is (mode 0600): refused for what they hold. */
foreach (['copy', 'empty', 'text', 'sqlite', 'short', 'newer'] as $f) { chmod("$f.mmring", 0600); }
$sums = [];
foreach (glob('*.mmring') as $f) { $sums[$f] = is_file($f) ? md5_file($f) : 'dir'; }
$cases = [
    'missing' => ['--mm-import', 'missing.mmring'],
    'empty' => ['--mm-import', 'empty.mmring'],
    'text' => ['--mm-import', 'text.mmring'],
    'sqlite' => ['--mm-import', 'sqlite.mmring'],
    'short' => ['--mm-import', 'short.mmring'],
    'newer' => ['--mm-import', 'newer.mmring'],
    'symlink' => ['--mm-import', 'link.mmring'],
    'directory' => ['--mm-import', 'dir.mmring'],
    'live' => ['--mm-import', $live],
    'no args' => ['--mm-import'],
    'top: not observed' => ['--mm-top', (string) getmypid(), '--once'],
    'top: text' => ['--mm-top', 'text.mmring', '--once'],
    'top: bad option' => ['--mm-top', $live, '--bogus'],
];
foreach ($cases as $what => $args) {
    $r = mmo_cli($args, $dir);
    $msg = trim($r['err'] !== '' ? $r['err'] : $r['out']);
    $msg = str_replace([$live, (string) $pid, (string) getmypid()], ['LIVE', 'PID', 'MYPID'], $msg);
    printf("%s => %d: %s\n", $what, $r['status'], strtok($msg, "\n"));
}
$same = true;
foreach ($sums as $f => $sum) { $same = $same && file_exists($f) && (is_file($f) ? md5_file($f) : 'dir') === $sum; }
echo "every file as it was: ", var_export($same && file_exists($live), true), "\n";
fwrite($pipes[0], "\n");
proc_close($p);
echo "the live ring went with its run: ", var_export(!file_exists($live), true), "\n";
$h = mmo_db($db);
echo "runs: ", mmo_value($h, "SELECT group_concat(status) FROM mm_runs"), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
missing => 1: mm-import: 'missing.mmring' cannot be opened (No such file or directory)
empty => 1: mm-import: 'empty.mmring' is empty: not an mm_observe ring file
text => 1: mm-import: 'text.mmring' is not an mm_observe ring file (no MMOBRING magic)
sqlite => 1: mm-import: 'sqlite.mmring' is not an mm_observe ring file (no MMOBRING magic)
short => 1: mm-import: 'short.mmring' is truncated (8192 bytes of %d)
newer => 1: mm-import: 'newer.mmring' was written by a newer mm_observe (ring version 4, readable from version 99; this build reads version 4)
symlink => 1: mm-import: 'link.mmring' is a symbolic link; refusing to follow it
directory => 1: mm-import: 'dir.mmring' is a directory, not a ring file
live => 1: mm-import: 'LIVE' is locked: it belongs to a running process (pid PID; watch it with php --mm-top PID) or is being imported
no args => 1: usage: php --mm-import RING [DATABASE]
top: not observed => 1: mm-top: process MYPID has no mm_observe ring mapped (not running, not observed, or not yours)
top: text => 1: mm-top: 'text.mmring' is not an mm_observe ring file (no MMOBRING magic)
top: bad option => 1: mm-top: unknown or incomplete option '--bogus' (see php --mm-top --help)
every file as it was: true
the live ring went with its run: true
runs: ok
