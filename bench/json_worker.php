<?php
/* make bench workload (issue 15): a long-running worker's job loop.  Each
 * job arrives as JSON, is decoded, validated, transformed and answered as
 * JSON; the worker keeps the last 200 answers and a per-customer tally
 * (bounded retention: memory levels off, the allocator keeps recycling). */
$customers = [];
for ($i = 0; $i < 50; $i++) {
    $customers[] = ['id' => $i, 'name' => "customer-$i", 'tier' => ['free', 'pro', 'enterprise'][$i % 3]];
}
function job(int $n, array $customers): string
{
    $c = $customers[$n % count($customers)];
    $lines = [];
    for ($i = 0; $i < 8 + $n % 7; $i++) {
        $lines[] = ['sku' => sprintf('SKU-%05d', ($n * 31 + $i) % 99991), 'qty' => 1 + ($n + $i) % 5,
            'price' => round(3.5 + (($n * 7 + $i * 13) % 1000) / 10, 2), 'tags' => ['a' . ($i % 4), 'b' . ($n % 3)]];
    }
    return json_encode(['id' => $n, 'customer' => $c, 'lines' => $lines, 'note' => str_repeat('x', $n % 40)]);
}

$recent = [];
$tally = [];
$sum = 0.0;
for ($n = 0; $n < 12000; $n++) {
    $in = json_decode(job($n, $customers), true, 16, JSON_THROW_ON_ERROR);
    if (!isset($in['id'], $in['customer']['id'], $in['lines'])) {
        continue;
    }
    $lines = array_map(fn(array $l) => $l + ['total' => $l['qty'] * $l['price']], $in['lines']);
    $lines = array_filter($lines, fn(array $l) => $l['total'] > 0);
    usort($lines, fn(array $a, array $b) => $b['total'] <=> $a['total']);
    $total = array_sum(array_column($lines, 'total'));
    $answer = [
        'id' => $in['id'],
        'customer' => $in['customer']['name'],
        'total' => round($total, 2),
        'top' => array_slice(array_column($lines, 'sku'), 0, 3),
        'summary' => implode(', ', array_map(fn(array $l) => "{$l['sku']}x{$l['qty']}", $lines)),
    ];
    $out = json_encode($answer);
    $recent[] = $out;
    if (count($recent) > 200) {
        array_shift($recent);
    }
    $key = $in['customer']['tier'];
    $tally[$key] = ($tally[$key] ?? 0) + 1;
    $sum += $total;
}
echo count($recent), ' ', json_encode($tally), ' ', round($sum), "\n";
