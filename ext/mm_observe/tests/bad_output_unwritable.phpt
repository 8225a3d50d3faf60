--TEST--
mm_observe: bad output path: a directory we may not write to
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
if (posix_geteuid() === 0) {
    /* root may write anywhere the permissions say no; procfs still refuses. */
    $out = '/proc/self/report.sqlite';
} else {
    $dir = mmo_path(__FILE__, '.d');
    @mkdir($dir);
    chmod($dir, 0555);
    $out = "$dir/report.sqlite";
}
$r = mmo_run(__FILE__, '<?php echo "script output\n"; exit(3);', ['-d', 'zend.mm_observe=1', '-d', 'zend.mm_observe_output=' . $out]);
echo $r['out'], str_replace($out, 'PATH', $r['err']), "exit status: ", $r['status'], "\n";
var_dump(file_exists($out));
if (isset($dir)) { chmod($dir, 0755); }
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
script output
Warning: mm_observe: report database 'PATH': %r(cannot create a file in '.*'|cannot be opened|cannot be read) \(.+\)%r
exit status: 3
bool(false)
