<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: a run's call paths, for php --mm-report                  |
   +----------------------------------------------------------------------+

   MmReportPaths holds the call paths of one run (schema version 6:
   mm_path_frame_names, mm_paths) and turns them into what the formats
   need: stacks (root first) for the folded stacks, pprof, callgrind and
   the HTML flame graphs; self and inclusive figures per function; the
   paths into one line (--callers); the paths themselves (--by path).

   A path's figures are estimates from sampled blocks (exact when the run
   was recorded with zend.mm_observe_path_sample_bytes=0): sampled() says
   which, and every output that shows them says so.

   The frames come from a file anyone may have written: a frame whose
   parent is missing ends its path there, and a chain that loops or runs
   past MAX_DEPTH frames is cut (truncated() counts the paths it cut).
   Part of the --mm-report program only (ext/mm_observe/Makefile.frag).
*/

final class MmReportPaths
{
    /** Frames followed from a path to its root at most (the recorder keeps at most 1024). */
    private const MAX_DEPTH = 1100;
    /** The figures of a path, as mm_paths names them. */
    public const FIGURES = ['alloc_count', 'alloc_bytes', 'live_count', 'live_bytes', 'peak_live_bytes', 'leak_count', 'leak_bytes'];

    /** @var array<int, list<array{function: string, file: string, line: int, callee: string}>> chains by frame_id, root first */
    private array $chains = [];
    private int $cut = 0;

    /**
     * @param array $frames rows of mm_path_frame_names (frame_id, parent_id, function, file, line, callee)
     * @param array $paths rows of mm_paths (frame_id, site_id, kind, file, line, function, callee, figures)
     * @param int $sampleBytes mm_runs.path_sample_bytes: 0 exact, else the mean of the sampling
     */
    public function __construct(private array $frames, private array $paths, private int $sampleBytes)
    {
        $byId = [];
        foreach ($frames as $f) {
            $byId[(int) $f['frame_id']] = $f;
        }
        $this->frames = $byId;
    }

    public function sampled(): bool
    {
        return $this->sampleBytes > 0;
    }

    /** One line saying what the paths' figures are. */
    public function note(): string
    {
        return $this->sampled()
            ? sprintf('call paths: estimates from blocks sampled every %s allocated on average (zend.mm_observe_path_sample_bytes)', MmText::bytes($this->sampleBytes))
            : 'call paths: exact (every block)';
    }

    public function truncated(): int
    {
        return $this->cut;
    }

    /** The first $n paths (they come sorted by the report's --sort figure); all of them for null. */
    public function top(?int $n): self
    {
        if ($n === null || $n >= count($this->paths)) {
            return $this;
        }
        $copy = clone $this;
        $copy->paths = array_slice($this->paths, 0, $n);
        return $copy;
    }

    /** @return list<array> the paths (mm_paths rows) */
    public function paths(): array
    {
        return $this->paths;
    }

    /** The callers of frame $id, root first: [function, file, line, callee]. */
    public function chain(int $id): array
    {
        if (isset($this->chains[$id])) {
            return $this->chains[$id];
        }
        $out = [];
        $seen = [];
        for ($at = $id; $at !== 0 && isset($this->frames[$at]); $at = (int) $this->frames[$at]['parent_id']) {
            if (isset($seen[$at]) || count($out) >= self::MAX_DEPTH) {
                $this->cut++;
                $out[] = ['function' => '{truncated}', 'file' => '', 'line' => 0, 'callee' => ''];
                break;
            }
            $seen[$at] = true;
            $f = $this->frames[$at];
            $out[] = ['function' => (string) $f['function'], 'file' => (string) $f['file'], 'line' => (int) $f['line'],
                'callee' => (string) ($f['callee'] ?? '')];
        }
        return $this->chains[$id] = array_reverse($out);
    }

    /**
     * The whole stack of path $p, root first: its callers, then its site
     * (a pseudo site is a frame of its own, named by its function).
     */
    public function stack(array $p): array
    {
        $stack = $this->chain((int) $p['frame_id']);
        $stack[] = ['function' => (string) $p['function'], 'file' => $p['kind'] === 'pseudo' ? '' : (string) $p['file'],
            'line' => (int) $p['line'], 'callee' => (string) ($p['callee'] ?? ''), 'compile' => $p['kind'] === 'compile'];
        return $stack;
    }

    /** A frame as one name: "function (file.php:12)", or the name of a pseudo frame. */
    public static function frameName(array $f, bool $withLine = true): string
    {
        if ($f['file'] === '') {
            return $f['function'];
        }
        return $withLine ? sprintf('%s (%s:%d%s)', $f['function'], basename($f['file']), $f['line'], empty($f['compile']) ? '' : ', compiling')
            : $f['function'];
    }

    /**
     * The names of a stack, root first, each frame followed by the internal
     * function it is in when there is one ("array_map()").
     */
    public static function names(array $stack, bool $withLine = true): array
    {
        $names = [];
        foreach ($stack as $f) {
            $names[] = self::frameName($f, $withLine);
            if ($f['callee'] !== '') {
                $names[] = $f['callee'] . '()';
            }
        }
        return $names;
    }

    /** Folded stacks (flamegraph.pl, speedscope) of $metric: one line per distinct stack. */
    public function collapsed(string $metric): string
    {
        $stacks = [];
        foreach ($this->paths as $p) {
            $v = (int) $p[$metric];
            if ($v <= 0) {
                continue;
            }
            $stack = implode(';', array_map(fn($n) => str_replace(';', ':', MmText::text($n)), self::names($this->stack($p))));
            $stacks[$stack] = ($stacks[$stack] ?? 0) + $v;
        }
        $out = '';
        foreach ($stacks as $stack => $v) {
            $out .= "$stack $v\n";
        }
        return $out;
    }

    /**
     * Per function (file and name), the figures of every path it is on,
     * each path counted once however often the function recurs in it:
     * ["file\0function" => figures].
     */
    public function inclusive(): array
    {
        $out = [];
        foreach ($this->paths as $p) {
            $on = [];
            foreach ($this->stack($p) as $f) {
                if ($f['file'] !== '') {
                    $on["{$f['file']}\0{$f['function']}"] = true;
                }
            }
            foreach (array_keys($on) as $key) {
                foreach (self::FIGURES as $m) {
                    $out[$key][$m] = MmText::int(($out[$key][$m] ?? 0) + (int) $p[$m]);
                }
            }
        }
        return $out;
    }

    /**
     * The paths into $file:$line (a file given by its full name or by a
     * trailing part of it, e.g. "src/Formatter.php"), one row per chain of
     * callers, with its share of the line's $metric, largest first.
     */
    public function callers(string $file, int $line, string $metric): array
    {
        $rows = [];
        $total = 0;
        foreach ($this->paths as $p) {
            if ((int) $p['line'] !== $line || $p['kind'] === 'pseudo' || !self::fileMatches((string) $p['file'], $file)) {
                continue;
            }
            $id = (int) $p['frame_id'];
            $rows[$id] ??= ['frame_id' => $id, 'file' => (string) $p['file'], 'line' => $line] + array_fill_keys(self::FIGURES, 0);
            foreach (self::FIGURES as $m) {
                $rows[$id][$m] = MmText::int($rows[$id][$m] + (int) $p[$m]);
            }
            $total = MmText::int($total + (int) $p[$metric]);
        }
        foreach ($rows as &$r) {
            $r['share'] = $total > 0 ? $r[$metric] / $total : 0.0;
            $r['callers'] = array_reverse(self::names($this->chain($r['frame_id'])));
        }
        unset($r);
        usort($rows, fn($a, $b) => [$b[$metric], $b['alloc_count']] <=> [$a[$metric], $a['alloc_count']]);
        return $rows;
    }

    private static function fileMatches(string $recorded, string $given): bool
    {
        return $recorded === $given || str_ends_with($recorded, '/' . ltrim($given, '/'));
    }

    /**
     * --by path: one row per path (callers and site), sorted by $metric;
     * `path` is its stack, innermost first.
     */
    public function rows(string $metric): array
    {
        $rows = [];
        foreach ($this->paths as $p) {
            $r = ['kind' => $p['kind'], 'file' => $p['file'], 'line' => $p['line'], 'function' => $p['function'],
                'opcode' => $p['opcode'] ?? '', 'callee' => $p['callee'] ?? '', 'samples' => (int) $p['samples']];
            foreach (self::FIGURES as $m) {
                $r[$m] = (int) $p[$m];
            }
            /* alloc_bytes counts a realloc by its growth; this, by its whole new block. */
            $r['alloc_full_bytes'] = (int) ($p['alloc_full_bytes'] ?? $p['alloc_bytes']);
            $r['path'] = array_reverse(self::names($this->stack($p)));
            $rows[] = $r;
        }
        usort($rows, fn($a, $b) => [$b[$metric], $b['alloc_count']] <=> [$a[$metric], $a['alloc_count']]);
        return $rows;
    }

    /**
     * KCachegrind / QCacheGrind: each function's own cost at its lines, and
     * at every line that calls, the call (cfn=, calls=) with the inclusive
     * cost of what it led to; internal functions that call back into PHP
     * (array_map, usort) are functions of their own between the two.
     */
    public function callgrind(array $run, array $events): string
    {
        $name = MmReportFormat::callgrindNames();
        /* fn key => ['file', 'name', 'self' => [line => costs], 'calls' => ["line\0cfile\0cfn" => costs]] */
        $fns = [];
        $totals = array_fill_keys(array_keys($events), 0);
        $add = function (array &$into, array $costs): void {
            foreach ($costs as $e => $v) {
                $into[$e] = MmText::int(($into[$e] ?? 0) + $v);
            }
        };
        foreach ($this->paths as $p) {
            $costs = [];
            foreach (array_keys($events) as $e) {
                $costs[$e] = (int) $p[$e];
            }
            $add($totals, $costs);
            /* Flatten the stack into (file, function, line) calls, internal functions included. */
            $chain = [];
            foreach ($this->stack($p) as $f) {
                $chain[] = [$f['file'] === '' ? '[engine]' : $f['file'], $f['function'], $f['line']];
                if ($f['callee'] !== '') {
                    $chain[] = ['[internal]', $f['callee'], 0];
                }
            }
            $last = count($chain) - 1;
            foreach ($chain as $i => [$file, $fn, $line]) {
                $key = "$file\0$fn";
                $fns[$key] ??= ['file' => $file, 'name' => $fn, 'self' => [], 'calls' => []];
                if ($i === $last) {
                    $fns[$key]['self'][$line] ??= [];
                    $add($fns[$key]['self'][$line], $costs);
                } else {
                    [$cfile, $cfn] = $chain[$i + 1];
                    $ckey = "$line\0$cfile\0$cfn";
                    $fns[$key]['calls'][$ckey] ??= [];
                    $add($fns[$key]['calls'][$ckey], $costs);
                }
            }
        }
        $out = "# callgrind format\nversion: 1\ncreator: mm_observe (php --mm-report)\n"
            . 'cmd: ' . MmText::text($run['script']) . "\npid: {$run['pid']}\npart: 1\npositions: line\n"
            . 'events: ' . implode(' ', $events) . "\n\n";
        $vals = fn(array $c) => implode(' ', array_map(fn($e) => $c[$e] ?? 0, array_keys($events)));
        foreach ($fns as $f) {
            $out .= 'fl=' . $name('fl', $f['file']) . "\nfn=" . $name('fn', $f['name']) . "\n";
            foreach ($f['self'] as $line => $c) {
                $out .= max(0, (int) $line) . ' ' . $vals($c) . "\n";
            }
            foreach ($f['calls'] as $ckey => $c) {
                [$line, $cfile, $cfn] = explode("\0", $ckey, 3);
                $out .= 'cfl=' . $name('fl', $cfile) . "\ncfn=" . $name('fn', $cfn) . "\ncalls=1 0\n" . max(0, (int) $line) . ' ' . $vals($c) . "\n";
            }
            $out .= "\n";
        }
        return $out . 'summary: ' . $vals($totals) . "\ntotals: " . $vals($totals) . "\n";
    }
}
