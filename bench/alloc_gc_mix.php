<?php
/* make bench workload (issue 15): what a typical request does to the
 * allocator and the collector, mixed.  Small arrays and objects, string
 * building, json_encode/json_decode round trips, array_map/array_filter
 * with arrow functions, and parent <-> child object cycles that only the
 * cycle collector frees (threshold-triggered runs, no explicit ones). */
final class Node
{
    public ?Node $parent = null;
    public array $children = [];
    public function __construct(public string $name, public array $attrs = []) {}
}

function tree(int $width, int $depth, string $prefix): Node
{
    $n = new Node($prefix, ['id' => $prefix, 'depth' => $depth]);
    if ($depth > 0) {
        for ($i = 0; $i < $width; $i++) {
            $c = tree($width, $depth - 1, "$prefix.$i");
            $c->parent = $n;           /* the cycle */
            $n->children[] = $c;
        }
    }
    return $n;
}

function flatten(Node $n): array
{
    $out = [['name' => $n->name, 'n' => count($n->children)] + $n->attrs];
    foreach ($n->children as $c) {
        array_push($out, ...flatten($c));
    }
    return $out;
}

$check = 0;
for ($round = 0; $round < 1000; $round++) {
    $root = tree(3, 4, "r$round");
    $rows = flatten($root);
    $rows = array_map(fn(array $r) => $r + ['label' => strtoupper($r['name']) . '#' . $r['depth']], $rows);
    $deep = array_filter($rows, fn(array $r) => $r['depth'] < 2);
    $json = json_encode(array_values($deep));
    $back = json_decode($json, true);
    $html = '';
    foreach ($back as $r) {
        $html .= '<li data-id="' . htmlspecialchars($r['id']) . '">' . $r['label'] . "</li>\n";
    }
    $parts = explode("\n", $html);
    $check += count($parts) + strlen(implode(',', array_column($back, 'name')));
    $root = null;                       /* the tree is garbage only as a cycle */
}
echo $check, ' ', gc_status()['runs'], ' ', gc_status()['collected'], "\n";
