<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-report's text formats                           |
   +----------------------------------------------------------------------+

   MmReportFormat writes rows that MmReport has chosen in the formats that
   need no state of the report: json, csv, collapsed (folded stacks) and
   callgrind; frames() is the stack of a site that collapsed and the HTML
   page's flame graphs share.  Part of the --mm-report program only
   (ext/mm_observe/Makefile.frag).  Names from the database go through
   MmText::text() in every line-based format; JSON escapes its own.
*/

/** The json, csv, collapsed and callgrind formats of --mm-report. */
final class MmReportFormat
{
    /**
     * Pretty JSON, UTF-8 kept as is; text that is not UTF-8 becomes U+FFFD.
     * json_encode() escapes C0 controls; DEL and C1 controls (U+0080 to
     * U+009F, which some terminals obey) are escaped here: in valid UTF-8
     * output the byte 7F and the pairs C2 80 to C2 9F can only be those,
     * inside strings.
     */
    public static function json(array $doc): string
    {
        $json = json_encode($doc, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        return preg_replace_callback('/\x7f|\xc2[\x80-\x9f]/', fn($m) => sprintf('\u%04x', ord($m[0][-1])), $json) . "\n";
    }

    public static function typed(array $rows): array
    {
        foreach ($rows as &$r) {
            foreach ($r as $k => $v) {
                if (is_string($v) && $k !== 'file' && $k !== 'function' && $k !== 'opcode' && $k !== 'callee' && is_numeric($v)) {
                    $r[$k] = $v + 0;
                }
            }
        }
        return $rows;
    }

    public static function csv(array $rows): string
    {
        $f = fopen('php://memory', 'w+');
        if ($rows) {
            fputcsv($f, array_keys($rows[0]), ',', '"', '');
        }
        foreach ($rows as $r) {
            /* Quoting keeps the lines apart; escaping keeps a terminal safe. */
            fputcsv($f, array_map(fn($v) => is_string($v) ? MmText::text($v) : $v, $r), ',', '"', '');
        }
        rewind($f);
        return stream_get_contents($f);
    }

    /** Folded stacks (flamegraph.pl, speedscope): file;function;file:line[;callee] value, of the sites' $metric. */
    public static function collapsed(array $sites, string $metric): string
    {
        $stacks = [];
        foreach ($sites as $s) {
            $v = (int) $s[$metric];
            if ($v <= 0) {
                continue;
            }
            /* One line per stack, frames split by ';': neither may occur in a frame. */
            $stack = implode(';', array_map(fn($f) => str_replace(';', ':', MmText::text($f)), self::frames($s)));
            $stacks[$stack] = ($stacks[$stack] ?? 0) + $v;
        }
        $out = '';
        foreach ($stacks as $stack => $v) {
            $out .= "$stack $v\n";
        }
        return $out;
    }

    /** Root first: file, function, the line, and the internal callee if any. */
    public static function frames(array $s): array
    {
        if ($s['kind'] === 'pseudo') {
            return [$s['function']];
        }
        $frames = [$s['file'], $s['function'], basename($s['file']) . ':' . $s['line'] . ($s['kind'] === 'compile' ? ' (compiling)' : '')];
        if ($s['callee'] !== '') {
            $frames[] = $s['callee'] . '()';
        }
        return $frames;
    }

    /**
     * Callgrind's name compression: $name('fl' or 'fn', NAME) is "(N) NAME"
     * the first time, "(N)" after; a name never ends its line early.
     */
    public static function callgrindNames(): Closure
    {
        $ids = ['fl' => [], 'fn' => []];
        return function (string $kind, string $v) use (&$ids): string {
            if (isset($ids[$kind][$v])) {
                return "({$ids[$kind][$v]})";
            }
            $ids[$kind][$v] = count($ids[$kind]) + 1;
            return "({$ids[$kind][$v]}) " . MmText::text($v);
        };
    }

    /** KCachegrind / QCacheGrind: costs per line of each PHP function, calls to internal callees. */
    public static function callgrind(array $run, array $sites): string
    {
        $events = ['alloc_bytes' => 'AllocBytes', 'alloc_count' => 'AllocCount', 'live_bytes' => 'LiveBytes', 'peak_live_bytes' => 'PeakLiveBytes'];
        $name = self::callgrindNames();
        $byFn = [];
        foreach ($sites as $s) {
            $file = $s['kind'] === 'pseudo' ? '[engine]' : $s['file'];
            $byFn[$file][$s['function']][] = $s;
        }
        $totals = array_fill_keys(array_keys($events), 0);
        $out = "# callgrind format\nversion: 1\ncreator: mm_observe (php --mm-report)\n"
            . 'cmd: ' . MmText::text($run['script']) . "\npid: {$run['pid']}\npart: 1\npositions: line\n"
            . 'events: ' . implode(' ', $events) . "\n\n";
        $body = '';
        foreach ($byFn as $file => $fns) {
            foreach ($fns as $fn => $list) {
                $body .= 'fl=' . $name('fl', $file) . "\nfn=" . $name('fn', $fn) . "\n";
                foreach ($list as $s) {
                    $costs = array_map(fn($e) => (int) $s[$e], array_keys($events));
                    foreach (array_keys($events) as $i => $e) {
                        $totals[$e] += $costs[$i];
                    }
                    $line = max(0, (int) $s['line']);
                    if ($s['callee'] !== '') {
                        /* The cost is the internal function's, called from this line. */
                        $body .= 'cfl=' . $name('fl', '[internal]') . "\ncfn=" . $name('fn', $s['callee']) . "\n"
                            . "calls=1 0\n$line " . implode(' ', $costs) . "\n";
                    } else {
                        $body .= "$line " . implode(' ', $costs) . "\n";
                    }
                }
                $body .= "\n";
            }
        }
        /* The internal callees as functions of their own, with their self cost. */
        $internal = [];
        foreach ($sites as $s) {
            if ($s['callee'] !== '') {
                foreach (array_keys($events) as $e) {
                    $internal[$s['callee']][$e] = ($internal[$s['callee']][$e] ?? 0) + (int) $s[$e];
                }
            }
        }
        foreach ($internal as $callee => $costs) {
            $body .= 'fl=' . $name('fl', '[internal]') . "\nfn=" . $name('fn', $callee) . "\n0 " . implode(' ', $costs) . "\n\n";
        }
        return $out . $body . 'summary: ' . implode(' ', $totals) . "\ntotals: " . implode(' ', $totals) . "\n";
    }

}
