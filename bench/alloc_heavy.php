<?php
/* make bench workload: allocation-heavy PHP, the observer's worst case.
 * Arrays, objects, string building, json round trips and reference cycles,
 * with no I/O.  Prints a checksum so every variant does the same work. */

final class Node
{
    public ?Node $parent = null;
    public array $children = [];
    public function __construct(public string $name, public array $attrs = []) {}
}

function build_tree(int $depth, int $fanout, ?Node $parent = null): Node
{
    $n = new Node("node-$depth-" . ($parent ? count($parent->children) : 0), ['depth' => $depth, 'tags' => ['a', 'b']]);
    $n->parent = $parent;                       // a reference cycle for the GC
    if ($depth > 0) {
        for ($i = 0; $i < $fanout; $i++) {
            $n->children[] = build_tree($depth - 1, $fanout, $n);
        }
    }
    return $n;
}

function render(Node $n): string
{
    $s = "<{$n->name}>";
    foreach ($n->children as $c) {
        $s .= render($c);
    }
    return $s . "</{$n->name}>";
}

$sum = 0;
for ($round = 0; $round < 40; $round++) {
    $tree = build_tree(5, 4);
    $html = render($tree);
    $sum += strlen($html);
    $rows = [];
    for ($i = 0; $i < 3000; $i++) {
        $rows[] = ['id' => $i, 'name' => str_repeat('x', $i % 50), 'vals' => range(0, $i % 20)];
    }
    $json = json_encode($rows);
    $back = json_decode($json, true);
    $sum += count($back) + strlen($json);
    $words = explode(' ', str_repeat('lorem ipsum dolor sit amet ', 2000));
    $counts = array_count_values($words);
    $sum += count($counts);
    unset($tree, $rows, $back, $words);
    $sum += gc_collect_cycles();
}
echo $sum, "\n";
