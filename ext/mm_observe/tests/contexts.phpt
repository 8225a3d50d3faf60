--TEST--
mm_observe: attribution in every calling context
--DESCRIPTION--
call_user_func, array_map callbacks, __get/__call, __destruct (explicit,
from the GC, at shutdown), generators across yield, fibers across
suspend/resume, closures, include (run time and compile time) and eval.
Every allocation below is a str_repeat(), so each line shows exactly which
function and line executed it.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$inc = mmo_path(__FILE__, '.data');
file_put_contents($inc, "<?php\n\$included = str_repeat('i', 100);\nfunction from_include() { return str_repeat('j', 100); }\n");
$code = <<<'PHP'
<?php
class Magic {
    public function __get($n) { return str_repeat('g', 100); }
    public function __call($n, $a) { return str_repeat('c', 100); }
    public function __destruct() { $GLOBALS['kept'][] = str_repeat('d', 100); }
}
function cb($x) { return str_repeat('m', 100); }
$r1 = call_user_func('cb', 1);
$r2 = array_map(fn($x) => str_repeat('a', 100), [1, 2, 3]);
$m = new Magic;
$r3 = $m->prop;
$r4 = $m->foo();
unset($m);
function gen() { for ($i = 0; $i < 3; $i++) { yield str_repeat('y', 100); } }
foreach (gen() as $v) { $kept[] = $v; }
$f = new Fiber(function () {
    $x = str_repeat('f', 100);
    Fiber::suspend($x);
    return str_repeat('F', 100);
});
$a = $f->start();
$between = str_repeat('z', 100);
$f->resume();
class Cycle { public $self; public function __destruct() { $GLOBALS['kept'][] = str_repeat('k', 100); } }
for ($i = 0; $i < 5; $i++) { $o = new Cycle; $o->self = $o; }
unset($o);
gc_collect_cycles();
include getenv('MMO_INCLUDE');
$r5 = from_include();
eval('$e = str_repeat("e", 100);');
class AtShutdown { public function __destruct() { echo strlen(str_repeat('s', 100)), "\n"; } }
$keep_until_shutdown = new AtShutdown;
echo "done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db, ['-d', 'zend.mm_observe_path_sample_bytes=0'], ['MMO_INCLUDE' => $inc]);
echo $r['out'], $r['err'];
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT replace(replace(file, ?, 'SCRIPT'), ?, 'INCLUDED') AS f, line,
        function, opcode, coalesce(callee, '') AS callee, sum(alloc_count) AS n
        FROM mm_sites WHERE run_id = 1 AND callee = 'str_repeat' GROUP BY f, line, function, opcode, callee ORDER BY f, line",
        [$r['script'], $inc]) as $row) {
    printf("%s:%d %s %s(%s) x%d\n", $row['f'], $row['line'], str_replace($r['script'], 'SCRIPT', $row['function']), $row['opcode'], $row['callee'], $row['n']);
}
echo "compiling, billed to the file being compiled (issue 16, item 4):\n";
foreach (mmo_rows($h, "SELECT replace(replace(file, ?, 'SCRIPT'), ?, 'INCLUDED') AS f, line, function, opcode, kind FROM mm_sites
        WHERE run_id = 1 AND kind = 'compile' ORDER BY f", [$r['script'], $inc]) as $row) {
    printf("%s:%d %s %s kind=%s\n", $row['f'], $row['line'], $row['function'], $row['opcode'], $row['kind']);
}
echo "the include and eval lines are their callers:\n";
foreach (mmo_rows($h, "SELECT replace(replace(frames, ?, 'SCRIPT'), ?, 'INCLUDED') AS fr, replace(replace(file, ?, 'SCRIPT'), ?, 'INCLUDED') AS f
        FROM mm_paths WHERE run_id = 1 AND kind = 'compile' ORDER BY f",
        [$r['script'], $inc, $r['script'], $inc]) as $row) {
    printf("%s <- %s\n", $row['f'], $row['fr'] === '' ? '(no caller)' : $row['fr']);
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
done
100
INCLUDED:2 {main} DO_ICALL(str_repeat) x1
INCLUDED:3 from_include DO_ICALL(str_repeat) x1
SCRIPT:3 Magic::__get DO_ICALL(str_repeat) x1
SCRIPT:4 Magic::__call DO_ICALL(str_repeat) x1
SCRIPT:5 Magic::__destruct DO_ICALL(str_repeat) x1
SCRIPT:7 cb DO_ICALL(str_repeat) x1
SCRIPT:9 {closure:SCRIPT:9} DO_ICALL(str_repeat) x3
SCRIPT:14 gen DO_ICALL(str_repeat) x3
SCRIPT:17 {closure:SCRIPT:16} DO_ICALL(str_repeat) x1
SCRIPT:19 {closure:SCRIPT:16} DO_ICALL(str_repeat) x1
SCRIPT:22 {main} DO_ICALL(str_repeat) x1
SCRIPT:24 Cycle::__destruct DO_ICALL(str_repeat) x5
SCRIPT:31 AtShutdown::__destruct DO_ICALL(str_repeat) x1
SCRIPT(30) : eval()'d code:1 {eval} DO_ICALL(str_repeat) x1
compiling, billed to the file being compiled (issue 16, item 4):
INCLUDED:0 {main} COMPILE kind=compile
SCRIPT:0 {main} COMPILE kind=compile
SCRIPT(30) : eval()'d code:0 {main} COMPILE kind=compile
the include and eval lines are their callers:
INCLUDED <- {main} (SCRIPT:28)
SCRIPT <- (no caller)
SCRIPT(30) : eval()'d code <- {main} (SCRIPT:30)
