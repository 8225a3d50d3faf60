--TEST--
mm_observe: small, large and huge blocks, and realloc growing, shrinking, in place and moving
--DESCRIPTION--
Bytes are what memory_get_usage() counts: the bin for small blocks, whole
pages for large ones, the page-rounded mapping plus ZendMM's 24-byte list
node for huge ones (3 MiB + 32 bytes -> 3149824 + 24).
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$code = <<<'PHP'
<?php
$small = str_repeat('s', 100);
$large = str_repeat('l', 10000);
$huge = str_repeat('h', 3 * 1024 * 1024);
$grow = '';
for ($i = 0; $i < 1000; $i++) { $grow .= 'abcdefghij'; }
$json = json_encode(range(1, 2000));
$arr = [];
for ($i = 0; $i < 100; $i++) { $arr[] = $i; }
echo strlen($small), ' ', strlen($large), ' ', strlen($huge), ' ', strlen($grow), ' ', strlen($json), ' ', count($arr), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$h = mmo_db($db);
$q = "SELECT opcode, coalesce(callee, '') AS callee, alloc_count, alloc_bytes, realloc_count, live_count, live_bytes
      FROM mm_sites WHERE run_id = 1 AND file = ? AND line = ? AND kind = 'vm' ORDER BY alloc_bytes DESC LIMIT 1";
foreach ([2 => 'small', 3 => 'large', 4 => 'huge'] as $line => $what) {
    $row = mmo_rows($h, $q, [$r['script'], $line])[0];
    printf("line %d %s: %s(%s) one block of %d bytes, live\n", $line, $what, $row['opcode'], $row['callee'], $row['live_bytes']);
}
$row = mmo_rows($h, $q, [$r['script'], 6])[0];
printf("line 6 .= grows by realloc: %s, reallocs %s, one live block of %d bytes\n", $row['opcode'],
    $row['realloc_count'] > 5 ? 'many' : $row['realloc_count'], $row['live_bytes']);
$row = mmo_rows($h, $q, [$r['script'], 7])[0];
printf("line 7 json_encode grows and shrinks its buffer: %s(%s), reallocs %s, live %d blocks\n", $row['opcode'], $row['callee'],
    $row['realloc_count'] > 1 ? 'several' : $row['realloc_count'], $row['live_count']);
$row = mmo_rows($h, $q, [$r['script'], 9])[0];
printf("line 9 array growth: %s, reallocs %d\n", $row['opcode'], $row['realloc_count']);
$run = mmo_rows($h, 'SELECT usage_end FROM mm_runs WHERE run_id = 1')[0];
echo "live == usage_end: ", var_export(mmo_value($h, 'SELECT sum(live_bytes) FROM mm_sites WHERE run_id = 1') === $run['usage_end'], true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
100 10000 3145728 10000 8894 100
line 2 small: DO_ICALL(str_repeat) one block of 160 bytes, live
line 3 large: DO_ICALL(str_repeat) one block of 12288 bytes, live
line 4 huge: DO_ICALL(str_repeat) one block of 3149848 bytes, live
line 6 .= grows by realloc: ASSIGN_OP, reallocs many, one live block of 12288 bytes
line 7 json_encode grows and shrinks its buffer: DO_ICALL(json_encode), reallocs several, live 1 blocks
line 9 array growth: ASSIGN_DIM, reallocs 4
live == usage_end: true
