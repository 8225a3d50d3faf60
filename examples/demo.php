<?php
/* mm_observe demo: a small "worker" whose memory goes to a few lines.
 * Run it with:  _build/bin/php --mm-observe=demo.sqlite examples/demo.php
 * then ask the report which lines allocated what (see README.md). */

final class Job
{
    public function __construct(public int $id, public array $payload) {}
}

function make_payload(int $i): array
{
    return ['id' => $i, 'name' => "job-$i", 'tags' => array_fill(0, 8, "tag")];
}

function render(Job $job): string
{
    $out = '';
    foreach ($job->payload['tags'] as $n => $tag) {
        $out .= "<li>{$tag}-{$n}</li>";
    }
    return $out;
}

$cache = [];
$jobs = [];
for ($i = 0; $i < 2000; $i++) {
    $job = new Job($i, make_payload($i));
    $html = render($job);
    $json = json_encode($job->payload);
    $back = json_decode($json, true);
    if ($i % 10 === 0) {
        $cache[$i] = $html . str_repeat(' ', 256);   // the "leak": every 10th page is kept
    }
    $jobs[] = $job;
    if (count($jobs) > 100) {
        $jobs = [];
    }
    if ($i % 500 === 499 && function_exists('mm_observe_snapshot')) {
        mm_observe_snapshot("after " . ($i + 1) . " jobs");   // see mm_growth
    }
}
// Tree nodes that point back to their parent: reference cycles that only the
// cycle collector frees (a few GC runs, see mm_gc_runs).
for ($n = 0; $n < 30000; $n++) {
    $node = new stdClass;
    $node->parent = new stdClass;
    $node->parent->child = $node;
}
printf("rendered %d jobs, cached %d pages, %.1f KiB in use\n", $i, count($cache), memory_get_usage() / 1024);
