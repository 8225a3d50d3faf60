--TEST--
mm_observe (issue 16, item 11): zend.mm_observe_file_mode and _file_group let a team read what a pool user recorded; never others, and a group that cannot be set leaves the file 0600
--SKIPIF--
<?php
if (!function_exists('posix_geteuid')) die('skip posix');
if (posix_geteuid() !== 0) die('skip needs root to act as the pool user and a developer');
if (!is_executable('/usr/bin/setpriv')) die('skip setpriv (util-linux) not installed');
if (!posix_getpwnam('www-data') || !posix_getpwnam('nobody')) die('skip needs the users www-data and nobody');
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
exec('/usr/bin/setpriv --reuid=nobody --regid=nogroup --clear-groups ' . escapeshellarg($php) . ' -n -r "echo 1;" 2>&1', $o, $rc);
if ($rc !== 0 || $o !== ['1']) die('skip the php under test cannot be run by nobody (a private build directory)');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
$php = getenv('TEST_PHP_EXECUTABLE') ?: PHP_BINARY;
$www = posix_getpwnam('www-data');
$nobody = posix_getpwnam('nobody');
$dir = mmo_path(__FILE__, '.d');
mmo_rmtree($dir);
mkdir($dir);
chown($dir, $www['uid']);
chgrp($dir, $www['gid']);
chmod($dir, 0750);
$script = mmo_path(__FILE__, '.child.php');
file_put_contents($script, "<?php\n\$a = [];\nfor (\$i = 0; \$i < 100; \$i++) { \$a[] = str_repeat('z', 200); }\necho count(\$a), \"\\n\";\n");
chmod($script, 0644);

/** Runs php -n ARGS as uid:gid with the supplementary groups (none: []). */
function as_user(int $uid, int $gid, array $groups, array $args): array
{
    global $php;
    $cmd = array_merge(['/usr/bin/setpriv', "--reuid=$uid", "--regid=$gid",
        $groups ? '--groups=' . implode(',', $groups) : '--clear-groups', $php, '-n'], $args);
    $p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, '/');
    $out = stream_get_contents($pipes[1]);
    $err = stream_get_contents($pipes[2]);
    fclose($pipes[1]);
    fclose($pipes[2]);
    return ['out' => $out, 'err' => $err, 'status' => proc_close($p)];
}
function describe(string $f): string
{
    clearstatcache();
    $st = stat($f);
    $owner = posix_getpwuid($st['uid'])['name'] ?? $st['uid'];
    $group = posix_getgrgid($st['gid'])['name'] ?? $st['gid'];
    return sprintf('%s %04o %s:%s', basename($f), $st['mode'] & 07777, $owner, $group);
}
function clean(string $s): string
{
    global $dir;
    return str_replace($dir, 'DIR', $s);
}

echo "1. the pool user records with 0640 (its own group)\n";
$r = as_user($www['uid'], $www['gid'], [], ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$dir/team.sqlite",
    '-d', 'zend.mm_observe_file_mode=0640', $script]);
echo $r['out'], clean($r['err']), describe("$dir/team.sqlite"), "\n";

echo "2. a developer in the group reads it with --mm-report\n";
$r = as_user($nobody['uid'], $nobody['gid'], [$www['gid']], ['--mm-report', "$dir/team.sqlite", '--by', 'line']);
echo 'exit ', $r['status'], ', line 3 is reported: ', var_export(str_contains($r['out'], 'file_mode_group.child.php:3'), true), clean($r['err']), "\n";

echo "3. someone outside the group cannot\n";
$r = as_user($nobody['uid'], $nobody['gid'], [], ['--mm-report', "$dir/team.sqlite"]);
echo 'exit ', $r['status'], "\n";

echo "4. without the setting the database stays private, even to the group\n";
$r = as_user($www['uid'], $www['gid'], [], ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$dir/private.sqlite", $script]);
echo $r['out'], clean($r['err']), describe("$dir/private.sqlite"), "\n";
$r = as_user($nobody['uid'], $nobody['gid'], [$www['gid']], ['--mm-report', "$dir/private.sqlite"]);
echo 'group member: exit ', $r['status'], "\n";

echo "5. a group by name and 0660, set by a process allowed to (root)\n";
$r = mmo_run(__FILE__, file_get_contents($script), ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$dir/named.sqlite",
    '-d', 'zend.mm_observe_file_mode=0660', '-d', 'zend.mm_observe_file_group=www-data']);
echo $r['out'], clean($r['err']), describe("$dir/named.sqlite"), "\n";

echo "6. a group the process is not in: a warning, and the file stays 0600\n";
$own = mmo_path(__FILE__, '.own');
mmo_rmtree($own);
mkdir($own);
chown($own, $nobody['uid']);
$r = as_user($nobody['uid'], $nobody['gid'], [], ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$own/x.sqlite",
    '-d', 'zend.mm_observe_file_mode=0640', '-d', 'zend.mm_observe_file_group=' . $www['gid'], $script]);
echo $r['out'], str_replace($own, 'OWN', $r['err']), describe("$own/x.sqlite"), "\n";

echo "7. an existing database keeps its mode\n";
chmod("$dir/private.sqlite", 0600);
$r = mmo_run(__FILE__, file_get_contents($script), ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$dir/private.sqlite",
    '-d', 'zend.mm_observe_file_mode=0640']);
echo $r['out'], clean($r['err']), describe("$dir/private.sqlite"), "\n";

echo "8. bad values: one line each, and the defaults\n";
foreach ([['zend.mm_observe_file_mode', '0644'], ['zend.mm_observe_file_mode', '0666'], ['zend.mm_observe_file_mode', '640x'],
          ['zend.mm_observe_file_mode', ''], ['zend.mm_observe_file_group', 'no-such-group-mmo']] as [$k, $v]) {
    @unlink("$dir/bad.sqlite");
    $r = mmo_run(__FILE__, file_get_contents($script), ['-d', 'zend.mm_observe=1', '-d', "zend.mm_observe_output=$dir/bad.sqlite", '-d', "$k=$v"]);
    echo $r['out'], clean($r['err']), describe("$dir/bad.sqlite"), "\n";
}
mmo_rmtree($dir);
mmo_rmtree($own);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
mmo_rmtree(mmo_path(__FILE__, '.d'));
mmo_rmtree(mmo_path(__FILE__, '.own'));
?>
--EXPECTF--
1. the pool user records with 0640 (its own group)
100
team.sqlite 0640 www-data:www-data
2. a developer in the group reads it with --mm-report
exit 0, line 3 is reported: true
3. someone outside the group cannot
exit %r[1-9]\d*%r
4. without the setting the database stays private, even to the group
100
private.sqlite 0600 www-data:www-data
group member: exit %r[1-9]\d*%r
5. a group by name and 0660, set by a process allowed to (root)
100
named.sqlite 0660 root:www-data
6. a group the process is not in: a warning, and the file stays 0600
100
Warning: mm_observe: report database 'OWN/x.sqlite': cannot be given to group %d (zend.mm_observe_file_group: Operation not permitted); it stays mode 0600
x.sqlite 0600 nobody:nogroup
7. an existing database keeps its mode
100
private.sqlite 0600 www-data:www-data
8. bad values: one line each, and the defaults
100
Warning: mm_observe: zend.mm_observe_file_mode=0644 is not 0600, 0640 or 0660 (never readable by others); using 0600
bad.sqlite 0600 root:root
100
Warning: mm_observe: zend.mm_observe_file_mode=0666 is not 0600, 0640 or 0660 (never readable by others); using 0600
bad.sqlite 0600 root:root
100
Warning: mm_observe: zend.mm_observe_file_mode=640x is not 0600, 0640 or 0660 (never readable by others); using 0600
bad.sqlite 0600 root:root
100
Warning: mm_observe: zend.mm_observe_file_mode= is not 0600, 0640 or 0660 (never readable by others); using 0600
bad.sqlite 0600 root:root
100
Warning: mm_observe: zend.mm_observe_file_group=no-such-group-mmo is not a group of this system; databases keep the group of the process that creates them
bad.sqlite 0600 root:root
