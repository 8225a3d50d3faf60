--TEST--
mm_observe: zend.mm_observe_full_shutdown=1 frees everything one by one, so live_* at heap shutdown are the true leaks; zend.mm_observe_run_tag is recorded
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
$kept = str_repeat('x', 1000);
$list = [];
for ($i = 0; $i < 100; $i++) { $list[] = new stdClass; }
function f() { static $s = []; $s[] = str_repeat('y', 100); }
f();
class Cycle { public $self; }
$c = new Cycle; $c->self = $c;
echo "ok\n";
PHP;
foreach (['0', '1'] as $full) {
    $r = mmo_observe(__FILE__, $code, $db, ['-d', "zend.mm_observe_full_shutdown=$full", '-d', "zend.mm_observe_run_tag=full-$full"]);
    echo $r['out'], $r['err'];
}
$h = mmo_db($db);
foreach (mmo_rows($h, 'SELECT r.run_tag, r.full_shutdown, r.usage_end, t.live_count, t.live_bytes FROM mm_runs r JOIN mm_run_totals t USING (run_id) ORDER BY run_id') as $row) {
    printf("%s: full_shutdown=%d usage_end == live_bytes: %s, live blocks: %s\n", $row['run_tag'], $row['full_shutdown'],
        var_export($row['usage_end'] == $row['live_bytes'], true), $row['live_count'] > 10 ? 'many' : $row['live_count']);
}
/* With full shutdown only the cycle nobody collected is left, at the line that made it. */
foreach (mmo_rows($h, "SELECT line, function, opcode, live_count FROM mm_sites WHERE run_id = 2 AND live_count > 0 AND function <> '{unobserved}'") as $row) {
    echo implode(' ', $row), "\n";
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
ok
ok
full-0: full_shutdown=0 usage_end == live_bytes: true, live blocks: many
full-1: full_shutdown=1 usage_end == live_bytes: true, live blocks: 1
8 {main} NEW 1
