<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-report --format html                            |
   +----------------------------------------------------------------------+

   MmReportHtml writes one self-contained page (no external asset; one
   short inline script, for zooming into a flame graph on click): the
   run's summary, the top rows, flame graphs (of the call paths when the
   run has them, MmReportPaths; else of the sites, MmReportFormat::frames()),
   a self / inclusive table per function (call paths), memory and GC
   timelines as inline SVG.
   Every name from the database is escaped twice over: MmText::text(),
   then htmlspecialchars().  Part of the --mm-report program only
   (ext/mm_observe/Makefile.frag).
*/

/** One self-contained HTML page: summary, top table, flame graphs, memory and GC timelines.  No external asset. */
final class MmReportHtml
{
    /** Zoom: a click on a frame widens it (and what is above it) to the whole graph; a click on the root goes back. */
    private const ZOOM_SCRIPT = <<<'JS'
document.querySelectorAll('svg.flame').forEach(function (svg) {
  var W = +svg.getAttribute('width');
  svg.addEventListener('click', function (ev) {
    var g = ev.target.closest('g.frame');
    if (!g) { return; }
    var x0 = +g.dataset.x, w0 = +g.dataset.w, d0 = +g.dataset.d;
    svg.querySelectorAll('g.frame').forEach(function (f) {
      var x = +f.dataset.x, w = +f.dataset.w, d = +f.dataset.d;
      var inside = x + w > x0 + 0.01 && x < x0 + w0 - 0.01;
      var show = inside && (d >= d0 || (x <= x0 + 0.01 && x + w >= x0 + w0 - 0.01));
      f.style.display = show ? '' : 'none';
      if (!show) { return; }
      var nx = d >= d0 ? (x - x0) / w0 * W : 0, nw = d >= d0 ? w / w0 * W : W;
      var r = f.querySelector('rect'), t = f.querySelector('text');
      r.setAttribute('x', nx.toFixed(1));
      r.setAttribute('width', Math.max(nw - 1, 0.5).toFixed(1));
      t.setAttribute('x', (nx + 3).toFixed(1));
      var name = f.dataset.name;
      t.textContent = nw > 40 ? (name.length > (nw - 6) / 7 ? name.slice(0, Math.max(0, Math.floor((nw - 6) / 7) - 1)) + '\u2026' : name) : '';
    });
  });
});
JS;

    /**
     * $sites: the run's sites (flame graphs by file, function, line and
     * callee when the run has no call paths); $paths: its call paths, or
     * null; $functions: with paths, per function its self and inclusive
     * figures (rows of file, function, self_*, incl_*), largest first.
     */
    public static function render(array $run, array $rows, array $sites, array $gc, array $samples, array $snapshots, string $by, string $sort,
        ?MmReportPaths $paths = null, array $functions = [], ?array $memoryError = null, ?array $growth = null): string
    {
        $h = fn($s) => htmlspecialchars(MmText::text($s), ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
        $title = "mm_observe run {$run['run_id']}: " . basename((string) $run['script']);
        $o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" . $h($title) . "</title>\n<style>"
            . 'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}'
            . 'table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}'
            . 'td.l,th.l{text-align:left}code{font:12px monospace;color:#555}.dl td{text-align:left}'
            . 'svg text{font:11px monospace;pointer-events:none}svg rect:hover{stroke:#000;stroke-width:1}.note{color:#777}'
            . 'pre.src{margin:2px 0 4px;font:12px monospace;color:#333;background:#f6f6f6;padding:2px 6px;white-space:pre}'
            . 'span.compile{color:#a60;font-style:italic}svg .axis{fill:#777}'
            . "</style></head><body>\n<h1>" . $h($title) . "</h1>\n<table class=\"dl\">";
        $dur = null;
        foreach ([
            'script' => $run['script'], 'sapi' => $run['sapi'] . ', PHP ' . $run['php_version'] . ', pid ' . $run['pid'],
            'status' => $run['status'] . ', exit status ' . ($run['exit_status'] ?? '-'),
            'started' => $run['started_at'] . ' (ended ' . ($run['ended_at'] ?? 'never') . ')',
            'memory' => 'peak ' . MmText::bytes($run['peak_usage']) . '; allocated ' . MmText::bytes($run['alloc_bytes'])
                . ' in ' . number_format((int) $run['alloc_count']) . ' blocks; live at the end of the script ' . MmText::bytes($run['leak_bytes'])
                . ', after shutdown ' . MmText::bytes($run['live_bytes']),
            'GC' => (int) $run['gc_runs'] . ' run(s), ' . MmText::ms((int) $run['gc_ns']) . ' total pause, ' . (int) $run['gc_collected'] . ' collected',
        ] as $k => $v) {
            $o .= '<tr><th class="l">' . $h($k) . '</th><td>' . $h($v) . '</td></tr>';
        }
        $o .= "</table>\n";
        if ($memoryError !== null) {
            $e = $memoryError;
            $b = fn(?int $v) => $v === null ? '?' : MmText::bytes($v);
            $name = fn(array $s) => $s['kind'] === 'pseudo' ? $s['function']
                : "{$s['file']}:{$s['line']} {$s['function']} {$s['opcode']}" . ($s['callee'] !== '' ? " {$s['callee']}()" : '');
            $o .= '<h2>Memory error</h2>' . "\n<p>" . $h($e['error'] === 'system'
                    ? "The system refused memory at {$e['at']}: " . $b($e['requested']) . ' requested with ' . $b($e['usage']) . ' in use (memory_limit ' . $b($e['memory_limit']) . ').'
                    : 'memory_limit of ' . $b($e['memory_limit']) . " exhausted at {$e['at']}: " . $b($e['requested']) . ' requested with ' . $b($e['usage']) . ' in use.')
                . '<br>At <code>' . $h($name($e['site'])) . "</code></p>\n"
                . '<table><tr><th>live then</th><th>blocks</th><th class="l">site</th></tr>';
            foreach ($e['top'] as $s) {
                $o .= '<tr><td>' . $b($s['live_bytes']) . '</td><td>' . ($s['live_count'] === null ? '?' : number_format($s['live_count']))
                    . '</td><td class="l"><code>' . $h($name($s)) . "</code></td></tr>\n";
            }
            $o .= "</table>\n";
        }
        $o .= "<h2>Top " . count($rows) . ' ' . $h($by) . 's by ' . $h($sort) . "</h2>\n<p class=\"note\">live: still allocated when observation stopped (after shutdown functions, destructors and teardown); at end: when the script ended (what it kept: globals, statics, caches); allocated: a realloc counts what it grew the block by.</p>\n<table><tr><th>allocated</th><th>count</th><th>reallocs</th><th>live</th><th>at end</th><th>peak live</th><th class=\"l\">" . $h($by) . '</th></tr>';
        $sources = [];
        foreach ($rows as $r) {
            $o .= '<tr><td>' . MmText::bytes($r['alloc_bytes']) . '</td><td>' . number_format((int) $r['alloc_count']) . '</td><td>'
                . number_format((int) ($r['realloc_count'] ?? 0)) . '</td><td>' . MmText::bytes($r['live_bytes']) . '</td><td>' . MmText::bytes($r['leak_bytes'] ?? 0)
                . '</td><td>' . MmText::bytes($r['peak_live_bytes']) . '</td><td class="l">' . self::where($r, $by, $h, $sources) . "</td></tr>\n";
        }
        $o .= "</table>\n";
        if ($growth !== null) {
            $o .= self::growth($growth, $by, $h);
        }
        if ($paths !== null) {
            $o .= '<p class="note">' . $h($paths->note()) . '; click a frame to zoom, the root to go back.</p>' . "\n";
            foreach (['alloc_bytes' => 'Flame graph (call paths): allocated bytes', 'leak_bytes' => 'Flame graph (call paths): bytes live at the end of the script',
                    'peak_live_bytes' => 'Flame graph (call paths): bytes live at the peak'] as $metric => $label) {
                $stacks = [];
                foreach ($paths->paths() as $p) {
                    $stacks[] = [MmReportPaths::names($paths->stack($p)), (int) $p[$metric]];
                }
                $o .= '<h2>' . $h($label) . "</h2>\n" . self::flame($stacks, $metric, $h);
            }
            $o .= '<h2>Functions: self and inclusive</h2>' . "\n" . '<p class="note">self: allocated by the function\'s own lines (exact);'
                . ' inclusive: allocated by it and everything it called (from the call paths).</p>' . "\n"
                . '<table><tr><th>self alloc</th><th>incl alloc</th><th>self live</th><th>incl live</th><th>incl peak</th><th class="l">function</th></tr>';
            foreach ($functions as $f) {
                $o .= '<tr><td>' . MmText::bytes($f['alloc_bytes']) . '</td><td>' . MmText::bytes($f['incl_alloc_bytes']) . '</td><td>'
                    . MmText::bytes($f['live_bytes']) . '</td><td>' . MmText::bytes($f['incl_live_bytes']) . '</td><td>'
                    . MmText::bytes($f['incl_peak_live_bytes']) . '</td><td class="l"><code>' . $h($f['function'] . '  (' . $f['file'] . ')') . "</code></td></tr>\n";
            }
            $o .= "</table>\n";
        } else {
            foreach (['alloc_bytes' => 'Flame graph: allocated bytes', 'leak_bytes' => 'Flame graph: bytes live at the end of the script (what it kept)',
                    'live_bytes' => 'Flame graph: bytes live after shutdown (shutdown functions, destructors and teardown done)'] as $metric => $label) {
                $stacks = [];
                foreach ($sites as $st) {
                    $stacks[] = [MmReportFormat::frames($st), (int) $st[$metric]];
                }
                $o .= '<h2>' . $h($label) . "</h2>\n" . self::flame($stacks, $metric, $h);
            }
        }
        $o .= "<h2>Memory over time</h2>\n" . self::memory($run, $gc, $samples, $snapshots, $h);
        $o .= "<h2>GC timeline</h2>\n" . self::gcTimeline($run, $gc, $h);
        return $o . "<p class=\"note\">Written by php --mm-report from " . $h(basename((string) ($run['script'] ?? ''))) . "'s run; frames: "
            . ($paths !== null ? 'the call path, root first: each function at the line of its call, the internal function it called' : 'file, function, line, internal callee')
            . ".</p>\n<script>" . self::ZOOM_SCRIPT . "</script>\n</body></html>\n";
    }

    /**
     * A row's place: file:line (with the statement's source for --by line),
     * function, callee; compile sites marked "compiling"; pseudo sites by
     * name.  HTML.
     */
    private static function where(array $r, string $by, callable $h, array &$sources): string
    {
        if ($r['kind'] === 'pseudo') {
            return '<code>' . $h($r['function']) . '</code>';
        }
        $where = $r['file'] . ($by === 'file' ? '' : ':' . $r['line'])
            . ($by === 'function' || $by === 'site' ? '  ' . $r['function'] : '') . ($by === 'site' && $r['callee'] !== '' ? ' → ' . $r['callee'] . '()' : '');
        $o = '<code>' . $h($where) . '</code>' . ($r['kind'] === 'compile' ? ' <span class="compile">compiling</span>' : '');
        if ($by === 'line' && (int) $r['line'] > 0) {
            $src = MmSource::statement((string) $r['file'], (int) $r['line'], $sources);
            if ($src) {
                $o .= '<pre class="src">' . implode("\n", array_map($h, $src)) . '</pre>';
            }
        }
        return $o;
    }

    /** What grew from the run's first snapshot to its last (the table of --growth). */
    private static function growth(array $g, string $by, callable $h): string
    {
        $o = '<h2>Growth from snapshot ' . (int) $g['a']['snapshot_id'] . ' (' . $h($g['a']['label']) . ') to snapshot ' . (int) $g['b']['snapshot_id']
            . ' (' . $h($g['b']['label']) . ")</h2>\n<p class=\"note\">Live bytes and blocks at each snapshot (mm_observe_snapshot()) and their growth,"
            . " largest first: in a worker, what keeps growing from one request to the next.</p>\n";
        if (!$g['rows']) {
            return $o . "<p class=\"note\">Nothing changed between the two snapshots.</p>\n";
        }
        $o .= '<table><tr><th>live at ' . (int) $g['a']['snapshot_id'] . '</th><th>live at ' . (int) $g['b']['snapshot_id']
            . '</th><th>growth</th><th>blocks</th><th class="l">' . $h($by) . '</th></tr>';
        $sources = [];
        foreach ($g['rows'] as $r) {
            $blocks = (int) $r['live_count_growth'];
            $o .= '<tr><td>' . MmText::bytes($r['live_bytes_a']) . '</td><td>' . MmText::bytes($r['live_bytes_b']) . '</td><td>'
                . $h(MmText::signed((int) $r['live_bytes_growth'])) . '</td><td>' . ($blocks > 0 ? '+' : '') . number_format($blocks)
                . '</td><td class="l">' . self::where($r + ['callee' => ''], $by, $h, $sources) . "</td></tr>\n";
        }
        return $o . "</table>\n";
    }

    /**
     * Axis labels of a chart: $n + 1 evenly spaced values from 0 to $max,
     * formatted by $fmt, at x (horizontal: along the bottom) or y (vertical:
     * on the left).  SVG text of class "axis".
     */
    private static function ticks(float $max, int $n, callable $fmt, callable $pos, bool $vertical, int $at): string
    {
        $o = '';
        for ($i = 0; $i <= $n; $i++) {
            $v = $max * $i / $n;
            $p = $pos($v);
            $o .= $vertical
                ? sprintf('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#eee"/><text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>',
                    $at + 2, $at + 2000, $p, $p, $at - 2, $p + 4, $fmt($v))
                : sprintf('<text class="axis" x="%.1f" y="%d" text-anchor="%s">%s</text>', $p, $at, $i === 0 ? 'start' : ($i === $n ? 'end' : 'middle'), $fmt($v));
        }
        return $o;
    }

    /**
     * An icicle-style flame graph (root on top) of $stacks ([frame names,
     * root first], value), laid out here as SVG rectangles with tooltips.
     */
    private static function flame(array $stacks, string $metric, callable $h): string
    {
        $root = ['name' => 'all', 'value' => 0, 'children' => []];
        foreach ($stacks as [$frames, $v]) {
            if ($v <= 0) {
                continue;
            }
            $node = &$root;
            $node['value'] += $v;
            foreach ($frames as $f) {
                $node['children'][$f] ??= ['name' => $f, 'value' => 0, 'children' => []];
                $node = &$node['children'][$f];
                $node['value'] += $v;
            }
            unset($node);
        }
        if ($root['value'] === 0) {
            return "<p class=\"note\">Nothing to show.</p>\n";
        }
        $width = 1200;
        $rowH = 18;
        $rects = [];
        $depth = 0;
        $walk = function (array $n, float $x, int $d) use (&$walk, &$rects, &$depth, $width, $root) {
            $w = $n['value'] / $root['value'] * $width;
            if ($w < 0.5) {
                return;
            }
            $rects[] = [$x, $d, $w, $n['name'], $n['value']];
            $depth = max($depth, $d);
            $cx = $x;
            uasort($n['children'], fn($a, $b) => $b['value'] <=> $a['value']);
            foreach ($n['children'] as $c) {
                $walk($c, $cx, $d + 1);
                $cx += $c['value'] / $root['value'] * $width;
            }
        };
        $walk($root, 0.0, 0);
        $svg = sprintf('<svg class="flame" data-metric="%s" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">',
            $metric, $width, ($depth + 1) * $rowH, $width, ($depth + 1) * $rowH);
        foreach ($rects as [$x, $d, $w, $name, $v]) {
            $hue = crc32($name) % 40 + 5;
            $label = $w > 40 ? mb_strimwidth($name, 0, (int) (($w - 6) / 7), '…') : '';
            $svg .= sprintf('<g class="frame" data-x="%.2f" data-w="%.2f" data-d="%d" data-name="%s"><title>%s — %s (%.1f%%)</title>'
                . '<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="hsl(%d,80%%,62%%)" rx="2"/>'
                . '<text x="%.1f" y="%d">%s</text></g>', $x, $w, $d, $h($name), $h($name), MmText::bytes($v), $v * 100 / $root['value'],
                $x, $d * $rowH, max($w - 1, 0.5), $rowH - 1, $hue, $x + 3, $d * $rowH + 13, $h($label));
        }
        return $svg . "</svg>\n";
    }

    /**
     * memory_get_usage() over the run: from the ring's samples (with the peak
     * as a lighter line) when it has any, else at the start, around each GC
     * pass and at the end.  Snapshots are ticks with their label as tooltip.
     */
    private static function memory(array $run, array $gc, array $samples, array $snapshots, callable $h): string
    {
        $usage = [[0, (int) $run['usage_start']]];
        $peak = [];
        if ($samples) {
            foreach ($samples as $s) {
                $usage[] = [(int) $s['t_ns'], (int) $s['usage']];
                $peak[] = [(int) $s['t_ns'], (int) $s['peak']];
            }
            $note = count($samples) . ' sample(s) of memory_get_usage() (blue) and memory_get_peak_usage() (light blue), one every'
                . ' zend.mm_observe_sample_bytes allocated, with the usage at the start, before and after each GC pass and at the end of the run.';
        } else {
            $note = 'memory_get_usage() at the start, before and after each GC pass, and at the end of the run.';
        }
        foreach ($gc as $g) {
            $usage[] = [(int) $g['started_ns'], (int) $g['mem_before']];
            $usage[] = [(int) $g['started_ns'] + (int) $g['total_ns'], (int) $g['mem_after']];
        }
        usort($usage, fn($a, $b) => $a[0] <=> $b[0]);
        $duration = $run['ended_at'] !== null ? self::ns($run['ended_at']) - self::ns($run['started_at']) : 0;
        $end = max(1, $duration, end($usage)[0], ...array_map(fn($s) => (int) $s['t_ns'], $snapshots));
        $usage[] = [$end, (int) ($run['usage_end'] ?? 0)];
        if ($peak) {
            $peak[] = [$end, (int) $run['peak_usage']];
        }
        $max = max(1, (int) $run['peak_usage'], ...array_column($usage, 1), ...array_column($peak, 1));
        /* The plot is $w x $hgt, right of the bytes axis and above the time axis. */
        [$w, $hgt, $left, $bottom] = [1130, 160, 70, 18];
        $y = fn(int|float $v) => $hgt - $v / $max * ($hgt - 10);
        $svg = sprintf('<svg class="memory" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">', $w + $left, $hgt + $bottom)
            . self::ticks($max, 4, fn($v) => MmText::bytes((int) round($v)), $y, true, $left)
            . sprintf('<g transform="translate(%d,0)">', $left)
            . self::ticks($end / 1e6, 5, fn($v) => sprintf('%.1f ms', $v), fn($v) => $v * 1e6 / $end * $w, false, $hgt + $bottom - 4)
            . sprintf('<line x1="0" x2="0" y1="0" y2="%d" stroke="#999"/><line x1="0" x2="%d" y1="%d" y2="%d" stroke="#999"/>', $hgt, $w, $hgt, $hgt);
        if ($peak) {
            $svg .= sprintf('<polyline class="peak" points="%s" fill="none" stroke="#9cd3f0" stroke-width="2"/>', self::polyline($peak, $end, $w, $y));
        }
        $svg .= sprintf('<polyline class="usage" points="%s" fill="none" stroke="#36c" stroke-width="2"/>', self::polyline($usage, $end, $w, $y));
        foreach ($snapshots as $s) {
            $x = (int) $s['t_ns'] / $end * $w;
            $svg .= sprintf('<g class="snapshot"><title>snapshot %d: %s (at %s, usage %s)</title><line x1="%.1f" x2="%.1f" y1="0" y2="%d" stroke="#777" stroke-dasharray="3"/>'
                . '<rect x="%.1f" y="0" width="6" height="%d" fill="transparent"/></g>', $s['snapshot_id'], $h($s['label']), MmText::ms((int) $s['t_ns']),
                MmText::bytes($s['usage']), $x, $x, $hgt, $x - 3, $hgt);
        }
        $peakY = $y((int) $run['peak_usage']);
        $svg .= sprintf('<line x1="0" x2="%d" y1="%.1f" y2="%.1f" stroke="#c33" stroke-dasharray="4"><title>peak %s</title></line><text x="4" y="12">peak %s</text></g></svg>',
            $w, $peakY, $peakY, MmText::bytes($run['peak_usage']), MmText::bytes($run['peak_usage']));
        $note = 'Bytes (memory_get_usage()) over time since the start of the run. ' . $note;
        if ($snapshots) {
            $note .= ' Grey ticks: the ' . count($snapshots) . ' snapshot(s) (mm_observe_snapshot()); hover for the label.';
        }
        return $svg . "\n<p class=\"note\">$note</p>\n";
    }

    /**
     * SVG points for [t_ns, bytes] pairs: within one pixel column only the
     * lowest and the highest point are kept (in time order), so a long
     * run's thousands of samples stay a small page.
     */
    private static function polyline(array $points, int $end, int $w, callable $y): string
    {
        $columns = [];
        foreach ($points as $i => [$t, $v]) {
            $c = &$columns[(int) ($t / $end * $w)];
            $c['lo'] = isset($c['lo']) && $points[$c['lo']][1] <= $v ? $c['lo'] : $i;
            $c['hi'] = isset($c['hi']) && $points[$c['hi']][1] >= $v ? $c['hi'] : $i;
            unset($c);
        }
        $out = [];
        foreach ($columns as $c) {
            foreach (array_unique([min($c), max($c)]) as $i) {
                $out[] = sprintf('%.1f,%.1f', $points[$i][0] / $end * $w, $y($points[$i][1]));
            }
        }
        return implode(' ', $out);
    }

    private static function gcTimeline(array $run, array $gc, callable $h): string
    {
        if (!$gc) {
            return "<p class=\"note\">The cycle collector did not run.</p>\n";
        }
        $phases = ['mark_ns' => '#4a90d9', 'scan_ns' => '#50b070', 'collect_ns' => '#e0a030', 'destructor_ns' => '#c05050', 'free_ns' => '#9060c0', 'compact_ns' => '#808080'];
        $end = max(1, self::ns($run['ended_at']) - self::ns($run['started_at']), ...array_map(fn($g) => (int) $g['started_ns'] + (int) $g['total_ns'], $gc));
        $maxPause = max(1, ...array_map(fn($g) => (int) $g['total_ns'], $gc));
        [$w, $hgt, $left, $bottom] = [1130, 120, 70, 18];
        $svg = sprintf('<svg class="gc" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">', $w + $left, $hgt + $bottom)
            . self::ticks($maxPause / 1e6, 2, fn($v) => sprintf('%.2f ms', $v), fn($v) => $hgt - $v * 1e6 / $maxPause * ($hgt - 4), true, $left)
            . sprintf('<g transform="translate(%d,0)">', $left)
            . self::ticks($end / 1e6, 5, fn($v) => sprintf('%.1f ms', $v), fn($v) => $v * 1e6 / $end * ($w - 6), false, $hgt + $bottom - 4)
            . sprintf('<line x1="0" x2="0" y1="0" y2="%d" stroke="#999"/><line x1="0" x2="%d" y1="%d" y2="%d" stroke="#999"/>', $hgt, $w, $hgt, $hgt);
        foreach ($gc as $g) {
            $x = (int) $g['started_ns'] / $end * ($w - 6);
            $y = $hgt;
            foreach ($phases as $p => $color) {
                $ph = (int) $g[$p] / $maxPause * ($hgt - 4);
                if ($ph <= 0) {
                    continue;
                }
                $y -= $ph;
                $svg .= sprintf('<rect class="gc-run" x="%.1f" y="%.1f" width="5" height="%.1f" fill="%s"><title>GC pass %d (%s at %s:%d): %s %s, pause %s, %d collected</title></rect>',
                    $x, $y, $ph, $color, $g['seq'], $h($g['trigger']), $h($g['file']), $g['line'], str_replace('_ns', '', $p),
                    MmText::ms((int) $g[$p]), MmText::ms((int) $g['total_ns']), $g['collected']);
            }
        }
        $legend = '';
        foreach ($phases as $p => $color) {
            $legend .= sprintf('<span style="display:inline-block;width:10px;height:10px;background:%s"></span> %s &nbsp; ', $color, str_replace('_ns', '', $p));
        }
        return $svg . "</g></svg>\n<p class=\"note\">Pause (ms) over time since the start of the run: one mark per GC pass at its start; height = pause (longest " . MmText::ms($maxPause) . "), coloured by phase: $legend</p>\n";
    }

    private static function ns(?string $iso): int
    {
        $d = $iso ? DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', $iso, new DateTimeZone('UTC')) : false;
        return $d ? (int) round((float) $d->format('U.u') * 1e9) : 0;
    }
}
