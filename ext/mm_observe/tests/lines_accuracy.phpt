--TEST--
mm_observe: allocations are billed to the line and opcode that made them
--DESCRIPTION--
Concat, interpolation, array literal, new, a reference made by a closure's
use (&$x), an internal call (callee column) and the first opcode of a called
function.  The fast paths of CONCAT, ROPE_END and BIND_LEXICAL do not save the
opline in a stock build; here they must still land on their own line.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = <<<'PHP'
<?php
$a = str_repeat('a', 100);
$b = str_repeat('b', 200);
$c = $a . $b;
$d = "x{$a}y{$b}";
$e = [1, 2, $a, $b];
$o = new stdClass;
$f = function () use (&$c) { return $c; };
function first() { return new stdClass; }
$g = first();
$h = strtoupper($a);
$t = str_replace('a', 'b', $a);
echo "done\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
echo mmo_line_sites($h, 1, $r['script'], range(2, 12));
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
done
line 2: {main} DO_ICALL(str_repeat) x1
line 3: {main} DO_ICALL(str_repeat) x1
line 4: {main} CONCAT x1
line 5: {main} ROPE_END x1
line 6: {main} INIT_ARRAY x2
line 7: {main} NEW x1
line 8: {main} BIND_LEXICAL x1, {main} DECLARE_LAMBDA_FUNCTION x3
line 9: first NEW x1
line 10: 
line 11: {main} DO_ICALL(strtoupper) x1
line 12: {main} FRAMELESS_ICALL_3(str_replace) x1
