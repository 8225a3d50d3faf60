<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-report                                          |
   +----------------------------------------------------------------------+

   The program behind `php --mm-report FILE.sqlite [options]`: MmReport.
   It is compiled into the binary as php_mm_report_code (php_mm_report.c),
   which ext/mm_observe/Makefile.frag makes from mm_report_common.php, this
   file, the format files (mm_report_format.php, mm_report_pprof.php,
   mm_report_html.php) and mm_report_main.php, each minus its first line's
   open tag; the CLI runs it like -r code, with $argv = ['--mm-report',
   FILE, options...].  It reads the documented views only (mm_runs,
   mm_sites, mm_gc_runs; from schema version 3 mm_snapshots,
   mm_snapshot_sites, mm_samples; from version 5 mm_endpoint_windows,
   mm_endpoint_sites), with ext/sqlite3, read-only (MmReportDatabase).

   A database is another user's file as much as ours: names in it are
   escaped before any output (MmText::text()), its tables and views must be
   the ones mm_observe creates (MmReportDatabase::open()), and a row whose
   figures are not integers within +-MAX_FIGURE, or that lacks a name, is
   left out of every sum and said once on stderr: "mm-report: skipped N
   row(s) of run R that are not valid (...)".  Sums are taken with total(),
   cast back to an integer, so no row can make SQLite's sum() overflow and
   fail the whole report.

   Output goes to stdout or --output FILE; errors are one line on stderr,
   "mm-report: ...", with exit status 1.  Every format writes the same rows:
   the run's sites grouped by --by (line, site, function, file), sorted by
   --sort, the first --top of them (all of them for the export formats
   unless --top is given).  --by uri is a report of its own: every request
   of a worker (php-fpm, php -S, ...) summed per endpoint, over all runs.
*/

final class MmReport
{
    private const USAGE = <<<'TXT'
Usage: php --mm-report FILE.sqlite [options]

  --run N | --last        the run to report (default: the last run with per-site detail)
  --diff A B              compare runs A and B instead
  --snapshots             list the run's snapshots (mm_observe_snapshot() calls)
  --growth [A B]          per --by group, the growth of live bytes and blocks from
                          snapshot A to snapshot B of the run, largest first
                          (default: its first and its last snapshot)
  --by line|site|function|file    how to group sites (default: line); --by function
                          adds inclusive figures (the function and all it called)
                          when the run has call paths
  --by path               one row per call path (callers and allocating site)
  --callers FILE:LINE     the call paths into one line, with their share of it
                          (FILE: the recorded name or a trailing part of it)
  --by uri                per endpoint (method and URI) of a worker (php-fpm,
                          php -S), every request of the database: requests,
                          time, bytes allocated, peak, bytes live at the end
  --uri TEXT              with --by uri: only the URIs that contain TEXT
  --sort alloc|live|leak|peak|count    order (default: alloc): allocated bytes;
                          live: still allocated when observation stopped (after
                          shutdown functions, destructors and teardown); leak:
                          still allocated when the script ended (what it kept
                          in globals, statics, caches: column "at end"); live
                          bytes at the heap's peak; allocations.  --by uri:
                          allocated bytes, bytes live at the end per request
                          (live and leak), highest peak, allocations
  --top N                 rows to show (default: %d in the table)
  --format table|json|csv|collapsed|pprof|callgrind|html  (default: table;
                          --diff, --snapshots, --growth, --by uri: table, json or csv)
  --output FILE           write there instead of stdout
  --runs                  list the runs of the database (the last %d when there
                          are more; --top N the last N, --page P the N before them)
  --status S              with --runs: only the runs of status S (ok, crashed,
                          oom, error, running, ...)
  --match TEXT            with --runs: only the runs whose script, test,
                          request URI or command-line arguments contain TEXT
  --since T, --until T    with --runs: only the runs started at or after T,
                          before T (2026-12-01, 2026-12-01T10:30, or an age:
                          90s, 15m, 6h, 2d)
  --page P                with --runs: page P of --top N runs, newest first
  --by script             with --runs: the selected runs grouped by script (the
                          test, or a web request's method and URI): runs per
                          status, mean duration, mean and highest peak, mean
                          allocated bytes (table, json or csv)

Call paths (schema version 6): collapsed, pprof, callgrind and html show whole
call paths when the run has them; their figures are estimates from sampled
blocks unless the run was recorded with zend.mm_observe_path_sample_bytes=0.

TXT;
    private const SEE_HELP = ' (see php --mm-report --help)';
    /** SQL: a row of mm_sites' shape that is not the {unobserved} pseudo site, which no figure of the run counts. */
    private const OBSERVED = "NOT (kind = 'pseudo' AND function = '" . MM_REPORT_UNOBSERVED . "')";
    /** Rows of the HTML page's table when no --top is given. */
    private const HTML_TOP = 30;
    /**
     * A figure past 2^53 bytes (8 PiB) or events is no real one: an
     * unsigned counter of 2^63 or more stored as a negative integer, or a
     * row made by hand.  Below it a figure is exact in a double, and a sum
     * of a thousand of them is still an integer; longer sums saturate
     * (sum() in SQL, int() in PHP) rather than fail.
     */
    private const MAX_FIGURE = 9007199254740992;
    /** mm_runs figures and their lowest valid value; others become NULL, as when a run did not record them. */
    private const RUN_FIGURES = ['pid' => 0, 'peak_usage' => 0, 'usage_start' => 0, 'usage_end' => 0, 'exit_status' => -self::MAX_FIGURE,
        'site_count' => 0, 'events_lost' => 0, 'events_torn' => 0, 'flushes' => 0, 'flush_ns' => 0, 'flush_max_ns' => 0, 'alloc_bytes' => 0];
    /** Source files larger than this are not read for the table's source lines. */
    private const SORTS = ['alloc' => 'alloc_bytes', 'live' => 'live_bytes', 'leak' => 'leak_bytes', 'peak' => 'peak_live_bytes', 'count' => 'alloc_count'];
    /** What each --sort orders by, in words (the tables' titles). */
    private const SORT_WORDS = ['alloc' => 'allocated bytes', 'live' => 'live bytes', 'leak' => 'bytes live at the end of the script',
        'peak' => 'live bytes at the peak', 'count' => 'allocations'];
    /**
     * --by uri: per --sort, the endpoint figure that orders the endpoints
     * and the site figure that picks each one's top sites (summed over the
     * endpoint's requests).  live: what a request still holds at the end of
     * the script, per request, so that an endpoint that leaks is not
     * outranked by one that is merely called more often; peak: the highest
     * peak of one request, and what the sites held at the requests' peaks.
     */
    private const URI_SORTS = ['alloc' => ['alloc_bytes', 'alloc_bytes'], 'live' => ['end_live_bytes_per_request', 'leak_bytes'],
        'leak' => ['end_live_bytes_per_request', 'leak_bytes'],
        'peak' => ['peak_max', 'peak_live_bytes'], 'count' => ['alloc_count', 'alloc_count']];
    /** --by uri: the sites shown under each endpoint. */
    private const URI_TOP_SITES = 3;
    private const BYS = ['line', 'site', 'function', 'file', 'uri', 'path', 'script'];
    /**
     * SQL: the paths of run :run with their sites' names (what the mm_paths
     * view gives, less its frames as text, which needs a recursive query:
     * the callers are put together here, MmReportPaths).
     */
    private const PATH_ROWS = '(SELECT c.path_id, c.frame_id, c.site_id, s.kind, s.file, s.line, s.function, s.opcode, s.callee, c.samples,'
        . ' c.alloc_count, %s AS alloc_bytes, c.alloc_bytes AS alloc_full_bytes, c.live_count, c.live_bytes, c.peak_live_bytes, c.leak_count, c.leak_bytes'
        . ' FROM mm_path_counters c JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id WHERE c.run_id = :run)';
    /**
     * SQL: rows of mm_sites' shape whose alloc_bytes counts a realloc by
     * what it grew the block (schema version 7, mm_site_allocs; before it
     * by its whole new block, all there is), with the whole figure as
     * alloc_full_bytes.  Used wherever the report reads mm_sites' figures.
     */
    private const SITE_ROWS = '(SELECT run_id, site_id, kind, file, line, function, opcode, callee, flags,'
        . ' alloc_count, %s AS alloc_bytes, alloc_bytes AS alloc_full_bytes, realloc_count, free_count, free_bytes,'
        . ' live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes FROM %s) AS mm_sites';
    private const FORMATS = ['table', 'json', 'csv', 'collapsed', 'pprof', 'callgrind', 'html'];

    private string $path;
    private SQLite3 $db;
    private ?int $run = null;
    private ?array $diff = null;
    private string $by = 'line';
    private string $sort = 'alloc';
    private ?int $top = null;
    /** --uri: with --by uri, only the endpoints whose URI contains it. */
    private ?string $uri = null;
    private string $format = 'table';
    private ?string $output = null;
    private bool $listRuns = false;
    /** --runs filters: status, text in script/test/URI, started_at bounds (ISO text, UTC), page. */
    private ?string $runStatus = null;
    private ?string $runMatch = null;
    private ?string $runSince = null;
    private ?string $runUntil = null;
    private ?int $runPage = null;
    private bool $listSnapshots = false;
    /** --growth: [] for the run's first and last snapshot, or [A, B]. */
    private ?array $growth = null;
    /** --callers FILE:LINE: [file, line]. */
    private ?array $callers = null;
    private int $version;
    /**
     * Rows left out because they are not valid: [run => [view => count]]
     * (the endpoint tables, which belong to no run: under a name, not an
     * id); figures of mm_runs: [run => [column, ...]].
     */
    private array $skipped = [];
    private array $badFigures = [];

    public static function main(array $argv): int
    {
        /* A warning or a deprecation is a bug here or a file this program
         * does not understand: either way one line and exit status 1, like
         * any other error (an @-silenced call keeps its own handling). */
        set_error_handler(static function (int $no, string $msg, string $file, int $line): bool {
            if (!(error_reporting() & $no)) {
                return false;
            }
            throw new ErrorException($msg, 0, $no, $file, $line);
        });
        try {
            $r = new self();
            $r->parse(array_slice($argv, 1));
            $r->open();
            $out = $r->render();
            $r->notices();
            if ($r->output !== null) {
                if (@file_put_contents($r->output, $out) === false) {
                    throw new MmReportError("cannot write '{$r->output}': " . (error_get_last()['message'] ?? 'unknown error'));
                }
            } else {
                fwrite(STDOUT, $out);
            }
            return 0;
        } catch (MmReportError $e) {
            fwrite(STDERR, 'mm-report: ' . MmText::text($e->getMessage()) . "\n");
            return 1;
        } catch (Throwable $e) {
            /* Never a stack trace and exit status 255. */
            fwrite(STDERR, 'mm-report: internal error: ' . MmText::text($e->getMessage()) . "\n");
            return 1;
        }
    }

    /* ---- options and the database ------------------------------------- */

    private function parse(array $args): void
    {
        $path = null;
        for ($i = 0; $i < count($args); $i++) {
            $a = $args[$i];
            $value = function (string $name) use ($args, &$i, $a): string {
                if (str_contains($a, '=')) {
                    return substr($a, strpos($a, '=') + 1);
                }
                if (!isset($args[$i + 1])) {
                    throw new MmReportError("$name needs a value" . self::SEE_HELP);
                }
                return $args[++$i];
            };
            $name = str_contains($a, '=') ? substr($a, 0, strpos($a, '=')) : $a;
            if ($name !== $a && in_array($name, ['--last', '--runs', '--snapshots', '--diff', '--growth', '-h', '--help'], true)) {
                throw new MmReportError("$name takes no '=' value" . self::SEE_HELP);
            }
            switch ($name) {
                case '--run':
                    $this->run = self::positive($value('--run'), '--run');
                    break;
                case '--last':
                    $this->run = null;
                    break;
                case '--diff':
                    if (!isset($args[$i + 2])) {
                        throw new MmReportError("--diff needs two runs, e.g. --diff 3 7");
                    }
                    $this->diff = [self::positive($args[++$i], '--diff'), self::positive($args[++$i], '--diff')];
                    break;
                case '--by':
                    $this->by = self::choice($value('--by'), self::BYS, '--by');
                    break;
                case '--sort':
                    $this->sort = self::choice($value('--sort'), array_keys(self::SORTS), '--sort');
                    break;
                case '--top':
                    $this->top = self::positive($value('--top'), '--top');
                    break;
                case '--uri':
                    $this->uri = $value('--uri');
                    break;
                case '--format':
                    $this->format = self::choice($value('--format'), self::FORMATS, '--format');
                    break;
                case '--output':
                case '-o':
                    $this->output = $value('--output');
                    if ($this->output === '' || str_contains($this->output, "\0")) {
                        throw new MmReportError('--output: give a file name');
                    }
                    break;
                case '--runs':
                    $this->listRuns = true;
                    break;
                case '--status':
                    $this->runStatus = $value('--status');
                    if (!preg_match('/^[a-z_]{1,32}$/', $this->runStatus)) {
                        throw new MmReportError("--status: '" . MmText::text($this->runStatus) . "' is not a run status (ok, crashed, oom, error, running, ...)");
                    }
                    break;
                case '--match':
                    $this->runMatch = $value('--match');
                    if ($this->runMatch === '') {
                        throw new MmReportError('--match: give some text');
                    }
                    break;
                case '--since':
                case '--until':
                    $t = self::when($value($name), $name);
                    $name === '--since' ? $this->runSince = $t : $this->runUntil = $t;
                    break;
                case '--page':
                    $this->runPage = self::positive($value('--page'), '--page');
                    break;
                case '--callers':
                    $v = $value('--callers');
                    if (!preg_match('/^(.+):([0-9]{1,9})$/s', $v, $m) || (int) $m[2] < 1) {
                        throw new MmReportError("--callers needs FILE:LINE, e.g. --callers src/Formatter.php:42");
                    }
                    $this->callers = [$m[1], (int) $m[2]];
                    break;
                case '--snapshots':
                    $this->listSnapshots = true;
                    break;
                case '--growth':
                    $this->growth = [];
                    if (isset($args[$i + 1]) && ctype_digit($args[$i + 1])) {
                        if (!isset($args[$i + 2]) || !ctype_digit($args[$i + 2])) {
                            throw new MmReportError('--growth takes two snapshots or none, e.g. --growth 1 5');
                        }
                        $this->growth = [self::positive($args[++$i], '--growth'), self::positive($args[++$i], '--growth')];
                    }
                    break;
                case '-h':
                case '--help':
                    fwrite(STDOUT, sprintf(self::USAGE, MM_REPORT_DEFAULT_TOP, self::RUNS_DEFAULT));
                    exit(0);
                default:
                    if ($a !== '' && $a[0] === '-') {
                        throw new MmReportError("unknown option '$a'" . self::SEE_HELP);
                    }
                    if ($path !== null) {
                        throw new MmReportError("one database at a time: '$path' and '$a'");
                    }
                    $path = $a;
            }
        }
        if ($path === null) {
            throw new MmReportError('no database given' . self::SEE_HELP);
        }
        $modes = array_keys(array_filter(['--runs' => $this->listRuns, '--diff' => $this->diff !== null,
            '--snapshots' => $this->listSnapshots, '--growth' => $this->growth !== null, '--by uri' => $this->by === 'uri',
            '--by path' => $this->by === 'path', '--callers' => $this->callers !== null]));
        if (count($modes) > 1) {
            throw new MmReportError(implode(' and ', $modes) . ' are separate reports: give one');
        }
        if (in_array($modes[0] ?? null, ['--diff', '--snapshots', '--growth', '--by uri', '--by path', '--callers'], true) && !in_array($this->format, ['table', 'json', 'csv'], true)) {
            throw new MmReportError("{$modes[0]} writes table, json or csv, not {$this->format}");
        }
        foreach (['--status' => $this->runStatus, '--match' => $this->runMatch, '--since' => $this->runSince,
                '--until' => $this->runUntil, '--page' => $this->runPage] as $opt => $v) {
            if ($v !== null && !$this->listRuns) {
                throw new MmReportError("$opt selects the runs of --runs");
            }
        }
        if ($this->runPage !== null && $this->top === null) {
            throw new MmReportError('--page needs --top N (runs per page)');
        }
        if ($this->by === 'script' && !$this->listRuns) {
            throw new MmReportError('--by script groups the runs of --runs: give --runs');
        }
        if ($this->listRuns && !in_array($this->by, ['line', 'script'], true)) {
            throw new MmReportError("--runs lists runs, or groups them with --by script; not --by {$this->by}");
        }
        if ($this->uri !== null && $this->by !== 'uri') {
            throw new MmReportError('--uri selects the endpoints of --by uri');
        }
        /* Not silently ignored: the report would look like the run's. */
        if ($this->by === 'uri' && $this->run !== null) {
            throw new MmReportError('--by uri sums the requests of every run: give no --run');
        }
        $this->path = $path;
    }

    /**
     * --since/--until: an ISO date (2026-12-01, 2026-12-01T10:30,
     * 2026-12-01T10:30:15, optionally ending in Z; UTC, as started_at is
     * stored) or an age (90s, 15m, 6h, 2d before now), as started_at text.
     */
    private static function when(string $v, string $opt): string
    {
        if (preg_match('/^([0-9]{1,6})([smhd])$/', $v, $m)) {
            $secs = (int) $m[1] * ['s' => 1, 'm' => 60, 'h' => 3600, 'd' => 86400][$m[2]];
            return gmdate('Y-m-d\TH:i:s', time() - $secs) . '.000Z';
        }
        if (preg_match('/^([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[T ]([0-9]{2}:[0-9]{2})(:[0-9]{2})?)?Z?$/', $v, $m)
                && checkdate((int) substr($m[1], 5, 2), (int) substr($m[1], 8, 2), (int) substr($m[1], 0, 4))) {
            return $m[1] . 'T' . ($m[2] ?? '00:00') . (isset($m[3]) && $m[3] !== '' ? $m[3] : ':00') . '.000Z';
        }
        throw new MmReportError("$opt: '" . MmText::text($v) . "' is neither a date (2026-12-01, 2026-12-01T10:30) nor an age (90s, 15m, 6h, 2d)");
    }

    private static function positive(string $v, string $opt): int
    {
        /* 18 digits: never past PHP_INT_MAX, where (int) would saturate. */
        if (!ctype_digit($v) || strlen($v) > 18 || (int) $v < 1) {
            throw new MmReportError("$opt: '$v' is not a positive integer");
        }
        return (int) $v;
    }

    private static function choice(string $v, array $allowed, string $opt): string
    {
        if (!in_array($v, $allowed, true)) {
            throw new MmReportError("$opt: '$v' is not one of " . implode(', ', $allowed));
        }
        return $v;
    }

    private function open(): void
    {
        [$this->db, $this->version] = MmReportDatabase::open($this->path);
    }

    private function rows(string $sql, array $params = []): array
    {
        try {
            $st = $this->db->prepare($sql);
            foreach ($params as $k => $v) {
                $st->bindValue($k, $v, is_int($v) ? SQLITE3_INTEGER : SQLITE3_TEXT);
            }
            $res = $st->execute();
            $rows = [];
            while ($row = $res->fetchArray(SQLITE3_ASSOC)) {
                $rows[] = $row;
            }
            return $rows;
        } catch (Exception $e) {
            throw new MmReportError("'{$this->path}': " . $e->getMessage());
        }
    }

    /** SQL: each of $cols holds an integer from $lo to MAX_FIGURE. */
    private static function ints(array $cols, int $lo = 0): string
    {
        return implode(' AND ', array_map(fn($c) => "typeof($c) = 'integer' AND $c BETWEEN $lo AND " . self::MAX_FIGURE, $cols));
    }

    /**
     * SQL: a row of $view (columns prefixed with $p) this program can use.
     * Never NULL, so NOT (...) counts the others.  Live figures may be
     * negative (a block freed here but billed to another site); counts of
     * allocations and frees may not.
     */
    private static function valid(string $view, string $p = ''): string
    {
        $p = $p === '' ? '' : "$p.";
        $names = fn(array $cols, array $optional = []) => implode(' AND ', array_merge(
            array_map(fn($c) => "typeof($p$c) = 'text'", $cols),
            array_map(fn($c) => "($p$c IS NULL OR typeof($p$c) = 'text')", $optional)));
        return '(' . match ($view) {
            'mm_sites' => self::ints(["{$p}alloc_count", "{$p}alloc_bytes", "{$p}free_count", "{$p}free_bytes"]) . ' AND '
                . self::ints(["{$p}live_count", "{$p}live_bytes", "{$p}peak_live_bytes", "{$p}leak_bytes"], -self::MAX_FIGURE)
                . " AND typeof({$p}line) = 'integer' AND " . $names(['kind', 'file', 'function'], ['opcode', 'callee'])
                . " AND {$p}kind IN ('vm', 'compile', 'pseudo')",
            'mm_snapshot_sites' => self::ints(["{$p}snapshot_id", "{$p}alloc_bytes"]) . ' AND '
                . self::ints(["{$p}live_count", "{$p}live_bytes"], -self::MAX_FIGURE),
            'mm_gc_runs' => self::ints(array_map(fn($c) => "$p$c", ['seq', 'started_ns', 'total_ns', 'mark_ns', 'scan_ns', 'collect_ns',
                'destructor_ns', 'free_ns', 'compact_ns', 'mem_before', 'mem_after', 'collected']))
                . " AND typeof({$p}line) = 'integer' AND " . $names(['trigger', 'file', 'function']),
            'mm_snapshots' => self::ints(["{$p}snapshot_id", "{$p}t_ns", "{$p}usage"]) . ' AND ' . $names(['label']),
            'mm_paths' => self::ints(array_map(fn($c) => "$p$c", ['frame_id', 'samples', 'alloc_count', 'alloc_bytes', 'live_count', 'live_bytes',
                'peak_live_bytes', 'leak_count', 'leak_bytes'])) . " AND typeof({$p}line) = 'integer' AND "
                . $names(['kind', 'file', 'function'], ['opcode', 'callee']) . " AND {$p}kind IN ('vm', 'compile', 'pseudo')",
            'mm_path_frame_names' => self::ints(["{$p}frame_id", "{$p}parent_id", "{$p}line"]) . ' AND ' . $names(['function', 'file'], ['callee']),
            'mm_samples' => self::ints(["{$p}t_ns", "{$p}usage", "{$p}peak"]),
            /* A window has a row because a request of the endpoint ended in it. */
            'mm_endpoint_windows' => self::ints(["{$p}requests"], 1) . ' AND ' . self::ints(array_map(fn($c) => "$p$c", ['window_start',
                'errors', 'ooms', 'detailed', 'duration_ns', 'duration_max_ns', 'alloc_count', 'alloc_bytes', 'peak_sum', 'peak_max',
                'gc_passes', 'gc_ns'])) . ' AND ' . self::ints(["{$p}end_live_bytes"], -self::MAX_FIGURE) . ' AND ' . $names(['method', 'uri']),
            'mm_endpoint_sites' => self::ints(["{$p}requests", "{$p}alloc_count", "{$p}alloc_bytes"]) . ' AND '
                . self::ints(["{$p}leak_bytes", "{$p}peak_live_bytes"], -self::MAX_FIGURE)
                . " AND typeof({$p}line) = 'integer' AND " . $names(['method', 'uri', 'kind', 'file', 'function'], ['callee'])
                . " AND {$p}kind IN ('vm', 'compile', 'pseudo')",
        } . ')';
    }

    /** Counts, once per run and view, the rows of $view that valid() leaves out ($run null: of every run). */
    private function countInvalid(string $view, ?int $run = null): void
    {
        $where = $run === null ? '' : 'run_id = :run AND ';
        $from = $view === 'mm_sites' ? $this->siteRows() : $view;
        foreach ($this->rows("SELECT run_id, count(*) AS n FROM $from WHERE $where NOT " . self::valid($view) . ' GROUP BY run_id',
                $run === null ? [] : [':run' => $run]) as $r) {
            $this->skipped[MmText::text($r['run_id'])][$view] = $r['n'];
        }
    }

    /** SITE_ROWS for this database's schema version. */
    private function siteRows(): string
    {
        return $this->version >= MmReportDatabase::SCHEMA_REALLOC
            ? sprintf(self::SITE_ROWS, 'alloc_net_bytes', 'mm_site_allocs') : sprintf(self::SITE_ROWS, 'alloc_bytes', 'mm_sites');
    }

    /** PATH_ROWS for this database's schema version (a path's realloc figures are estimates: never below 0). */
    private function pathRows(): string
    {
        return sprintf(self::PATH_ROWS, $this->version >= MmReportDatabase::SCHEMA_REALLOC
            ? 'max(c.alloc_bytes - coalesce(c.realloc_bytes, 0) + coalesce(c.realloc_growth_bytes, 0), 0)' : 'c.alloc_bytes');
    }

    /** mm_runs figures that are not integers in range become NULL (as when the run did not record them), named once. */
    private function cleanRun(array $r): array
    {
        foreach (self::RUN_FIGURES as $col => $lo) {
            $v = $r[$col] ?? null;
            if ($v !== null && !(is_int($v) && $v >= $lo && $v <= self::MAX_FIGURE)) {
                $this->badFigures[MmText::text($r['run_id'])][$col] = $col;
                $r[$col] = null;
            }
        }
        return $r;
    }

    /** One line on stderr per run with rows or figures left out. */
    private function notices(): void
    {
        ksort($this->skipped);
        foreach ($this->skipped as $run => $views) {
            $parts = [];
            foreach ($views as $view => $n) {
                $parts[] = "$view: $n";
            }
            fprintf(STDERR, "mm-report: skipped %d row(s) of %s that are not valid (%s; figures must be integers within +-2^53, names text)\n",
                array_sum($views), is_int($run) ? "run $run" : $run, implode(', ', $parts));
        }
        foreach ($this->badFigures as $run => $cols) {
            fprintf(STDERR, "mm-report: left out figures of run %s that are not valid (mm_runs: %s)\n", $run, implode(', ', $cols));
        }
    }

    /** SQL: the sum of a figure over valid rows, as an integer (total() never overflows; the cast saturates). */
    private static function sum(string $expr): string
    {
        return "CAST(total($expr) AS INTEGER)";
    }

    /**
     * The run's memory error (memory_limit exhausted, or the system
     * refusing memory), as recorded before the engine bailed out: the
     * failing site, what it asked for, the limit, the usage, and the sites
     * holding the most live bytes at that moment.  Null when it had none.
     */
    private function memoryError(int $id): ?array
    {
        $e = $this->rows('SELECT o.kind AS error, o.requested, o.memory_limit, o.usage, o.at, s.kind, s.file, s.line, s.function, s.opcode, s.callee'
            . ' FROM mm_oom_events o JOIN mm_sites s ON s.run_id = o.run_id AND s.site_id = o.site_id WHERE o.run_id = :id', [':id' => $id]);
        if (!$e) {
            return null;
        }
        $num = fn($v) => is_int($v) && $v >= 0 && $v <= self::MAX_FIGURE ? $v : null;
        $site = fn(array $r) => ['kind' => (string) $r['kind'], 'file' => (string) $r['file'], 'line' => (int) $r['line'],
            'function' => (string) $r['function'], 'opcode' => (string) ($r['opcode'] ?? ''), 'callee' => (string) ($r['callee'] ?? '')];
        $top = [];
        foreach ($this->rows('SELECT t.rank, t.live_bytes, t.live_count, s.kind, s.file, s.line, s.function, s.opcode, s.callee'
                . ' FROM mm_oom_top t JOIN mm_sites s ON s.run_id = t.run_id AND s.site_id = t.site_id WHERE t.run_id = :id ORDER BY t.rank', [':id' => $id]) as $r) {
            $top[] = $site($r) + ['live_bytes' => $num($r['live_bytes']), 'live_count' => $num($r['live_count'])];
        }
        return ['error' => $e[0]['error'] === 'system' ? 'system' : 'memory_limit', 'requested' => $num($e[0]['requested']),
            'memory_limit' => $num($e[0]['memory_limit']), 'usage' => $num($e[0]['usage']), 'at' => (string) $e[0]['at'],
            'site' => $site($e[0]), 'top' => $top];
    }

    /** A site named in one line: file:line function opcode callee(), or the pseudo site's name. */
    private static function siteName(array $s): string
    {
        return $s['kind'] === 'pseudo' ? MmText::text($s['function'])
            : MmText::text("{$s['file']}:{$s['line']} {$s['function']} {$s['opcode']}") . ($s['callee'] !== '' ? ' ' . MmText::text($s['callee']) . '()' : '');
    }

    /** The table's lines for a memory error (summary()). */
    private function memoryErrorLines(array $e): string
    {
        $b = fn(?int $v) => $v === null ? '?' : MmText::bytes($v);
        $out = $e['error'] === 'system'
            ? sprintf("  error     the system refused memory at %s: %s requested with %s in use (memory_limit %s)\n", MmText::text($e['at']),
                $b($e['requested']), $b($e['usage']), $b($e['memory_limit']))
            : sprintf("  error     memory_limit of %s exhausted at %s: %s requested with %s in use\n", $b($e['memory_limit']), MmText::text($e['at']),
                $b($e['requested']), $b($e['usage']));
        $out .= '            at ' . self::siteName($e['site']) . "\n";
        $sources = [];
        if ($e['site']['kind'] !== 'pseudo') {
            foreach (MmSource::statement($e['site']['file'], (int) $e['site']['line'], $sources) as $text) {
                $out .= '            | ' . MmText::text($text) . "\n";
            }
        }
        foreach ($e['top'] as $i => $s) {
            $out .= sprintf("  %s %10s  %s\n", $i === 0 ? 'live then' : '         ', $b($s['live_bytes']), self::siteName($s));
        }
        return $out;
    }

    private function runInfo(?int $id): array
    {
        $ids = $this->rows('SELECT min(run_id) AS lo, max(run_id) AS hi, count(*) AS n FROM mm_runs')[0];
        if ((int) $ids['n'] === 0) {
            throw new MmReportError("'{$this->path}' has no runs");
        }
        /* The last run with per-site detail: in a worker's database most
         * runs are summary rows (mm_runs.detail NULL, schema 5). */
        $id ??= $this->version >= MmReportDatabase::SCHEMA_WORKER
            ? (int) ($this->rows("SELECT max(run_id) AS id FROM mm_runs WHERE detail IS NOT NULL AND detail <> 'rolled_up'")[0]['id'] ?? $ids['hi'])
            : (int) $ids['hi'];
        /* Schema version 2 has neither snapshots nor samples (nor the ring's mm_runs columns). */
        $ring = $this->version >= MmReportDatabase::SCHEMA_RING ? ', (SELECT count(*) FROM mm_snapshots n WHERE n.run_id = r.run_id AND ' . self::valid('mm_snapshots', 'n') . ') AS snapshots,'
            . ' (SELECT count(*) FROM mm_samples m WHERE m.run_id = r.run_id AND ' . self::valid('mm_samples', 'm') . ') AS samples' : '';
        /* mm_run_totals' figures, over valid rows. */
        $r = $this->rows('SELECT r.*, t.alloc_count, t.alloc_bytes, t.alloc_full_bytes, t.realloc_count, t.free_bytes, t.live_count, t.live_bytes, t.leak_bytes,'
            . " g.gc_runs, g.gc_collected, g.gc_ns, g.gc_max_ns$ring FROM mm_runs r,"
            . ' (SELECT ' . self::sum('alloc_count') . ' AS alloc_count, ' . self::sum('alloc_bytes') . ' AS alloc_bytes, '
            . self::sum('alloc_full_bytes') . ' AS alloc_full_bytes, ' . self::sum('realloc_count') . ' AS realloc_count, '
            . self::sum('free_bytes') . ' AS free_bytes, ' . self::sum('live_count') . ' AS live_count, '
            . self::sum('live_bytes') . ' AS live_bytes, ' . self::sum('leak_bytes') . ' AS leak_bytes'
            . "  FROM {$this->siteRows()} WHERE run_id = :id AND " . self::OBSERVED . " AND " . self::valid('mm_sites') . ') t,'
            . ' (SELECT count(*) AS gc_runs, ' . self::sum('collected') . ' AS gc_collected, ' . self::sum('total_ns') . ' AS gc_ns,'
            . '  max(total_ns) AS gc_max_ns FROM mm_gc_runs WHERE run_id = :id AND ' . self::valid('mm_gc_runs') . ') g'
            . ' WHERE r.run_id = :id', [':id' => $id]);
        if (!$r) {
            throw new MmReportError("'{$this->path}' has no run $id (it has {$ids['n']} run(s), ids {$ids['lo']} to {$ids['hi']})");
        }
        foreach ($this->version >= MmReportDatabase::SCHEMA_RING ? ['mm_sites', 'mm_gc_runs', 'mm_snapshots', 'mm_samples'] : ['mm_sites', 'mm_gc_runs'] as $view) {
            $this->countInvalid($view, $id);
        }
        return $this->cleanRun($r[0]);
    }

    /** GROUP BY terms and the columns naming a group, for --by, over rows of mm_sites' shape. */
    private function groupSql(): array
    {
        /* Pseudo sites ({startup}, {engine}, ...) have no file: they stay apart by name. */
        $pseudo = "CASE kind WHEN 'pseudo' THEN function ELSE '' END";
        return match ($this->by) {
            'line' => ["file, line, $pseudo, kind = 'compile'", "file, line, $pseudo AS function, '' AS opcode, '' AS callee"],
            'site' => ['site_id', "file, line, function, coalesce(opcode, '') AS opcode, coalesce(callee, '') AS callee"],
            'function' => ['file, function', "file, min(line) AS line, function, '' AS opcode, '' AS callee"],
            'file' => ["file, $pseudo", "file, 0 AS line, $pseudo AS function, '' AS opcode, '' AS callee"],
        };
    }

    /** The run's sites grouped by --by, sorted by --sort. */
    private function grouped(int $run): array
    {
        [$key, $cols] = $this->groupSql();
        $order = self::SORTS[$this->sort];
        $sums = implode(', ', array_map(fn($m) => self::sum($m) . " AS $m",
            ['alloc_count', 'alloc_bytes', 'alloc_full_bytes', 'realloc_count', 'free_count', 'free_bytes', 'live_count', 'live_bytes',
                'peak_live_bytes', 'leak_bytes']));
        return $this->rows("SELECT $cols, kind, $sums"
            . " FROM {$this->siteRows()} WHERE run_id = :run AND " . self::OBSERVED . " AND " . self::valid('mm_sites')
            . " GROUP BY $key HAVING total(alloc_count) > 0 OR total(live_bytes) <> 0"
            . " ORDER BY $order DESC, alloc_count DESC, file, line", [':run' => $run]);
    }

    /** The run's snapshots, oldest first (none before schema version 3). */
    private function snapshots(int $run): array
    {
        return $this->version < MmReportDatabase::SCHEMA_RING ? [] : $this->rows('SELECT snapshot_id, label, t_ns, usage FROM mm_snapshots'
            . ' WHERE run_id = :run AND ' . self::valid('mm_snapshots') . ' ORDER BY snapshot_id', [':run' => $run]);
    }

    /**
     * Per --by group, live bytes and blocks at snapshots $a and $b (a site
     * missing from a snapshot had none then), the groups that changed,
     * largest growth of live bytes first.
     */
    private function growthRows(int $run, int $a, int $b): array
    {
        [$key, $cols] = $this->groupSql();
        $this->countInvalid('mm_snapshot_sites', $run);
        $at = fn(string $m, string $snap) => self::sum("CASE snapshot_id WHEN $snap THEN $m ELSE 0 END");
        $delta = fn(string $m) => self::sum("CASE snapshot_id WHEN :b THEN $m ELSE -$m END");
        return $this->rows("SELECT $cols, kind, {$at('live_bytes', ':a')} AS live_bytes_a, {$at('live_bytes', ':b')} AS live_bytes_b,"
            . " {$delta('live_bytes')} AS live_bytes_growth, {$at('live_count', ':a')} AS live_count_a, {$at('live_count', ':b')} AS live_count_b,"
            . " {$delta('live_count')} AS live_count_growth, {$delta('alloc_bytes')} AS alloc_bytes_growth"
            . ' FROM (SELECT c.snapshot_id, c.site_id, s.kind, c.file, c.line, c.function, c.opcode, c.callee, c.live_bytes, c.live_count, c.alloc_bytes'
            . '  FROM mm_snapshot_sites c JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id'
            . '  WHERE c.run_id = :run AND c.snapshot_id IN (:a, :b) AND ' . self::valid('mm_snapshot_sites', 'c') . ' AND ' . self::valid('mm_sites', 's') . ')'
            . ' WHERE ' . self::OBSERVED
            . " GROUP BY $key HAVING live_bytes_growth <> 0 OR live_count_growth <> 0"
            . ' ORDER BY live_bytes_growth DESC, live_count_growth DESC, file, line', [':run' => $run, ':a' => $a, ':b' => $b]);
    }

    /** Per site (the finest grain), for the stack formats. */
    private function sites(int $run): array
    {
        $order = self::SORTS[$this->sort];
        return $this->rows("SELECT site_id, kind, file, line, function, coalesce(opcode, '') AS opcode,"
            . " coalesce(callee, '') AS callee, alloc_count, alloc_bytes, realloc_count, live_count, live_bytes, peak_live_bytes, leak_bytes"
            . " FROM {$this->siteRows()} WHERE run_id = :run AND " . self::OBSERVED . " AND " . self::valid('mm_sites')
            . " AND (alloc_count > 0 OR live_bytes <> 0) ORDER BY $order DESC, site_id", [':run' => $run]);
    }

    /**
     * The run's call paths (schema version 6), or null when it has none
     * (recorded without them, imported after a crash, an older schema).
     * With --top, the first N paths by --sort.
     */
    private function paths(array $run): ?MmReportPaths
    {
        $sample = $run['path_sample_bytes'] ?? null;
        if ($this->version < MmReportDatabase::SCHEMA_PATHS || !is_int($sample) || $sample < 0) {
            return null;
        }
        $id = (int) $run['run_id'];
        foreach ($this->rows('SELECT count(*) AS n FROM ' . $this->pathRows() . ' WHERE NOT ' . self::valid('mm_paths'), [':run' => $id]) as $r) {
            if ($r['n'] > 0) {
                $this->skipped[$id]['mm_path_counters'] = $r['n'];
            }
        }
        $this->countInvalid('mm_path_frame_names', $id);
        $order = self::SORTS[$this->sort];
        $paths = $this->rows("SELECT path_id, frame_id, site_id, kind, file, line, function, coalesce(opcode, '') AS opcode, coalesce(callee, '') AS callee,"
            . ' samples, alloc_count, alloc_bytes, alloc_full_bytes, live_count, live_bytes, peak_live_bytes, leak_count, leak_bytes FROM ' . $this->pathRows()
            . ' WHERE ' . self::valid('mm_paths') . " ORDER BY $order DESC, path_id", [':run' => $id]);
        if (!$paths) {
            return null;
        }
        $frames = $this->rows('SELECT frame_id, parent_id, function, file, line, callee FROM mm_path_frame_names'
            . ' WHERE run_id = :run AND ' . self::valid('mm_path_frame_names'), [':run' => $id]);
        return new MmReportPaths($frames, $paths, $sample);
    }

    /**
     * --by function with call paths: the rows with inclusive figures
     * (incl_*) beside their own, plus the functions that only call (no
     * allocation of their own, self figures 0), sorted by the inclusive
     * --sort figure, as pprof's -cum does.
     */
    private function withInclusive(array $rows, ?MmReportPaths $paths): array
    {
        if ($paths === null || $this->by !== 'function') {
            return $rows;
        }
        $incl = $paths->inclusive();
        $figures = ['alloc_count', 'alloc_bytes', 'live_bytes', 'peak_live_bytes', 'leak_bytes'];
        $seen = [];
        foreach ($rows as &$r) {
            $key = $r['file'] . "\0" . $r['function'];
            $seen[$key] = true;
            foreach ($figures as $m) {
                $r["incl_$m"] = $r['kind'] === 'pseudo' ? (int) $r[$m] : (int) ($incl[$key][$m] ?? 0);
            }
        }
        unset($r);
        foreach ($incl as $key => $i) {
            if (!isset($seen[$key])) {
                [$file, $function] = explode("\0", $key, 2);
                /* The columns of the other rows, in their order (csv takes its header from the first). */
                $r = array_merge(array_fill_keys(array_keys($rows[0] ?? []), 0),
                    ['file' => $file, 'line' => 0, 'function' => $function, 'opcode' => '', 'callee' => '', 'kind' => 'vm']);
                foreach ($figures as $m) {
                    $r[$m] = 0;
                    $r["incl_$m"] = (int) ($i[$m] ?? 0);
                }
                $rows[] = $r;
            }
        }
        $order = 'incl_' . self::SORTS[$this->sort];
        usort($rows, fn($a, $b) => [$b[$order], $b[self::SORTS[$this->sort]]] <=> [$a[$order], $a[self::SORTS[$this->sort]]]);
        return $rows;
    }

    private function needPaths(?MmReportPaths $paths, array $run, string $what): MmReportPaths
    {
        if ($paths === null) {
            throw new MmReportError("run {$run['run_id']} has no call paths, which $what needs (recorded with zend.mm_observe_call_paths=0"
                . ' or by an older PHP)');
        }
        return $paths;
    }

    /**
     * --by uri: per endpoint (method and URI without the query), the
     * requests of every worker run, from mm_endpoint_windows: mm_endpoints'
     * sums over the windows, taken here over valid rows like every sum of
     * this program, sorted by --sort (URI_SORTS).  Requests whose detail
     * was not kept (mm_runs.detail NULL, most of a worker's) are in them
     * like the others.
     */
    private function endpointRows(): array
    {
        if ($this->version < MmReportDatabase::SCHEMA_WORKER) {
            throw new MmReportError("'{$this->path}' has no per-endpoint figures: it has schema version {$this->version},"
                . ' and requests are summed per endpoint from version ' . MmReportDatabase::SCHEMA_WORKER
                . ' on (those of php-fpm, php -S, ... that this PHP records)');
        }
        [$filter, $params] = $this->uriFilter();
        $this->countInvalidEndpoints('mm_endpoint_windows');
        $per = fn(string $m) => "CAST(total($m) / total(requests) AS INTEGER)";
        $sums = implode(', ', array_map(fn($m) => self::sum($m) . " AS $m", ['requests', 'errors', 'ooms', 'detailed', 'duration_ns']));
        $order = self::URI_SORTS[$this->sort][0];
        $rows = $this->rows("SELECT method, uri, $sums, {$per('duration_ns')} AS duration_avg_ns, max(duration_max_ns) AS duration_max_ns,"
            . ' ' . self::sum('alloc_count') . ' AS alloc_count, ' . self::sum('alloc_bytes') . " AS alloc_bytes, {$per('alloc_bytes')} AS alloc_bytes_per_request,"
            . " {$per('peak_sum')} AS peak_avg, max(peak_max) AS peak_max, " . self::sum('end_live_bytes') . ' AS end_live_bytes,'
            . " {$per('end_live_bytes')} AS end_live_bytes_per_request, " . self::sum('gc_passes') . ' AS gc_passes, ' . self::sum('gc_ns') . ' AS gc_ns,'
            . ' min(window_start) AS first_window, max(window_start) AS last_window'
            . ' FROM mm_endpoint_windows WHERE ' . self::valid('mm_endpoint_windows') . $filter
            . " GROUP BY method, uri ORDER BY $order DESC, requests DESC, method, uri", $params);
        if (!$rows) {
            throw new MmReportError($this->uri !== null && $this->rows('SELECT 1 FROM mm_endpoint_windows LIMIT 1')
                ? "'{$this->path}' has no endpoint whose URI contains '{$this->uri}'"
                : "'{$this->path}' has no per-endpoint figures: no request of php-fpm, php -S or another web SAPI is recorded in it");
        }
        return $rows;
    }

    /**
     * --by uri: the top sites of each endpoint by URI_SORTS' site figure,
     * summed over the windows (a site's opcodes together, as the text shows
     * them), as ["method\0uri" => [site, ...]].
     */
    private function endpointSites(): array
    {
        [$filter, $params] = $this->uriFilter();
        $this->countInvalidEndpoints('mm_endpoint_sites');
        $metric = self::URI_SORTS[$this->sort][1];
        $sums = implode(', ', array_map(fn($m) => self::sum($m) . " AS $m", ['requests', 'alloc_count', 'alloc_bytes', 'leak_bytes', 'peak_live_bytes']));
        $top = [];
        foreach ($this->rows("SELECT * FROM (SELECT method, uri, kind, file, line, function, coalesce(callee, '') AS callee, $sums,"
                . " row_number() OVER (PARTITION BY method, uri ORDER BY total($metric) DESC, file, line, function, callee) AS pos"
                . ' FROM mm_endpoint_sites WHERE ' . self::valid('mm_endpoint_sites') . $filter
                . " GROUP BY method, uri, kind, file, line, function, callee HAVING total($metric) > 0)"
                . ' WHERE pos <= ' . self::URI_TOP_SITES . ' ORDER BY pos', $params) as $s) {
            $key = "{$s['method']}\0{$s['uri']}";
            unset($s['method'], $s['uri'], $s['pos']);
            $top[$key][] = $s;
        }
        return $top;
    }

    /** --uri as SQL (a substring, not a pattern: '%' and '_' are common in URIs) and its parameters. */
    private function uriFilter(): array
    {
        return $this->uri === null ? ['', []] : [' AND instr(uri, :uri) > 0', [':uri' => $this->uri]];
    }

    /** Counts the rows of an endpoint table or view that valid() leaves out, once. */
    private function countInvalidEndpoints(string $view): void
    {
        [$filter, $params] = $this->uriFilter();
        $n = (int) $this->rows("SELECT count(*) AS n FROM $view WHERE NOT " . self::valid($view) . $filter, $params)[0]['n'];
        if ($n > 0) {
            $this->skipped['the endpoint tables'][$view] = $n;
        }
    }

    private function limit(array $rows, int $default): array
    {
        $n = $this->top ?? ($this->format === 'table' || $this->format === 'html' ? $default : null);
        return $n === null ? $rows : array_slice($rows, 0, $n);
    }

    /* ---- rendering ------------------------------------------------------ */

    private function render(): string
    {
        if ($this->listRuns) {
            return $this->renderRuns();
        }
        if ($this->by === 'uri') {
            return $this->renderEndpoints();
        }
        if ($this->diff !== null) {
            return $this->renderDiff(...$this->diff);
        }
        $run = $this->runInfo($this->run);
        $id = (int) $run['run_id'];
        if ($this->listSnapshots) {
            return $this->renderSnapshots($id);
        }
        if ($this->growth !== null) {
            return $this->renderGrowth($run);
        }
        $paths = $this->paths($run);
        if ($this->callers !== null) {
            return $this->renderCallers($run, $this->needPaths($paths, $run, '--callers'));
        }
        if ($this->by === 'path') {
            return $this->renderPaths($run, $this->needPaths($paths, $run, '--by path'));
        }
        $metric = self::SORTS[$this->sort];
        $events = ['alloc_bytes' => 'AllocBytes', 'alloc_count' => 'AllocCount', 'live_bytes' => 'LiveBytes', 'peak_live_bytes' => 'PeakLiveBytes'];
        return match ($this->format) {
            'table' => $this->renderTable($run, $this->limit($this->withInclusive($this->grouped($id), $paths), MM_REPORT_DEFAULT_TOP), $paths),
            'json' => $this->renderJson($run, $this->limit($this->withInclusive($this->grouped($id), $paths), MM_REPORT_DEFAULT_TOP)),
            'csv' => MmReportFormat::csv($this->limit($this->withInclusive($this->grouped($id), $paths), MM_REPORT_DEFAULT_TOP)),
            'collapsed' => $paths !== null ? $paths->top($this->top)->collapsed($metric)
                : MmReportFormat::collapsed($this->limit($this->sites($id), MM_REPORT_DEFAULT_TOP), $metric),
            'pprof' => MmReportPprof::encode($run, $paths !== null ? [] : $this->limit($this->sites($id), MM_REPORT_DEFAULT_TOP), $paths?->top($this->top)),
            'callgrind' => $paths !== null ? $paths->top($this->top)->callgrind($run, $events)
                : MmReportFormat::callgrind($run, $this->limit($this->sites($id), MM_REPORT_DEFAULT_TOP)),
            'html' => MmReportHtml::render($run, ...$this->htmlRows($id, $paths), memoryError: $this->memoryError($id)),
        };
    }

    /**
     * The HTML page needs every site (flame graphs) and the top rows: the
     * rows are grouped here from the sites rather than by a second query,
     * which keeps a 50 000-site run under a second.
     */
    private function htmlRows(int $id, ?MmReportPaths $paths): array
    {
        $sites = $this->sites($id);
        $groups = [];
        foreach ($sites as $s) {
            $pseudo = $s['kind'] === 'pseudo';
            $key = match ($this->by) {
                'line' => $pseudo ? "p\0{$s['function']}" : "{$s['file']}\0{$s['line']}\0" . ($s['kind'] === 'compile' ? 'c' : ''),
                'site' => (string) $s['site_id'],
                'function' => "{$s['file']}\0{$s['function']}",
                'file' => $pseudo ? "p\0{$s['function']}" : $s['file'],
            };
            if (!isset($groups[$key])) {
                $groups[$key] = $s;
                $groups[$key]['alloc_count'] = $groups[$key]['alloc_bytes'] = $groups[$key]['realloc_count'] = $groups[$key]['live_bytes']
                    = $groups[$key]['peak_live_bytes'] = $groups[$key]['leak_bytes'] = 0;
                if ($this->by !== 'site' && !($this->by === 'function')) {
                    $groups[$key]['callee'] = $groups[$key]['opcode'] = '';
                }
                if ($this->by === 'line' && !$pseudo) {
                    $groups[$key]['function'] = '';
                }
            }
            foreach (['alloc_count', 'alloc_bytes', 'realloc_count', 'live_bytes', 'peak_live_bytes', 'leak_bytes'] as $m) {
                $groups[$key][$m] = MmText::int($groups[$key][$m] + (int) $s[$m]);
            }
            if ($this->by === 'function') {
                $groups[$key]['line'] = min((int) $groups[$key]['line'], (int) $s['line']);
            }
        }
        $metric = self::SORTS[$this->sort];
        usort($groups, fn($a, $b) => [$b[$metric], $b['alloc_count']] <=> [$a[$metric], $a['alloc_count']]);
        $gc = $this->rows('SELECT seq, trigger, file, line, started_ns, total_ns, mark_ns, scan_ns, collect_ns, destructor_ns,'
            . ' free_ns, compact_ns, mem_before, mem_after, collected FROM mm_gc_runs WHERE run_id = :id AND ' . self::valid('mm_gc_runs')
            . ' ORDER BY seq', [':id' => $id]);
        $samples = $this->version < MmReportDatabase::SCHEMA_RING ? [] : $this->rows('SELECT t_ns, usage, peak FROM mm_samples WHERE run_id = :id AND ' . self::valid('mm_samples')
            . ' ORDER BY seq', [':id' => $id]);
        $functions = [];
        if ($paths !== null) {
            $saved = $this->by;
            $this->by = 'function';
            $functions = $this->withInclusive($this->grouped($id), $paths);
            $this->by = $saved;
            usort($functions, fn($a, $b) => $b['incl_alloc_bytes'] <=> $a['incl_alloc_bytes']);
            $functions = array_slice($functions, 0, self::HTML_TOP);
        }
        /* With two snapshots or more: what grew from the first to the last (a worker's leak hunt). */
        $snapshots = $this->snapshots($id);
        $growth = null;
        if (count($snapshots) >= 2) {
            $a = $snapshots[0];
            $b = $snapshots[count($snapshots) - 1];
            $growth = ['a' => $a, 'b' => $b, 'rows' => array_slice($this->growthRows($id, (int) $a['snapshot_id'], (int) $b['snapshot_id']), 0, self::HTML_TOP)];
        }
        return [$this->limit($groups, self::HTML_TOP), $sites, $gc, $samples, $snapshots, $this->by, $this->sort, $paths, $functions, 'growth' => $growth];
    }

    /** Runs listed by --runs when there are more and no --top is given: the newest. */
    private const RUNS_DEFAULT = 200;

    /** --runs' selection (--status, --match, --since, --until): [conditions on mm_runs, their parameters]. */
    private function runSelection(): array
    {
        $where = [];
        $params = [];
        if ($this->runStatus !== null) {
            $where[] = 'status = :status';
            $params[':status'] = $this->runStatus;
        }
        if ($this->runMatch !== null) {
            $uri = $this->version >= MmReportDatabase::SCHEMA_RING ? " OR instr(coalesce(request_uri, ''), :match) > 0" : '';
            $args = $this->version >= MmReportDatabase::SCHEMA_REALLOC ? " OR instr(coalesce(args, ''), :match) > 0" : '';
            $where[] = "(instr(coalesce(script, ''), :match) > 0 OR instr(coalesce(test_path, ''), :match) > 0$uri$args)";
            $params[':match'] = $this->runMatch;
        }
        if ($this->runSince !== null) {
            $where[] = 'started_at >= :since';
            $params[':since'] = $this->runSince;
        }
        if ($this->runUntil !== null) {
            $where[] = 'started_at < :until';
            $params[':until'] = $this->runUntil;
        }
        return [$where, $params];
    }

    /** SQL: what a run allocated, for the runs of mm_runs r with run_id IN ($in) (a worker's request kept without its sites: its own figure). */
    private function runAllocated(string $in): array
    {
        $own = $this->version >= MmReportDatabase::SCHEMA_WORKER ? 'r.alloc_bytes' : 'NULL';
        return ["coalesce(t.alloc_bytes, $own, 0)", "LEFT JOIN (SELECT run_id, " . self::sum('alloc_bytes') . " AS alloc_bytes FROM {$this->siteRows()}"
            . " WHERE run_id IN ($in) AND " . self::OBSERVED . " AND " . self::valid('mm_sites') . ' GROUP BY run_id) t ON t.run_id = r.run_id'];
    }

    private function renderRuns(): string
    {
        if ($this->by === 'script') {
            return $this->renderRunGroups();
        }
        $request = $this->version >= MmReportDatabase::SCHEMA_RING ? 'r.request_method, r.request_uri' : 'NULL AS request_method, NULL AS request_uri';
        $args = $this->version >= MmReportDatabase::SCHEMA_REALLOC ? 'r.args' : 'NULL AS args';
        /* The selection first (run ids only: cheap on thousands of runs),
         * then the figures of the runs shown. */
        [$where, $params] = $this->runSelection();
        $cond = $where ? ' WHERE ' . implode(' AND ', $where) : '';
        $total = (int) ($this->rows('SELECT count(*) AS n FROM mm_runs', [])[0]['n'] ?? 0);
        if ($total === 0) {
            throw new MmReportError("'{$this->path}' has no runs");
        }
        $matching = $where ? (int) ($this->rows("SELECT count(*) AS n FROM mm_runs$cond", $params)[0]['n'] ?? 0) : $total;
        $per = $this->top ?? self::RUNS_DEFAULT;
        $page = $this->runPage ?? 1;
        $ids = array_map(fn(array $r) => (int) $r['run_id'], $this->rows("SELECT run_id FROM mm_runs$cond ORDER BY run_id DESC LIMIT :n OFFSET :off",
            $params + [':n' => $per, ':off' => min(($page - 1) * $per, PHP_INT_MAX >> 1)]));
        $limited = $this->top !== null || $this->runPage !== null || $matching > $per;
        if (!$ids) {
            return $matching === 0 ? "no run matches (of $total)\n" : "page $page is past the last of the $matching matching run(s) (" . (int) ceil($matching / $per) . " page(s) of $per)\n";
        }
        $in = implode(',', $ids);
        /* A worker's request without its per-site detail (schema version
         * 5, mm_runs.detail NULL or 'rolled_up') has no sites: its row
         * carries what it allocated. */
        [$alloc, $join] = $this->runAllocated($in);
        $rows = $this->rows("SELECT r.run_id, r.started_at, r.status, r.sapi, r.script, r.peak_usage, $alloc AS alloc_bytes,"
            . " r.test_path, $request, $args FROM mm_runs r $join WHERE r.run_id IN ($in) ORDER BY r.run_id");
        $this->countInvalid('mm_sites');
        $rows = array_map($this->cleanRun(...), $rows);
        $out = sprintf("%6s  %-24s  %-7s  %10s  %10s  %s\n", 'run', 'started', 'status', 'peak', 'allocated', 'script');
        foreach ($rows as $r) {
            $out .= sprintf("%6d  %-24s  %-7s  %10s  %10s  %s\n", $r['run_id'], MmText::text($r['started_at']), MmText::text($r['status']),
                MmText::bytes($r['peak_usage']), MmText::bytes($r['alloc_bytes']), MmText::text($r['test_path'] ?? $r['script'])
                . ($r['request_method'] !== null ? ' (' . MmText::text($r['request_method']) . ' ' . MmText::text($r['request_uri']) . ')' : '')
                . (is_string($r['args']) && $r['args'] !== '' ? ' ' . MmText::text(self::cut($r['args'], self::RUNS_ARGS_SHOWN)) : ''));
        }
        if ($limited || $where) {
            $pages = (int) ceil($matching / $per);
            $out .= sprintf("%d run(s) shown of %d%s%s; %s\n", count($rows), $matching, $where ? " matching (of $total)" : '',
                $limited ? ", newest first in pages of $per: page $page of $pages" : '',
                $limited ? '--top N and --page P show others, --status, --match, --since and --until select' : 'all of them');
        }
        return $out;
    }

    /** --runs: the command-line arguments shown after a script (mm_runs.args keeps up to 511 bytes). */
    private const RUNS_ARGS_SHOWN = 100;

    private static function cut(string $s, int $n): string
    {
        return strlen($s) <= $n ? $s : substr($s, 0, $n - 3) . '...';
    }

    /**
     * --runs --by script: the selected runs grouped by what ran (the test
     * of run-tests.php, a web request's method and URI, else the script),
     * most runs first: how many, of which status, their mean duration,
     * mean and highest peak, mean allocated bytes, the last start.
     */
    private function renderRunGroups(): string
    {
        [$where, $params] = $this->runSelection();
        $cond = $where ? ' WHERE ' . implode(' AND ', $where) : '';
        $total = (int) ($this->rows('SELECT count(*) AS n FROM mm_runs', [])[0]['n'] ?? 0);
        if ($total === 0) {
            throw new MmReportError("'{$this->path}' has no runs");
        }
        $request = $this->version >= MmReportDatabase::SCHEMA_RING
            ? "CASE WHEN typeof(r.request_method) = 'text' THEN r.request_method || ' ' || coalesce(r.request_uri, '') END" : 'NULL';
        $what = "coalesce(r.test_path, $request, r.script, '')";
        $peak = 'CASE WHEN typeof(r.peak_usage) = \'integer\' AND r.peak_usage BETWEEN 0 AND ' . self::MAX_FIGURE . ' THEN r.peak_usage END';
        $ms = "(julianday(r.ended_at) - julianday(r.started_at)) * 86400000.0";
        [$alloc, $join] = $this->runAllocated("SELECT run_id FROM mm_runs$cond");
        $rows = $this->rows("SELECT $what AS what, count(*) AS runs, avg($ms) AS duration_avg_ms, avg($peak) AS peak_avg, max($peak) AS peak_max,"
            . " avg($alloc) AS alloc_avg, max(r.started_at) AS last_started FROM (SELECT * FROM mm_runs$cond) r $join"
            . ' GROUP BY what ORDER BY runs DESC, what', $params);
        $statuses = [];
        foreach ($this->rows("SELECT $what AS what, coalesce(r.status, '?') AS status, count(*) AS n FROM (SELECT * FROM mm_runs$cond) r"
                . ' GROUP BY what, r.status ORDER BY n DESC, r.status', $params) as $s) {
            $statuses[$s['what']][] = "{$s['status']} {$s['n']}";
        }
        $matching = array_sum(array_column($rows, 'runs'));
        foreach ($rows as &$r) {
            $r['statuses'] = implode(', ', $statuses[$r['what']] ?? []);
            foreach (['peak_avg', 'peak_max', 'alloc_avg'] as $k) {
                $r[$k] = $r[$k] === null ? null : (int) round($r[$k]);
            }
            $r['duration_avg_ms'] = $r['duration_avg_ms'] === null ? null : round($r['duration_avg_ms'], 1);
        }
        unset($r);
        $rows = $this->limit($rows, MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'by' => 'script', 'runs' => $matching, 'groups' => $rows]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv($rows);
        }
        $out = sprintf("%6s  %10s  %10s  %10s  %10s  %-20s  %s\n", 'runs', 'avg time', 'avg peak', 'max peak', 'avg alloc', 'status', 'script, test or request');
        foreach ($rows as $r) {
            $out .= sprintf("%6d  %10s  %10s  %10s  %10s  %-20s  %s\n", $r['runs'],
                $r['duration_avg_ms'] === null ? '-' : sprintf('%.1f ms', $r['duration_avg_ms']),
                $r['peak_avg'] === null ? '-' : MmText::bytes($r['peak_avg']), $r['peak_max'] === null ? '-' : MmText::bytes($r['peak_max']),
                MmText::bytes($r['alloc_avg'] ?? 0), MmText::text($r['statuses']), MmText::text($r['what']));
        }
        return $out . sprintf("%d run(s)%s in %d group(s)%s\n", $matching, $where ? " matching (of $total)" : '',
            count($statuses), count($rows) < count($statuses) ? ', ' . count($rows) . ' shown (--top N)' : '');
    }

    /** --by uri: which endpoint allocates, peaks, or keeps memory at the end of its requests (grows or leaks in a worker). */
    private function renderEndpoints(): string
    {
        $all = $this->endpointRows();
        $rows = $this->limit($all, MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'csv') {
            return MmReportFormat::csv($rows);
        }
        $sites = $this->endpointSites();
        $key = fn(array $r) => "{$r['method']}\0{$r['uri']}";
        if ($this->format === 'json') {
            foreach ($rows as &$r) {
                $r['sites'] = $sites[$key($r)] ?? [];
            }
            unset($r);
            return MmReportFormat::json(['database' => $this->path, 'by' => 'uri', 'sort' => $this->sort, 'uri' => $this->uri, 'rows' => $rows]);
        }
        $when = fn(string $col, callable $pick) => gmdate('Y-m-d\TH:i:s\Z', $pick(array_column($all, $col)));
        $what = ['alloc' => 'allocated bytes', 'live' => 'bytes live at the end of the script per request', 'leak' => 'bytes live at the end of the script per request',
            'peak' => 'highest peak', 'count' => 'allocations'][$this->sort];
        $siteWhat = ['alloc' => 'allocated bytes', 'live' => 'bytes live at the end', 'leak' => 'bytes live at the end', 'peak' => "bytes live at the requests' peaks",
            'count' => 'allocations'][$this->sort];
        $out = sprintf("Endpoints of %s: %s request(s) to %d endpoint(s)%s, in windows from %s to %s\n", MmText::text($this->path),
                number_format(array_sum(array_column($all, 'requests'))), count($all),
                $this->uri !== null ? ' whose URI contains "' . MmText::text($this->uri) . '"' : '', $when('first_window', min(...)), $when('last_window', max(...)))
            . "\nTop " . count($rows) . " endpoints by $what; under each, its top " . self::URI_TOP_SITES . " sites by $siteWhat (all its requests)\n"
            . sprintf("  %9s %7s %8s %12s %12s %10s %10s %10s %10s %10s  %s\n", 'requests', 'errors', 'detailed', 'avg time', 'max time',
                'allocated', 'alloc/req', 'peak avg', 'peak max', 'live/req', 'endpoint');
        $metric = self::URI_SORTS[$this->sort][1];
        foreach ($rows as $r) {
            $out .= sprintf("  %9s %7s %8s %12s %12s %10s %10s %10s %10s %10s  %s\n", number_format($r['requests']), number_format($r['errors']),
                number_format($r['detailed']), MmText::ms($r['duration_avg_ns']), MmText::ms($r['duration_max_ns']), MmText::bytes($r['alloc_bytes']),
                MmText::bytes($r['alloc_bytes_per_request']), MmText::bytes($r['peak_avg']), MmText::bytes($r['peak_max']),
                MmText::bytes($r['end_live_bytes_per_request']), MmText::text(ltrim("{$r['method']} {$r['uri']}")));
            foreach ($sites[$key($r)] ?? [] as $s) {
                $t = array_map(MmText::text(...), $s);
                $out .= '      ' . ($s['kind'] === 'pseudo' ? $t['function'] : "{$t['file']}:{$t['line']}"
                    . ($s['kind'] === 'compile' ? ' (compiling)' : '') . " {$t['function']}") . ($s['callee'] !== '' ? " ({$t['callee']})" : '')
                    . ' ' . ($metric === 'alloc_count' ? number_format($s[$metric]) . ' blocks' : MmText::bytes($s[$metric])) . "\n";
            }
        }
        return $out;
    }

    private function summary(array $run, ?MmReportPaths $paths = null): string
    {
        $dur = self::durationMs($run['started_at'], $run['ended_at']);
        $gc = (int) $run['gc_runs'] > 0
            ? sprintf('%d run(s), %s total pause, longest %s, %d collected', $run['gc_runs'],
                MmText::ms((int) $run['gc_ns']), MmText::ms((int) $run['gc_max_ns']), $run['gc_collected'])
            : 'no runs';
        /* The ring's figures (schema version 3), when there are any. */
        $ring = array_filter([
            (int) ($run['samples'] ?? 0) > 0 ? "{$run['samples']} sample(s)" : null,
            (int) ($run['snapshots'] ?? 0) > 0 ? "{$run['snapshots']} snapshot(s)" : null,
            (int) ($run['flushes'] ?? 0) > 0 ? sprintf('%d flush(es), %s total pause, longest %s', $run['flushes'],
                MmText::ms((int) $run['flush_ns']), MmText::ms((int) $run['flush_max_ns'])) : null,
        ]);
        $lost = (int) ($run['events_lost'] ?? 0);
        $t = array_map(MmText::text(...), $run);
        return sprintf("Run %d of %s\n", $run['run_id'], MmText::text($this->path))
            . sprintf("  script    %s (%s, PHP %s, pid %d)%s\n", $t['script'], $t['sapi'], $t['php_version'], $run['pid'],
                $run['test_path'] !== null ? "\n  test      {$t['test_path']}: {$t['test_title']} [{$t['test_result']}]" : '')
            . (is_string($run['args'] ?? null) && $run['args'] !== '' ? "  args      {$t['args']}\n" : '')
            . (($run['request_method'] ?? null) !== null ? "  request   {$t['request_method']} {$t['request_uri']}\n" : '')
            . sprintf("  status    %s, exit status %s%s\n", $t['status'], $run['exit_status'] === null ? '-' : $t['exit_status'],
                ($run['imported_at'] ?? null) !== null ? "; imported from a crash ring at {$t['imported_at']}" : '')
            . sprintf("  started   %s, duration %s\n", $t['started_at'], $dur === null ? 'unknown (the run did not end)' : sprintf('%.1f ms', $dur))
            . sprintf("  memory    peak %s; allocated %s in %s blocks; live at the end of the script %s, after shutdown %s\n", MmText::bytes($run['peak_usage']),
                MmText::bytes($run['alloc_bytes']), number_format((int) $run['alloc_count']), MmText::bytes($run['leak_bytes']), MmText::bytes($run['live_bytes']))
            . ((int) ($run['realloc_count'] ?? 0) > 0 ? sprintf("  reallocs  %s, counted in \"allocated\" by what they grew a block (%s in whole new blocks)\n",
                number_format((int) $run['realloc_count']), MmText::bytes($run['alloc_full_bytes'])) : '')
            . (($err = $this->memoryError((int) $run['run_id'])) !== null ? $this->memoryErrorLines($err) : '')
            . sprintf("  GC        %s\n", $gc)
            . ($ring ? '  ring      ' . implode('; ', $ring) . "\n" : '')
            . ($lost > 0 ? "  warning   $lost ring records lost (the ring was full): raise zend.mm_observe_ring_size\n" : '')
            . ($paths !== null ? '  paths     ' . substr($paths->note(), strlen('call paths: '))
                . '; recursion folded (a caller is on a path once)'
                . (is_int($run['paths_truncated'] ?? null) && $run['paths_truncated'] > 0
                    ? sprintf('; %d sampled block(s) with deeper paths cut to zend.mm_observe_path_depth frames', $run['paths_truncated']) : '')
                . "\n" : '');
    }

    private function renderTable(array $run, array $rows, ?MmReportPaths $paths = null): string
    {
        $what = self::SORT_WORDS[$this->sort];
        $out = $this->summary($run, $paths) . "\nTop " . count($rows) . " {$this->by}s by $what"
            . ($this->by === 'function' && $paths !== null ? ' (self: its own lines; incl: with all it called, from the call paths)' : '') . "\n";
        if (!$rows) {
            return $out . "  (no allocations recorded)\n";
        }
        $incl = isset($rows[0]['incl_alloc_bytes']);
        $out .= $incl
            ? sprintf("  %10s %10s %9s %10s %10s %10s %10s  %s\n", 'self alloc', 'incl alloc', 'count', 'self live', 'incl live', 'incl end', 'incl peak', $this->by)
            : sprintf("  %10s %9s %9s %10s %10s %10s  %s\n", 'allocated', 'count', 'reallocs', 'live', 'at end', 'peak live', $this->by);
        $sources = [];
        foreach ($rows as $r) {
            $where = self::where($r, $this->by);
            $out .= ($incl
                ? sprintf("  %10s %10s %9s %10s %10s %10s %10s  %s\n", MmText::bytes($r['alloc_bytes']), MmText::bytes($r['incl_alloc_bytes']),
                    number_format((int) $r['alloc_count']), MmText::bytes($r['live_bytes']), MmText::bytes($r['incl_live_bytes']),
                    MmText::bytes($r['incl_leak_bytes']), MmText::bytes($r['incl_peak_live_bytes']), $where)
                : sprintf("  %10s %9s %9s %10s %10s %10s  %s\n", MmText::bytes($r['alloc_bytes']), number_format((int) $r['alloc_count']),
                    number_format((int) ($r['realloc_count'] ?? 0)), MmText::bytes($r['live_bytes']), MmText::bytes($r['leak_bytes']),
                    MmText::bytes($r['peak_live_bytes']), $where)) . $this->sourceNote($r, $sources, $incl ? 53 : 63);
        }
        return $out . "  live: still allocated when observation stopped (after shutdown functions, destructors and teardown);"
            . " at end: when the script ended (what it kept: globals, statics, caches)\n"
            . "  allocated: a realloc counts what it grew the block by (alloc_full_bytes in json and csv: its whole new block)\n";
    }

    /** --by path: the heaviest call paths, each as its site and its callers (innermost first). */
    private function renderPaths(array $run, MmReportPaths $paths): string
    {
        $metric = self::SORTS[$this->sort];
        $rows = $this->limit($paths->rows($metric), MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'run' => (int) $run['run_id'], 'by' => 'path', 'sort' => $this->sort,
                'sampled' => $paths->sampled(), 'rows' => $rows]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv(array_map(fn($r) => ['path' => implode(' <- ', $r['path'])] + $r, $rows));
        }
        $what = self::SORT_WORDS[$this->sort];
        $out = $this->summary($run, $paths) . "\nTop " . count($rows) . " call paths by $what (the allocating line first, then its callers)\n"
            . sprintf("  %10s %9s %10s %10s %10s\n", 'allocated', 'count', 'live', 'peak live', 'at end');
        foreach ($rows as $r) {
            $out .= sprintf("  %10s %9s %10s %10s %10s\n", MmText::bytes($r['alloc_bytes']), number_format($r['alloc_count']),
                MmText::bytes($r['live_bytes']), MmText::bytes($r['peak_live_bytes']), MmText::bytes($r['leak_bytes']));
            foreach ($r['path'] as $i => $name) {
                $out .= '      ' . ($i === 0 ? '' : '<- ') . MmText::text($name) . "\n";
            }
        }
        return $out;
    }

    /** --callers FILE:LINE: the call paths into one line, with their share of what it allocated. */
    private function renderCallers(array $run, MmReportPaths $paths): string
    {
        [$file, $line] = $this->callers;
        $metric = self::SORTS[$this->sort];
        $rows = $this->limit($paths->callers($file, $line, $metric), MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'run' => (int) $run['run_id'], 'callers' => "$file:$line", 'sort' => $this->sort,
                'sampled' => $paths->sampled(), 'rows' => $rows]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv(array_map(fn($r) => ['callers' => implode(' <- ', $r['callers'])] + $r, $rows));
        }
        $out = $this->summary($run, $paths) . "\nCall paths into " . MmText::text("$file:$line") . ', by '
            . self::SORT_WORDS[$this->sort] . "\n";
        if (!$rows) {
            return $out . "  (no call path ends at that line; the file may be named differently: see --by line)\n";
        }
        $out .= sprintf("  %6s %10s %9s %10s %10s\n", 'share', 'allocated', 'count', 'live', 'peak live');
        foreach ($rows as $r) {
            $out .= sprintf("  %5.1f%% %10s %9s %10s %10s\n", $r['share'] * 100, MmText::bytes($r['alloc_bytes']), number_format($r['alloc_count']),
                MmText::bytes($r['live_bytes']), MmText::bytes($r['peak_live_bytes']));
            foreach ($r['callers'] ?: ['(no caller: the script\'s own code)'] as $i => $name) {
                $out .= '      <- ' . MmText::text($name) . "\n";
            }
        }
        return $out;
    }

    /** Grouped by line: the row's source line, under its figures ($width columns wide). */
    private function sourceNote(array $r, array &$sources, int $width = 42): string
    {
        if ($this->by !== 'line' || $r['kind'] === 'pseudo' || (int) $r['line'] <= 0) {
            return '';
        }
        $out = '';
        foreach (MmSource::statement($r['file'], (int) $r['line'], $sources) as $text) {
            $out .= sprintf("  %{$width}s  | %s\n", '', MmText::text($text));
        }
        return $out;
    }

    private function renderSnapshots(int $run): string
    {
        $snaps = $this->snapshots($run);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'run' => $run, 'snapshots' => $snaps]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv($snaps);
        }
        $out = sprintf("Snapshots of run %d of %s\n", $run, MmText::text($this->path));
        if (!$snaps) {
            return $out . "  (none: call mm_observe_snapshot() in the script)\n";
        }
        $out .= sprintf("  %6s %12s %10s  %s\n", 'id', 'time', 'usage', 'label');
        foreach ($snaps as $s) {
            $out .= sprintf("  %6d %12s %10s  %s\n", $s['snapshot_id'], MmText::ms((int) $s['t_ns']), MmText::bytes($s['usage']), MmText::text($s['label']));
        }
        return $out;
    }

    private function renderGrowth(array $run): string
    {
        $id = (int) $run['run_id'];
        $snaps = array_column($this->snapshots($id), null, 'snapshot_id');
        if (count($snaps) < 2) {
            throw new MmReportError("run $id has " . count($snaps) . ' snapshot(s); --growth needs two: call mm_observe_snapshot() in the script');
        }
        [$a, $b] = $this->growth ?: [array_key_first($snaps), array_key_last($snaps)];
        foreach ([$a, $b] as $s) {
            if (!isset($snaps[$s])) {
                throw new MmReportError("run $id has no snapshot $s (it has " . count($snaps) . ' snapshot(s), ids '
                    . array_key_first($snaps) . ' to ' . array_key_last($snaps) . ')');
            }
        }
        if ($a === $b) {
            throw new MmReportError("--growth $a $b: give two different snapshots");
        }
        $rows = $this->limit($this->growthRows($id, $a, $b), MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'run' => $id, 'by' => $this->by, 'a' => $snaps[$a], 'b' => $snaps[$b],
                'rows' => MmReportFormat::typed($rows)]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv($rows);
        }
        [$sa, $sb] = [$snaps[$a], $snaps[$b]];
        $out = sprintf("Growth in run %d of %s (%s)\n", $id, MmText::text($this->path), MmText::text($run['test_path'] ?? $run['script']))
            . sprintf("  A  snapshot %d \"%s\" at %s, usage %s\n", $a, MmText::text($sa['label']), MmText::ms((int) $sa['t_ns']), MmText::bytes($sa['usage']))
            . sprintf("  B  snapshot %d \"%s\" at %s, usage %s (%s)\n", $b, MmText::text($sb['label']), MmText::ms((int) $sb['t_ns']), MmText::bytes($sb['usage']),
                MmText::signed((int) $sb['usage'] - (int) $sa['usage']))
            . "\nTop " . count($rows) . " {$this->by}s by growth of live bytes (B - A)\n";
        if (!$rows) {
            return $out . "  (no live bytes or blocks changed)\n";
        }
        $out .= sprintf("  %10s %10s %11s %8s  %s\n", 'live A', 'live B', 'growth', 'blocks', $this->by);
        $sources = [];
        foreach ($rows as $r) {
            $blocks = (int) $r['live_count_growth'];
            $out .= sprintf("  %10s %10s %11s %8s  %s\n", MmText::bytes($r['live_bytes_a']), MmText::bytes($r['live_bytes_b']),
                MmText::signed((int) $r['live_bytes_growth']), ($blocks > 0 ? '+' : '') . number_format($blocks), self::where($r, $this->by))
                . $this->sourceNote($r, $sources);
        }
        return $out;
    }

    private static function where(array $r, string $by): string
    {
        $r = array_map(MmText::text(...), $r);
        $loc = $r['kind'] === 'pseudo' ? $r['function'] ?: '(pseudo)' : ($r['file'] === '' ? '?' : $r['file']) . ($by === 'file' ? '' : ':' . $r['line'])
            . ($r['kind'] === 'compile' && $by !== 'file' ? ' (compiling)' : '');
        if ($r['kind'] === 'pseudo' && $by !== 'function') {
            return $loc;
        }
        return match ($by) {
            'line', 'file' => $loc,
            'function' => ($r['function'] ?: '?') . ($r['kind'] === 'pseudo' ? '' : "  ($loc)"),
            'site' => "$loc  {$r['function']} {$r['opcode']}" . ($r['callee'] !== '' ? " -> {$r['callee']}()" : ''),
        };
    }

    private function renderJson(array $run, array $rows): string
    {
        $runOut = [];
        foreach ($run as $k => $v) {
            $runOut[$k] = is_string($v) && is_numeric($v) && !str_contains($k, '_at') ? $v + 0 : $v;
        }
        return MmReportFormat::json(['database' => $this->path, 'run' => $runOut, 'memory_error' => $this->memoryError((int) $run['run_id']),
            'by' => $this->by, 'sort' => $this->sort, 'rows' => MmReportFormat::typed($rows)]);
    }

    private function renderDiff(int $a, int $b): string
    {
        $ra = $this->runInfo($a);
        $rb = $this->runInfo($b);
        /* Sites match by file, line, function, opcode and callee. */
        $q = "SELECT file, line, function, coalesce(opcode, '') AS opcode, coalesce(callee, '') AS callee, kind,"
            . ' ' . self::sum('alloc_bytes') . ' AS alloc_bytes, ' . self::sum('alloc_count') . ' AS alloc_count, '
            . self::sum('live_bytes') . ' AS live_bytes, ' . self::sum('peak_live_bytes') . ' AS peak_live_bytes, ' . self::sum('leak_bytes') . ' AS leak_bytes'
            . " FROM {$this->siteRows()} WHERE run_id = :run AND " . self::OBSERVED . " AND " . self::valid('mm_sites')
            . ' GROUP BY file, line, function, opcode, callee';
        $key = fn($r) => "{$r['file']}\0{$r['line']}\0{$r['function']}\0{$r['opcode']}\0{$r['callee']}";
        $rows = [];
        foreach (['a' => $a, 'b' => $b] as $side => $id) {
            foreach ($this->rows($q, [':run' => $id]) as $r) {
                $k = $key($r);
                $rows[$k] ??= ['file' => $r['file'], 'line' => $r['line'], 'function' => $r['function'], 'opcode' => $r['opcode'],
                    'callee' => $r['callee'], 'kind' => $r['kind']];
                foreach (['alloc_bytes', 'alloc_count', 'live_bytes', 'peak_live_bytes', 'leak_bytes'] as $m) {
                    $rows[$k]["{$m}_$side"] = (int) $r[$m];
                }
            }
        }
        $metric = self::SORTS[$this->sort];
        foreach ($rows as &$r) {
            foreach (['alloc_bytes', 'alloc_count', 'live_bytes', 'peak_live_bytes', 'leak_bytes'] as $m) {
                $r["{$m}_a"] ??= 0;
                $r["{$m}_b"] ??= 0;
                $r["{$m}_delta"] = MmText::int($r["{$m}_b"] - $r["{$m}_a"]);
            }
        }
        unset($r);
        $rows = array_values(array_filter($rows, fn($r) => $r['alloc_bytes_delta'] || $r['alloc_count_delta'] || $r['live_bytes_delta'] || $r['peak_live_bytes_delta'] || $r['leak_bytes_delta']));
        usort($rows, fn($x, $y) => [abs($y["{$metric}_delta"]), $x['file'], $x['line']] <=> [abs($x["{$metric}_delta"]), $y['file'], $y['line']]);
        $rows = $this->limit($rows, MM_REPORT_DEFAULT_TOP);
        if ($this->format === 'json') {
            return MmReportFormat::json(['database' => $this->path, 'a' => $a, 'b' => $b, 'sort' => $this->sort, 'rows' => $rows]);
        }
        if ($this->format === 'csv') {
            return MmReportFormat::csv($rows);
        }
        $out = sprintf("Diff of runs %d and %d of %s\n", $a, $b, MmText::text($this->path))
            . sprintf("  run %d: %s, %s, peak %s, allocated %s\n", $a, MmText::text($ra['script']), MmText::text($ra['status']), MmText::bytes($ra['peak_usage']), MmText::bytes($ra['alloc_bytes']))
            . sprintf("  run %d: %s, %s, peak %s, allocated %s\n", $b, MmText::text($rb['script']), MmText::text($rb['status']), MmText::bytes($rb['peak_usage']), MmText::bytes($rb['alloc_bytes']))
            . sprintf("\nTop %d sites by change in %s (B - A)\n", count($rows), $metric);
        if (!$rows) {
            return $out . "  (no site changed)\n";
        }
        $out .= sprintf("  %11s %11s %11s %11s  %s\n", 'alloc A', 'alloc B', 'alloc B-A', 'live B-A', 'site');
        foreach ($rows as $r) {
            $out .= sprintf("  %11s %11s %11s %11s  %s\n", MmText::bytes($r['alloc_bytes_a']), MmText::bytes($r['alloc_bytes_b']),
                MmText::signed($r['alloc_bytes_delta']), MmText::signed($r['live_bytes_delta']), self::where($r, 'site'));
        }
        return $out;
    }

    /* ---- units ----------------------------------------------------------- */

    private static function durationMs(?string $from, ?string $to): ?float
    {
        if ($from === null || $to === null) {
            return null;
        }
        $f = DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', $from, new DateTimeZone('UTC'));
        $t = DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', $to, new DateTimeZone('UTC'));
        if (!$f || !$t) {
            return null;
        }
        return ((float) $t->format('U.u') - (float) $f->format('U.u')) * 1000;
    }
}
