--TEST--
php --mm-report (issue 16, item 8): the source under a line is its whole statement, from the line where it starts through the recorded line (at most 6 lines, common indentation removed); eval'd code shows the eval's own line in the file that ran it, nested evals too; a file that is no longer PHP does not break it
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
mmo_cleanup(__FILE__);
$code = <<<'PHP'
<?php
function pad(string $s, int $n): string { return str_pad($s, $n); }
$rows = [];
for ($i = 0; $i < 50; $i++) {
    $rows[] = pad(
        str_repeat('r', 100),
        200
    );
}
$long = sprintf('%s %s %s %s %s %s',
    'a',
    'b',
    'c',
    'd',
    'e',
    str_repeat('f', 3000)
);
eval('$e = str_repeat("e", 5000);');
eval('eval(\'$n = str_repeat("n", 7000);\');');
echo count($rows), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'];
$child = $r['script'];
$show = function (string $out) use ($child): void {
    $lines = explode("\n", $out);
    $notes = [];
    foreach ($lines as $i => $l) {
        if (preg_match('/\s(\S*report_source_statements\.child\.php(?:\(\d+\) : eval\(\)\'d code)*:\d+)$/', $l, $m)) {
            $where = str_replace($child, 'CHILD', $m[1]);
            $notes[$where] = '';
            for ($j = $i + 1; isset($lines[$j]) && preg_match('/^\s+\| (.*)$/', $lines[$j], $t); $j++) {
                $notes[$where] .= '  | ' . str_replace($child, 'CHILD', $t[1]) . "\n";
            }
        }
    }
    foreach (['CHILD:6', 'CHILD:2', 'CHILD:16', "CHILD(18) : eval()'d code:1", "CHILD(19) : eval()'d code(1) : eval()'d code:1"] as $where) {
        echo $where, "\n", $notes[$where] ?? "  (no row)\n";
    }
};
$t = mmo_report([$db, '--top', '30']);
$show($t['out']);
echo $t['err'];

/* The file is replaced by text that is not PHP: lines are still shown, one each. */
file_put_contents($child, str_repeat("not php {{{ '\n", 30));
$t = mmo_report([$db, '--top', '30']);
echo "not PHP any more:\n";
$out = explode("\n", $t['out']);
$notes = preg_grep('/^\s+\| /', $out);
echo "  source lines shown: ", var_export(count(preg_grep("/^\s+\| not php \{\{\{ '$/", $notes)) >= 5, true),
    ", all of the new text: ", var_export(!preg_grep("/^\s+\| (?!not php \{\{\{ '$|eval\(\)'d code, line)/", $notes), true), ", errors: ", var_export($t['err'], true), "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
50
CHILD:6
  | $rows[] = pad(
  |     str_repeat('r', 100),
CHILD:2
  | function pad(string $s, int $n): string { return str_pad($s, $n); }
CHILD:16
  | $long = sprintf('%s %s %s %s %s %s',
  |     'a',
  | ...
  |     'd',
  |     'e',
  |     str_repeat('f', 3000)
CHILD(18) : eval()'d code:1
  | eval()'d code, line 1, from CHILD:18
  | eval('$e = str_repeat("e", 5000);');
CHILD(19) : eval()'d code(1) : eval()'d code:1
  | eval()'d code, line 1, from CHILD:19
  | eval('eval(\'$n = str_repeat("n", 7000);\');');
not PHP any more:
  source lines shown: true, all of the new text: true, errors: ''
