--TEST--
mm_observe: a realloc whose old block was the last in its chunk (ZendMM unmaps the chunk) is accounted without reading the chunk
--DESCRIPTION--
The block map finds a block's shadow through a word of its chunk's header
(zend_mm_observe_blocks.h).  A realloc may free the old block inside
ZendMM, and when it was the chunk's last block ZendMM may unmap the chunk,
so the observer must read the old block's owner before the realloc and only
clear its entry after (zend_mm_observe_blocks_peek()).  Here a packed array
of 65 536 elements (a 1 MiB large block, alone in its chunk once the
strings around it were freed) grows into a huge block: the first build of
the header word crashed on it.  The array's site must count its blocks and
the run must conserve memory.
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
$keep = [];
for ($i = 1; $i <= 270000; $i++) {
    $keep[] = str_repeat('k', 100);
    if ($i % 200000 == 0) { $keep = []; }
}
echo count($keep), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'], "exit status ", $r['status'], "\n";
$h = mmo_db($db);
foreach (mmo_rows($h, "SELECT sum(alloc_count) AS a, sum(free_count) AS f, sum(live_count) AS live, sum(realloc_count) AS re
        FROM mm_sites WHERE line = 4 AND callee IS NULL") as $row) {
    printf("the array's line: %d blocks, %d freed, %d live, %d reallocs\n", $row['a'], $row['f'], $row['live'], $row['re']);
}
foreach (mmo_rows($h, 'SELECT r.blocks_untracked, r.usage_end,
        (SELECT CASE WHEN sum(alloc_bytes) - sum(free_bytes) = sum(live_bytes) THEN sum(live_bytes) ELSE -1 END
         FROM mm_sites s WHERE s.run_id = r.run_id) AS recorded
        FROM mm_runs r') as $row) {
    printf("untracked %d, %s\n", $row['blocks_untracked'],
        $row['usage_end'] === $row['recorded'] ? 'conserved' : "MISMATCH usage {$row['usage_end']} vs recorded {$row['recorded']}");
}
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECT--
70000
exit status 0
the array's line: 33 blocks, 31 freed, 2 live, 29 reallocs
untracked 0, conserved