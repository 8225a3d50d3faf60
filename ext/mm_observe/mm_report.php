<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-report                                          |
   +----------------------------------------------------------------------+

   The program behind `php --mm-report FILE.sqlite [options]`.  It is
   compiled into the binary (ext/mm_observe/Makefile.frag turns this file
   into php_mm_report_code.h, minus this first line's open tag) and run by
   the CLI like -r code, with $argv = ['--mm-report', FILE, options...].
   It reads the documented views only (mm_runs, mm_sites, mm_gc_runs; from
   schema version 3 mm_snapshots, mm_snapshot_sites, mm_samples; from
   version 5 mm_endpoint_windows, mm_endpoint_sites), with ext/sqlite3,
   read-only.

   A database is another user's file as much as ours: names in it are
   escaped before any output (text()), its tables and views must be the
   ones mm_observe creates (checkObjects()), and a row whose figures are
   not integers within +-MAX_FIGURE, or that lacks a name, is left out of
   every sum and said once on stderr: "mm-report: skipped N row(s) of run
   R that are not valid (...)".  Sums are taken with total(), cast back to
   an integer, so no row can make SQLite's sum() overflow and fail the
   whole report.

   Output goes to stdout or --output FILE; errors are one line on stderr,
   "mm-report: ...", with exit status 1.  Every format writes the same rows:
   the run's sites grouped by --by (line, site, function, file), sorted by
   --sort, the first --top of them (all of them for the export formats
   unless --top is given).  --by uri is a report of its own: every request
   of a worker (php-fpm, php -S, ...) summed per endpoint, over all runs.
*/

final class MmReportError extends Exception {}

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
  --by line|site|function|file    how to group sites (default: line)
  --by uri                per endpoint (method and URI) of a worker (php-fpm,
                          php -S), every request of the database: requests,
                          time, bytes allocated, peak, bytes live at the end
  --uri TEXT              with --by uri: only the URIs that contain TEXT
  --sort alloc|live|peak|count    order (default: alloc; --by uri: allocated
                          bytes, bytes live at the end per request, highest
                          peak, allocations)
  --top N                 rows to show (default: 20 in the table)
  --format table|json|csv|collapsed|pprof|callgrind|html  (default: table;
                          --diff, --snapshots, --growth, --by uri: table, json or csv)
  --output FILE           write there instead of stdout
  --runs                  list the runs of the database

TXT;
    private const SEE_HELP = ' (see php --mm-report --help)';
    /** The tables read (directly or through VIEWS). */
    private const TABLES = ['mm_runs', 'mm_strings', 'mm_site_counters', 'mm_gc_passes', 'mm_snapshots', 'mm_snapshot_counters',
        'mm_samples', 'mm_endpoint_windows', 'mm_endpoint_site_counters'];
    /** The views read, with their SQL as sqlite_master keeps it (kSchema in php_mm_export.c). */
    private const VIEWS = [
        'mm_sites' => 'CREATE VIEW mm_sites AS SELECT'
            . ' c.run_id, c.site_id, c.kind, f.str AS file, c.line, fn.str AS function,'
            . ' op.str AS opcode, ca.str AS callee, c.flags,'
            . ' c.alloc_count, c.alloc_bytes, c.free_count, c.free_bytes, c.realloc_count,'
            . ' c.live_count, c.live_bytes, c.peak_live_bytes, c.leak_count, c.leak_bytes,'
            . ' c.gc_alloc_count, c.gc_alloc_bytes, c.gc_free_count, c.gc_free_bytes'
            . ' FROM mm_site_counters c'
            . ' JOIN mm_strings f ON f.str_id = c.file_id'
            . ' JOIN mm_strings fn ON fn.str_id = c.function_id'
            . ' LEFT JOIN mm_strings op ON op.str_id = c.opcode_id'
            . ' LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id',
        'mm_gc_runs' => 'CREATE VIEW mm_gc_runs AS SELECT'
            . ' g.run_id, g.seq, g.call, g.rerun, g.aborted, g.trigger, f.str AS file, g.line, fn.str AS function,'
            . ' g.roots, g.collected, g.buffer_size, g.threshold_before, g.threshold_after,'
            . ' g.mem_before, g.mem_after, g.started_ns, g.mark_ns, g.scan_ns, g.collect_ns,'
            . ' g.destructor_ns, g.free_ns, g.compact_ns, g.total_ns'
            . ' FROM mm_gc_passes g'
            . ' JOIN mm_strings f ON f.str_id = g.file_id'
            . ' JOIN mm_strings fn ON fn.str_id = g.function_id',
        'mm_snapshot_sites' => 'CREATE VIEW mm_snapshot_sites AS SELECT'
            . ' c.run_id, c.snapshot_id, n.label, s.file, s.line, s.function,'
            . ' c.alloc_count, c.alloc_bytes, c.live_count, c.live_bytes, s.callee, s.opcode, s.site_id'
            . ' FROM mm_snapshot_counters c'
            . ' JOIN mm_snapshots n ON n.run_id = c.run_id AND n.snapshot_id = c.snapshot_id'
            . ' JOIN mm_sites s ON s.run_id = c.run_id AND s.site_id = c.site_id',
        'mm_endpoint_sites' => 'CREATE VIEW mm_endpoint_sites AS SELECT'
            . ' c.window_start, c.method, c.uri, c.kind, f.str AS file, c.line, fn.str AS function,'
            . ' op.str AS opcode, ca.str AS callee, c.requests, c.alloc_count, c.alloc_bytes, c.realloc_count,'
            . ' c.leak_count, c.leak_bytes, c.peak_live_bytes'
            . ' FROM mm_endpoint_site_counters c'
            . ' JOIN mm_strings f ON f.str_id = c.file_id'
            . ' JOIN mm_strings fn ON fn.str_id = c.function_id'
            . ' LEFT JOIN mm_strings op ON op.str_id = c.opcode_id'
            . ' LEFT JOIN mm_strings ca ON ca.str_id = c.callee_id',
    ];
    /** The tables and views above that schema version 2 lacks: the version that added them (the ring 3, worker mode 5). */
    private const SINCE = ['mm_snapshots' => 3, 'mm_snapshot_counters' => 3, 'mm_samples' => 3, 'mm_snapshot_sites' => 3,
        'mm_endpoint_windows' => 5, 'mm_endpoint_site_counters' => 5, 'mm_endpoint_sites' => 5];
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
    private const SOURCE_MAX_BYTES = 10 << 20;
    private const SORTS = ['alloc' => 'alloc_bytes', 'live' => 'live_bytes', 'peak' => 'peak_live_bytes', 'count' => 'alloc_count'];
    /**
     * --by uri: per --sort, the endpoint figure that orders the endpoints
     * and the site figure that picks each one's top sites (summed over the
     * endpoint's requests).  live: what a request still holds at the end of
     * the script, per request, so that an endpoint that leaks is not
     * outranked by one that is merely called more often; peak: the highest
     * peak of one request, and what the sites held at the requests' peaks.
     */
    private const URI_SORTS = ['alloc' => ['alloc_bytes', 'alloc_bytes'], 'live' => ['end_live_bytes_per_request', 'leak_bytes'],
        'peak' => ['peak_max', 'peak_live_bytes'], 'count' => ['alloc_count', 'alloc_count']];
    /** --by uri: the sites shown under each endpoint. */
    private const URI_TOP_SITES = 3;
    private const BYS = ['line', 'site', 'function', 'file', 'uri'];
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
    private bool $listSnapshots = false;
    /** --growth: [] for the run's first and last snapshot, or [A, B]. */
    private ?array $growth = null;
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
            fwrite(STDERR, 'mm-report: ' . self::text($e->getMessage()) . "\n");
            return 1;
        } catch (Throwable $e) {
            /* Never a stack trace and exit status 255. */
            fwrite(STDERR, 'mm-report: internal error: ' . self::text($e->getMessage()) . "\n");
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
                    fwrite(STDOUT, self::USAGE);
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
            '--snapshots' => $this->listSnapshots, '--growth' => $this->growth !== null, '--by uri' => $this->by === 'uri']));
        if (count($modes) > 1) {
            throw new MmReportError(implode(' and ', $modes) . ' are separate reports: give one');
        }
        if (in_array($modes[0] ?? null, ['--diff', '--snapshots', '--growth', '--by uri'], true) && !in_array($this->format, ['table', 'json', 'csv'], true)) {
            throw new MmReportError("{$modes[0]} writes table, json or csv, not {$this->format}");
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
        /* A relative name gets './': 'ftp://x' names a local file here, as it does for SQLite. */
        $p = str_starts_with($this->path, '/') ? $this->path : './' . $this->path;
        $shown = $this->path;
        if (!class_exists('SQLite3')) {
            throw new MmReportError('this PHP has no sqlite3 extension, which reading the report needs');
        }
        if (!file_exists($p)) {
            throw new MmReportError("'$shown': no such file");
        }
        if (!is_file($p)) {
            throw new MmReportError("'$shown' is not a regular file");
        }
        if (!is_readable($p)) {
            throw new MmReportError("'$shown' is not readable");
        }
        if (filesize($p) === 0) {
            throw new MmReportError("'$shown' is empty: no runs recorded");
        }
        if (file_get_contents($p, false, null, 0, 16) !== "SQLite format 3\0") {
            throw new MmReportError("'$shown' is not a SQLite database");
        }
        try {
            $this->db = new SQLite3($p, SQLITE3_OPEN_READONLY);
            $this->db->enableExceptions(true);
            $this->db->busyTimeout(10000);
            /* Defence in depth under the schema check below: functions with
             * side effects are not run from the schema, and no statement
             * may do more than read (a recursive CTE never ends). */
            $this->db->exec('PRAGMA trusted_schema = OFF; PRAGMA query_only = ON');
            $this->db->setAuthorizer(static fn(int $action): int => in_array($action,
                [SQLite3::SELECT, SQLite3::READ, SQLite3::FUNCTION, SQLite3::PRAGMA, SQLite3::TRANSACTION], true) ? SQLite3::OK : SQLite3::DENY);
            /* The identity and the objects, from one state of the file. */
            $this->db->exec('BEGIN');
            $app = (int) $this->db->querySingle('PRAGMA application_id');
            $this->version = (int) $this->db->querySingle('PRAGMA user_version');
            $objects = [];
            $res = $this->db->query("SELECT type, lower(name) AS name, sql FROM sqlite_master WHERE type IN ('table', 'view')");
            while ($o = $res->fetchArray(SQLITE3_ASSOC)) {
                $objects[$o['name']] = $o;
            }
            $this->db->exec('COMMIT');
        } catch (Exception $e) {
            throw new MmReportError("'$shown' cannot be read: " . $e->getMessage());
        }
        if ($app !== 0x6D6D6F62) {
            throw new MmReportError("'$shown' is not an mm_observe report database (application_id " . sprintf('0x%08X', $app) . ')');
        }
        if ($this->version > 5) {
            throw new MmReportError("'$shown' has schema version {$this->version}; this PHP reads up to version 5");
        }
        if ($this->version < 2) {
            throw new MmReportError("'$shown' has schema version {$this->version}; record one run with this PHP to upgrade it in place");
        }
        $this->checkObjects($objects);
    }

    /**
     * The tables and views this program reads must be the ones mm_observe
     * creates: a file with our application_id is still a file anyone may
     * have written, and an mm_runs turned into a recursive view would keep
     * the report busy forever.  A table must be an ordinary table; a view
     * must have exactly the SQL of kSchema (php_mm_export.c), which
     * sqlite_master keeps as "CREATE VIEW name AS ..." followed by the text
     * as written.  A view has the same SQL in every schema version that
     * has it; an object of a later version (SINCE) is not looked for in
     * an older database.
     */
    private function checkObjects(array $objects): void
    {
        $has = fn(string $name): bool => $this->version >= (self::SINCE[$name] ?? 2);
        $tables = array_filter(self::TABLES, $has);
        $views = array_filter(self::VIEWS, $has, ARRAY_FILTER_USE_KEY);
        foreach ($tables as $name) {
            $o = $objects[$name] ?? null;
            if ($o === null || $o['type'] !== 'table' || !str_starts_with((string) $o['sql'], 'CREATE TABLE ')) {
                throw new MmReportError("'{$this->path}': $name is " . ($o === null ? 'missing' : "not mm_observe's table (a {$o['type']})")
                    . '; refusing to read a database that was changed by hand');
            }
        }
        foreach ($views as $name => $sql) {
            $o = $objects[$name] ?? null;
            if ($o === null || $o['type'] !== 'view' || $o['sql'] !== $sql) {
                throw new MmReportError("'{$this->path}': $name is " . ($o === null ? 'missing' : "not mm_observe's view"
                    . ($o['type'] === 'view' ? ' (its SQL differs)' : " (a {$o['type']})")) . '; refusing to read a database that was changed by hand');
            }
        }
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
        foreach ($this->rows("SELECT run_id, count(*) AS n FROM $view WHERE $where NOT " . self::valid($view) . ' GROUP BY run_id',
                $run === null ? [] : [':run' => $run]) as $r) {
            $this->skipped[self::text($r['run_id'])][$view] = $r['n'];
        }
    }

    /** mm_runs figures that are not integers in range become NULL (as when the run did not record them), named once. */
    private function cleanRun(array $r): array
    {
        foreach (self::RUN_FIGURES as $col => $lo) {
            $v = $r[$col] ?? null;
            if ($v !== null && !(is_int($v) && $v >= $lo && $v <= self::MAX_FIGURE)) {
                $this->badFigures[self::text($r['run_id'])][$col] = $col;
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

    private function runInfo(?int $id): array
    {
        $ids = $this->rows('SELECT min(run_id) AS lo, max(run_id) AS hi, count(*) AS n FROM mm_runs')[0];
        if ((int) $ids['n'] === 0) {
            throw new MmReportError("'{$this->path}' has no runs");
        }
        /* The last run with per-site detail: in a worker's database most
         * runs are summary rows (mm_runs.detail NULL, schema 5). */
        $id ??= $this->version >= 5
            ? (int) ($this->rows("SELECT max(run_id) AS id FROM mm_runs WHERE detail IS NOT NULL AND detail <> 'rolled_up'")[0]['id'] ?? $ids['hi'])
            : (int) $ids['hi'];
        /* Schema version 2 has neither snapshots nor samples (nor the ring's mm_runs columns). */
        $ring = $this->version >= 3 ? ', (SELECT count(*) FROM mm_snapshots n WHERE n.run_id = r.run_id AND ' . self::valid('mm_snapshots', 'n') . ') AS snapshots,'
            . ' (SELECT count(*) FROM mm_samples m WHERE m.run_id = r.run_id AND ' . self::valid('mm_samples', 'm') . ') AS samples' : '';
        /* mm_run_totals' figures, over valid rows. */
        $r = $this->rows('SELECT r.*, t.alloc_count, t.alloc_bytes, t.free_bytes, t.live_count, t.live_bytes, t.leak_bytes,'
            . " g.gc_runs, g.gc_collected, g.gc_ns, g.gc_max_ns$ring FROM mm_runs r,"
            . ' (SELECT ' . self::sum('alloc_count') . ' AS alloc_count, ' . self::sum('alloc_bytes') . ' AS alloc_bytes, '
            . self::sum('free_bytes') . ' AS free_bytes, ' . self::sum('live_count') . ' AS live_count, '
            . self::sum('live_bytes') . ' AS live_bytes, ' . self::sum('leak_bytes') . ' AS leak_bytes'
            . "  FROM mm_sites WHERE run_id = :id AND NOT (kind = 'pseudo' AND function = '{unobserved}') AND " . self::valid('mm_sites') . ') t,'
            . ' (SELECT count(*) AS gc_runs, ' . self::sum('collected') . ' AS gc_collected, ' . self::sum('total_ns') . ' AS gc_ns,'
            . '  max(total_ns) AS gc_max_ns FROM mm_gc_runs WHERE run_id = :id AND ' . self::valid('mm_gc_runs') . ') g'
            . ' WHERE r.run_id = :id', [':id' => $id]);
        if (!$r) {
            throw new MmReportError("'{$this->path}' has no run $id (it has {$ids['n']} run(s), ids {$ids['lo']} to {$ids['hi']})");
        }
        foreach ($this->version >= 3 ? ['mm_sites', 'mm_gc_runs', 'mm_snapshots', 'mm_samples'] : ['mm_sites', 'mm_gc_runs'] as $view) {
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
            ['alloc_count', 'alloc_bytes', 'free_count', 'free_bytes', 'live_count', 'live_bytes', 'peak_live_bytes', 'leak_bytes']));
        return $this->rows("SELECT $cols, kind, $sums"
            . " FROM mm_sites WHERE run_id = :run AND NOT (kind = 'pseudo' AND function = '{unobserved}') AND " . self::valid('mm_sites')
            . " GROUP BY $key HAVING total(alloc_count) > 0 OR total(live_bytes) <> 0"
            . " ORDER BY $order DESC, alloc_count DESC, file, line", [':run' => $run]);
    }

    /** The run's snapshots, oldest first (none before schema version 3). */
    private function snapshots(int $run): array
    {
        return $this->version < 3 ? [] : $this->rows('SELECT snapshot_id, label, t_ns, usage FROM mm_snapshots'
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
            . " WHERE NOT (kind = 'pseudo' AND function = '{unobserved}')"
            . " GROUP BY $key HAVING live_bytes_growth <> 0 OR live_count_growth <> 0"
            . ' ORDER BY live_bytes_growth DESC, live_count_growth DESC, file, line', [':run' => $run, ':a' => $a, ':b' => $b]);
    }

    /** Per site (the finest grain), for the stack formats. */
    private function sites(int $run): array
    {
        $order = self::SORTS[$this->sort];
        return $this->rows("SELECT site_id, kind, file, line, function, coalesce(opcode, '') AS opcode,"
            . " coalesce(callee, '') AS callee, alloc_count, alloc_bytes, live_count, live_bytes, peak_live_bytes"
            . " FROM mm_sites WHERE run_id = :run AND NOT (kind = 'pseudo' AND function = '{unobserved}') AND " . self::valid('mm_sites')
            . " AND (alloc_count > 0 OR live_bytes <> 0) ORDER BY $order DESC, site_id", [':run' => $run]);
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
        if ($this->version < 5) {
            throw new MmReportError("'{$this->path}' has no per-endpoint figures: it has schema version {$this->version},"
                . ' and requests are summed per endpoint from version 5 on (those of php-fpm, php -S, ... that this PHP records)');
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
        return match ($this->format) {
            'table' => $this->renderTable($run, $this->limit($this->grouped($id), 20)),
            'json' => $this->renderJson($run, $this->limit($this->grouped($id), 20)),
            'csv' => self::csv($this->limit($this->grouped($id), 20)),
            'collapsed' => $this->renderCollapsed($this->limit($this->sites($id), 20)),
            'pprof' => MmReportPprof::encode($run, $this->limit($this->sites($id), 20)),
            'callgrind' => $this->renderCallgrind($run, $this->limit($this->sites($id), 20)),
            'html' => MmReportHtml::render($run, ...$this->htmlRows($id)),
        };
    }

    /**
     * The HTML page needs every site (flame graphs) and the top rows: the
     * rows are grouped here from the sites rather than by a second query,
     * which keeps a 50 000-site run under a second.
     */
    private function htmlRows(int $id): array
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
                $groups[$key]['alloc_count'] = $groups[$key]['alloc_bytes'] = $groups[$key]['live_bytes'] = $groups[$key]['peak_live_bytes'] = 0;
                if ($this->by !== 'site' && !($this->by === 'function')) {
                    $groups[$key]['callee'] = $groups[$key]['opcode'] = '';
                }
                if ($this->by === 'line' && !$pseudo) {
                    $groups[$key]['function'] = '';
                }
            }
            foreach (['alloc_count', 'alloc_bytes', 'live_bytes', 'peak_live_bytes'] as $m) {
                $groups[$key][$m] = self::int($groups[$key][$m] + $s[$m]);
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
        $samples = $this->version < 3 ? [] : $this->rows('SELECT t_ns, usage, peak FROM mm_samples WHERE run_id = :id AND ' . self::valid('mm_samples')
            . ' ORDER BY seq', [':id' => $id]);
        return [$this->limit($groups, 30), $sites, $gc, $samples, $this->snapshots($id), $this->by, $this->sort];
    }

    private function renderRuns(): string
    {
        $request = $this->version >= 3 ? 'r.request_method, r.request_uri' : 'NULL AS request_method, NULL AS request_uri';
        /* A worker's request without its per-site detail (schema version
         * 5, mm_runs.detail NULL or 'rolled_up') has no sites: its row
         * carries what it allocated. */
        $own = $this->version >= 5 ? 'r.alloc_bytes' : 'NULL';
        $rows = $this->rows("SELECT r.run_id, r.started_at, r.status, r.sapi, r.script, r.peak_usage, coalesce(t.alloc_bytes, $own, 0) AS alloc_bytes,"
            . " r.test_path, $request FROM mm_runs r LEFT JOIN (SELECT run_id, " . self::sum('alloc_bytes') . ' AS alloc_bytes FROM mm_sites'
            . " WHERE NOT (kind = 'pseudo' AND function = '{unobserved}') AND " . self::valid('mm_sites') . ' GROUP BY run_id) t'
            . ' ON t.run_id = r.run_id ORDER BY r.run_id');
        if (!$rows) {
            throw new MmReportError("'{$this->path}' has no runs");
        }
        $this->countInvalid('mm_sites');
        $rows = array_map($this->cleanRun(...), $rows);
        $out = sprintf("%6s  %-24s  %-7s  %10s  %10s  %s\n", 'run', 'started', 'status', 'peak', 'allocated', 'script');
        foreach ($rows as $r) {
            $out .= sprintf("%6d  %-24s  %-7s  %10s  %10s  %s\n", $r['run_id'], self::text($r['started_at']), self::text($r['status']),
                self::bytes($r['peak_usage']), self::bytes($r['alloc_bytes']), self::text($r['test_path'] ?? $r['script'])
                . ($r['request_method'] !== null ? ' (' . self::text($r['request_method']) . ' ' . self::text($r['request_uri']) . ')' : ''));
        }
        return $out;
    }

    /** --by uri: which endpoint allocates, peaks, or keeps memory at the end of its requests (grows or leaks in a worker). */
    private function renderEndpoints(): string
    {
        $all = $this->endpointRows();
        $rows = $this->limit($all, 20);
        if ($this->format === 'csv') {
            return self::csv($rows);
        }
        $sites = $this->endpointSites();
        $key = fn(array $r) => "{$r['method']}\0{$r['uri']}";
        if ($this->format === 'json') {
            foreach ($rows as &$r) {
                $r['sites'] = $sites[$key($r)] ?? [];
            }
            unset($r);
            return self::json(['database' => $this->path, 'by' => 'uri', 'sort' => $this->sort, 'uri' => $this->uri, 'rows' => $rows]);
        }
        $when = fn(string $col, callable $pick) => gmdate('Y-m-d\TH:i:s\Z', $pick(array_column($all, $col)));
        $what = ['alloc' => 'allocated bytes', 'live' => 'bytes live at the end of the script per request', 'peak' => 'highest peak',
            'count' => 'allocations'][$this->sort];
        $siteWhat = ['alloc' => 'allocated bytes', 'live' => 'bytes live at the end', 'peak' => "bytes live at the requests' peaks", 'count' => 'allocations'][$this->sort];
        $out = sprintf("Endpoints of %s: %s request(s) to %d endpoint(s)%s, in windows from %s to %s\n", self::text($this->path),
                number_format(array_sum(array_column($all, 'requests'))), count($all),
                $this->uri !== null ? ' whose URI contains "' . self::text($this->uri) . '"' : '', $when('first_window', min(...)), $when('last_window', max(...)))
            . "\nTop " . count($rows) . " endpoints by $what; under each, its top " . self::URI_TOP_SITES . " sites by $siteWhat (all its requests)\n"
            . sprintf("  %9s %7s %8s %12s %12s %10s %10s %10s %10s %10s  %s\n", 'requests', 'errors', 'detailed', 'avg time', 'max time',
                'allocated', 'alloc/req', 'peak avg', 'peak max', 'live/req', 'endpoint');
        $metric = self::URI_SORTS[$this->sort][1];
        foreach ($rows as $r) {
            $out .= sprintf("  %9s %7s %8s %12s %12s %10s %10s %10s %10s %10s  %s\n", number_format($r['requests']), number_format($r['errors']),
                number_format($r['detailed']), self::ms($r['duration_avg_ns']), self::ms($r['duration_max_ns']), self::bytes($r['alloc_bytes']),
                self::bytes($r['alloc_bytes_per_request']), self::bytes($r['peak_avg']), self::bytes($r['peak_max']),
                self::bytes($r['end_live_bytes_per_request']), self::text(ltrim("{$r['method']} {$r['uri']}")));
            foreach ($sites[$key($r)] ?? [] as $s) {
                $t = array_map(self::text(...), $s);
                $out .= '      ' . ($s['kind'] === 'pseudo' ? $t['function'] : "{$t['file']}:{$t['line']}"
                    . ($s['kind'] === 'compile' ? ' (compiling)' : '') . " {$t['function']}") . ($s['callee'] !== '' ? " ({$t['callee']})" : '')
                    . ' ' . ($metric === 'alloc_count' ? number_format($s[$metric]) . ' blocks' : self::bytes($s[$metric])) . "\n";
            }
        }
        return $out;
    }

    private function summary(array $run): string
    {
        $dur = self::durationMs($run['started_at'], $run['ended_at']);
        $gc = (int) $run['gc_runs'] > 0
            ? sprintf('%d run(s), %s total pause, longest %s, %d collected', $run['gc_runs'],
                self::ms((int) $run['gc_ns']), self::ms((int) $run['gc_max_ns']), $run['gc_collected'])
            : 'no runs';
        /* The ring's figures (schema version 3), when there are any. */
        $ring = array_filter([
            (int) ($run['samples'] ?? 0) > 0 ? "{$run['samples']} sample(s)" : null,
            (int) ($run['snapshots'] ?? 0) > 0 ? "{$run['snapshots']} snapshot(s)" : null,
            (int) ($run['flushes'] ?? 0) > 0 ? sprintf('%d flush(es), %s total pause, longest %s', $run['flushes'],
                self::ms((int) $run['flush_ns']), self::ms((int) $run['flush_max_ns'])) : null,
        ]);
        $lost = (int) ($run['events_lost'] ?? 0);
        $t = array_map(self::text(...), $run);
        return sprintf("Run %d of %s\n", $run['run_id'], self::text($this->path))
            . sprintf("  script    %s (%s, PHP %s, pid %d)%s\n", $t['script'], $t['sapi'], $t['php_version'], $run['pid'],
                $run['test_path'] !== null ? "\n  test      {$t['test_path']}: {$t['test_title']} [{$t['test_result']}]" : '')
            . (($run['request_method'] ?? null) !== null ? "  request   {$t['request_method']} {$t['request_uri']}\n" : '')
            . sprintf("  status    %s, exit status %s%s\n", $t['status'], $run['exit_status'] === null ? '-' : $t['exit_status'],
                ($run['imported_at'] ?? null) !== null ? "; imported from a crash ring at {$t['imported_at']}" : '')
            . sprintf("  started   %s, duration %s\n", $t['started_at'], $dur === null ? 'unknown (the run did not end)' : sprintf('%.1f ms', $dur))
            . sprintf("  memory    peak %s; allocated %s in %s blocks; live at the end %s\n", self::bytes($run['peak_usage']),
                self::bytes($run['alloc_bytes']), number_format((int) $run['alloc_count']), self::bytes($run['live_bytes']))
            . sprintf("  GC        %s\n", $gc)
            . ($ring ? '  ring      ' . implode('; ', $ring) . "\n" : '')
            . ($lost > 0 ? "  warning   $lost ring records lost (the ring was full): raise zend.mm_observe_ring_size\n" : '');
    }

    private function renderTable(array $run, array $rows): string
    {
        $what = ['alloc' => 'allocated bytes', 'live' => 'live bytes', 'peak' => 'live bytes at the peak', 'count' => 'allocations'][$this->sort];
        $out = $this->summary($run) . "\nTop " . count($rows) . " {$this->by}s by $what\n";
        if (!$rows) {
            return $out . "  (no allocations recorded)\n";
        }
        $out .= sprintf("  %10s %9s %10s %10s  %s\n", 'allocated', 'count', 'live', 'peak live', $this->by);
        $sources = [];
        foreach ($rows as $r) {
            $where = self::where($r, $this->by);
            $out .= sprintf("  %10s %9s %10s %10s  %s\n", self::bytes($r['alloc_bytes']), number_format((int) $r['alloc_count']),
                self::bytes($r['live_bytes']), self::bytes($r['peak_live_bytes']), $where) . $this->sourceNote($r, $sources);
        }
        return $out;
    }

    /** Grouped by line: the row's source line, under its figures (42 columns wide). */
    private function sourceNote(array $r, array &$sources): string
    {
        if ($this->by !== 'line' || $r['kind'] === 'pseudo' || (int) $r['line'] <= 0) {
            return '';
        }
        $text = self::sourceLine($r['file'], (int) $r['line'], $sources);
        return $text === null ? '' : sprintf("  %42s  | %s\n", '', self::text($text));
    }

    private function renderSnapshots(int $run): string
    {
        $snaps = $this->snapshots($run);
        if ($this->format === 'json') {
            return self::json(['database' => $this->path, 'run' => $run, 'snapshots' => $snaps]);
        }
        if ($this->format === 'csv') {
            return self::csv($snaps);
        }
        $out = sprintf("Snapshots of run %d of %s\n", $run, self::text($this->path));
        if (!$snaps) {
            return $out . "  (none: call mm_observe_snapshot() in the script)\n";
        }
        $out .= sprintf("  %6s %12s %10s  %s\n", 'id', 'time', 'usage', 'label');
        foreach ($snaps as $s) {
            $out .= sprintf("  %6d %12s %10s  %s\n", $s['snapshot_id'], self::ms((int) $s['t_ns']), self::bytes($s['usage']), self::text($s['label']));
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
        $rows = $this->limit($this->growthRows($id, $a, $b), 20);
        if ($this->format === 'json') {
            return self::json(['database' => $this->path, 'run' => $id, 'by' => $this->by, 'a' => $snaps[$a], 'b' => $snaps[$b],
                'rows' => self::typed($rows)]);
        }
        if ($this->format === 'csv') {
            return self::csv($rows);
        }
        [$sa, $sb] = [$snaps[$a], $snaps[$b]];
        $out = sprintf("Growth in run %d of %s (%s)\n", $id, self::text($this->path), self::text($run['test_path'] ?? $run['script']))
            . sprintf("  A  snapshot %d \"%s\" at %s, usage %s\n", $a, self::text($sa['label']), self::ms((int) $sa['t_ns']), self::bytes($sa['usage']))
            . sprintf("  B  snapshot %d \"%s\" at %s, usage %s (%s)\n", $b, self::text($sb['label']), self::ms((int) $sb['t_ns']), self::bytes($sb['usage']),
                self::signed((int) $sb['usage'] - (int) $sa['usage']))
            . "\nTop " . count($rows) . " {$this->by}s by growth of live bytes (B - A)\n";
        if (!$rows) {
            return $out . "  (no live bytes or blocks changed)\n";
        }
        $out .= sprintf("  %10s %10s %11s %8s  %s\n", 'live A', 'live B', 'growth', 'blocks', $this->by);
        $sources = [];
        foreach ($rows as $r) {
            $blocks = (int) $r['live_count_growth'];
            $out .= sprintf("  %10s %10s %11s %8s  %s\n", self::bytes($r['live_bytes_a']), self::bytes($r['live_bytes_b']),
                self::signed((int) $r['live_bytes_growth']), ($blocks > 0 ? '+' : '') . number_format($blocks), self::where($r, $this->by))
                . $this->sourceNote($r, $sources);
        }
        return $out;
    }

    private static function where(array $r, string $by): string
    {
        $r = array_map(self::text(...), $r);
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

    private static function sourceLine(string $file, int $line, array &$cache): ?string
    {
        if (!array_key_exists($file, $cache)) {
            $cache[$file] = self::sourceLines($file);
        }
        $lines = $cache[$file];
        if ($lines === false || !isset($lines[$line - 1])) {
            return null;
        }
        $t = trim($lines[$line - 1]);
        return mb_strlen($t) > 100 ? mb_substr($t, 0, 97) . '...' : $t;
    }

    /**
     * The lines of the source file named $file, or false.  The name comes
     * from the database, so it is opened only if it is an absolute local
     * path (a leading '/' never selects a stream wrapper: no ftp://,
     * php://, data:, phar://), said explicitly with file://, and read only
     * if it is a regular file (a FIFO would block, a device never end) of
     * at most SOURCE_MAX_BYTES.  The open is non-blocking ('n'), so a FIFO
     * swapped in after the is_file() check is seen by fstat(), not waited on.
     */
    private static function sourceLines(string $file): array|false
    {
        if (!str_starts_with($file, '/') || str_contains($file, "\0") || !is_file($file)) {
            return false;
        }
        $fh = @fopen('file://' . $file, 'rn');
        if ($fh === false) {
            return false;
        }
        $st = fstat($fh);
        $data = $st !== false && ($st['mode'] & 0170000) === 0100000 && $st['size'] <= self::SOURCE_MAX_BYTES
            ? stream_get_contents($fh, self::SOURCE_MAX_BYTES + 1) : false;
        fclose($fh);
        if ($data === false || strlen($data) > self::SOURCE_MAX_BYTES) {
            return false;
        }
        $lines = explode("\n", $data);
        if (end($lines) === '') {
            array_pop($lines);
        }
        return $lines;
    }

    private function renderJson(array $run, array $rows): string
    {
        $runOut = [];
        foreach ($run as $k => $v) {
            $runOut[$k] = is_string($v) && is_numeric($v) && !str_contains($k, '_at') ? $v + 0 : $v;
        }
        return self::json(['database' => $this->path, 'run' => $runOut, 'by' => $this->by, 'sort' => $this->sort, 'rows' => self::typed($rows)]);
    }

    /**
     * Pretty JSON, UTF-8 kept as is; text that is not UTF-8 becomes U+FFFD.
     * json_encode() escapes C0 controls; DEL and C1 controls (U+0080 to
     * U+009F, which some terminals obey) are escaped here: in valid UTF-8
     * output the byte 7F and the pairs C2 80 to C2 9F can only be those,
     * inside strings.
     */
    private static function json(array $doc): string
    {
        $json = json_encode($doc, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE | JSON_INVALID_UTF8_SUBSTITUTE);
        return preg_replace_callback('/\x7f|\xc2[\x80-\x9f]/', fn($m) => sprintf('\u%04x', ord($m[0][-1])), $json) . "\n";
    }

    private static function typed(array $rows): array
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

    private static function csv(array $rows): string
    {
        $f = fopen('php://memory', 'w+');
        if ($rows) {
            fputcsv($f, array_keys($rows[0]), ',', '"', '');
        }
        foreach ($rows as $r) {
            /* Quoting keeps the lines apart; escaping keeps a terminal safe. */
            fputcsv($f, array_map(fn($v) => is_string($v) ? self::text($v) : $v, $r), ',', '"', '');
        }
        rewind($f);
        return stream_get_contents($f);
    }

    /** Folded stacks (flamegraph.pl, speedscope): file;function;file:line[;callee] value. */
    private function renderCollapsed(array $sites): string
    {
        $metric = self::SORTS[$this->sort];
        $stacks = [];
        foreach ($sites as $s) {
            $v = (int) $s[$metric];
            if ($v <= 0) {
                continue;
            }
            /* One line per stack, frames split by ';': neither may occur in a frame. */
            $stack = implode(';', array_map(fn($f) => str_replace(';', ':', self::text($f)), self::frames($s)));
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
        $frames = [$s['file'], $s['function'], basename($s['file']) . ':' . $s['line']];
        if ($s['callee'] !== '') {
            $frames[] = $s['callee'] . '()';
        }
        return $frames;
    }

    /** KCachegrind / QCacheGrind: costs per line of each PHP function, calls to internal callees. */
    private function renderCallgrind(array $run, array $sites): string
    {
        $events = ['alloc_bytes' => 'AllocBytes', 'alloc_count' => 'AllocCount', 'live_bytes' => 'LiveBytes', 'peak_live_bytes' => 'PeakLiveBytes'];
        $ids = ['fl' => [], 'fn' => []];
        /* Names are compressed to ids; a name must not end its line early. */
        $name = function (string $kind, string $v) use (&$ids): string {
            if (isset($ids[$kind][$v])) {
                return "({$ids[$kind][$v]})";
            }
            $ids[$kind][$v] = count($ids[$kind]) + 1;
            return "({$ids[$kind][$v]}) " . self::text($v);
        };
        $byFn = [];
        foreach ($sites as $s) {
            $file = $s['kind'] === 'pseudo' ? '[engine]' : $s['file'];
            $byFn[$file][$s['function']][] = $s;
        }
        $totals = array_fill_keys(array_keys($events), 0);
        $out = "# callgrind format\nversion: 1\ncreator: mm_observe (php --mm-report)\n"
            . 'cmd: ' . self::text($run['script']) . "\npid: {$run['pid']}\npart: 1\npositions: line\n"
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

    private function renderDiff(int $a, int $b): string
    {
        $ra = $this->runInfo($a);
        $rb = $this->runInfo($b);
        /* Sites match by file, line, function, opcode and callee. */
        $q = "SELECT file, line, function, coalesce(opcode, '') AS opcode, coalesce(callee, '') AS callee, kind,"
            . ' ' . self::sum('alloc_bytes') . ' AS alloc_bytes, ' . self::sum('alloc_count') . ' AS alloc_count, '
            . self::sum('live_bytes') . ' AS live_bytes, ' . self::sum('peak_live_bytes') . ' AS peak_live_bytes'
            . " FROM mm_sites WHERE run_id = :run AND NOT (kind = 'pseudo' AND function = '{unobserved}') AND " . self::valid('mm_sites')
            . ' GROUP BY file, line, function, opcode, callee';
        $key = fn($r) => "{$r['file']}\0{$r['line']}\0{$r['function']}\0{$r['opcode']}\0{$r['callee']}";
        $rows = [];
        foreach (['a' => $a, 'b' => $b] as $side => $id) {
            foreach ($this->rows($q, [':run' => $id]) as $r) {
                $k = $key($r);
                $rows[$k] ??= ['file' => $r['file'], 'line' => $r['line'], 'function' => $r['function'], 'opcode' => $r['opcode'],
                    'callee' => $r['callee'], 'kind' => $r['kind']];
                foreach (['alloc_bytes', 'alloc_count', 'live_bytes', 'peak_live_bytes'] as $m) {
                    $rows[$k]["{$m}_$side"] = (int) $r[$m];
                }
            }
        }
        $metric = self::SORTS[$this->sort];
        foreach ($rows as &$r) {
            foreach (['alloc_bytes', 'alloc_count', 'live_bytes', 'peak_live_bytes'] as $m) {
                $r["{$m}_a"] ??= 0;
                $r["{$m}_b"] ??= 0;
                $r["{$m}_delta"] = self::int($r["{$m}_b"] - $r["{$m}_a"]);
            }
        }
        unset($r);
        $rows = array_values(array_filter($rows, fn($r) => $r['alloc_bytes_delta'] || $r['alloc_count_delta'] || $r['live_bytes_delta'] || $r['peak_live_bytes_delta']));
        usort($rows, fn($x, $y) => [abs($y["{$metric}_delta"]), $x['file'], $x['line']] <=> [abs($x["{$metric}_delta"]), $y['file'], $y['line']]);
        $rows = $this->limit($rows, 20);
        if ($this->format === 'json') {
            return self::json(['database' => $this->path, 'a' => $a, 'b' => $b, 'sort' => $this->sort, 'rows' => $rows]);
        }
        if ($this->format === 'csv') {
            return self::csv($rows);
        }
        $out = sprintf("Diff of runs %d and %d of %s\n", $a, $b, self::text($this->path))
            . sprintf("  run %d: %s, %s, peak %s, allocated %s\n", $a, self::text($ra['script']), self::text($ra['status']), self::bytes($ra['peak_usage']), self::bytes($ra['alloc_bytes']))
            . sprintf("  run %d: %s, %s, peak %s, allocated %s\n", $b, self::text($rb['script']), self::text($rb['status']), self::bytes($rb['peak_usage']), self::bytes($rb['alloc_bytes']))
            . sprintf("\nTop %d sites by change in %s (B - A)\n", count($rows), $metric);
        if (!$rows) {
            return $out . "  (no site changed)\n";
        }
        $out .= sprintf("  %11s %11s %11s %11s  %s\n", 'alloc A', 'alloc B', 'alloc B-A', 'live B-A', 'site');
        foreach ($rows as $r) {
            $out .= sprintf("  %11s %11s %11s %11s  %s\n", self::bytes($r['alloc_bytes_a']), self::bytes($r['alloc_bytes_b']),
                self::signed($r['alloc_bytes_delta']), self::signed($r['live_bytes_delta']), self::where($r, 'site'));
        }
        return $out;
    }

    /* ---- units ----------------------------------------------------------- */

    /**
     * $s made safe for a terminal and for line-based formats.  Names in a
     * database or a ring (files, functions, URIs, labels, tags) are written
     * by whoever ran the observed code, maybe another local user: C0
     * controls, DEL, C1 controls (U+0080 to U+009F) and bytes that are not
     * UTF-8 become visible escapes (\n, \r, \t, \x1b, \u{9b}, \xff).  Any
     * other text, backslashes included (namespaces), is kept byte for byte.
     * Every text output goes through here; JSON and pprof have their own
     * encodings.
     */
    public static function text(int|float|string|null $s): string
    {
        $s = (string) $s;
        if (!preg_match('/[\x00-\x1f\x7f-\xff]/', $s)) {
            return $s;
        }
        /* One alternative per unit: a control byte, a C1 control, a
         * well-formed UTF-8 sequence, or any other byte (not UTF-8). */
        return preg_replace_callback('/[\x00-\x1f\x7f]|\xc2[\x80-\x9f]|[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]'
            . '|[\xe1-\xec\xee\xef][\x80-\xbf]{2}|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}'
            . '|[\xf1-\xf3][\x80-\xbf]{3}|\xf4[\x80-\x8f][\x80-\xbf]{2}|[\x80-\xff]/', static function (array $m): string {
                $u = $m[0];
                if (strlen($u) === 1) {
                    return match ($u) {
                        "\n" => '\n',
                        "\r" => '\r',
                        "\t" => '\t',
                        default => sprintf('\x%02x', ord($u)),
                    };
                }
                return $u[0] === "\xc2" && ord($u[1]) < 0xa0 ? sprintf('\u{%x}', ord($u[1])) : $u;
            }, $s);
    }

    public static function bytes(int|float|string|null $v): string
    {
        $v = is_float($v) ? self::int($v) : (int) $v;
        foreach (['GiB' => 1 << 30, 'MiB' => 1 << 20, 'KiB' => 1 << 10] as $unit => $size) {
            if (abs($v) >= $size) {
                return sprintf('%.1f %s', $v / $size, $unit);
            }
        }
        return "$v B";
    }

    /** $v as an integer, saturating: a sum or a difference of integers may have become a float. */
    private static function int(int|float $v): int
    {
        return is_int($v) ? $v : ($v >= PHP_INT_MAX ? PHP_INT_MAX : ($v <= PHP_INT_MIN ? PHP_INT_MIN : (int) $v));
    }

    private static function signed(int $v): string
    {
        return ($v > 0 ? '+' : ($v < 0 ? '-' : '')) . self::bytes(abs($v));
    }

    public static function ms(int $ns): string
    {
        return sprintf('%.3f ms', $ns / 1e6);
    }

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


/** pprof's profile.proto, encoded by hand (gzipped, as `go tool pprof` and Pyroscope read it). */
final class MmReportPprof
{
    private array $strings = ['' => 0];
    private array $functions = [];
    private array $locations = [];
    private string $fnBytes = '';
    private string $locBytes = '';

    public static function encode(array $run, array $sites): string
    {
        $p = new self();
        $types = [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes'], ['peak_inuse_space', 'bytes']];
        $msg = '';
        foreach ($types as [$t, $u]) {
            $msg .= self::bytesField(1, self::intField(1, $p->str($t)) . self::intField(2, $p->str($u)));
        }
        foreach ($sites as $s) {
            /* Leaf first: the internal callee, then the PHP function at its line. */
            $locs = [];
            if ($s['kind'] === 'pseudo') {
                $locs[] = $p->location($s['function'], '', 0);
            } else {
                if ($s['callee'] !== '') {
                    $locs[] = $p->location($s['callee'], '[internal]', 0);
                }
                $locs[] = $p->location($s['function'], $s['file'], (int) $s['line']);
            }
            $values = [(int) $s['alloc_count'], (int) $s['alloc_bytes'], (int) $s['live_count'], (int) $s['live_bytes'], (int) $s['peak_live_bytes']];
            $msg .= self::bytesField(2, self::packed(1, $locs) . self::packed(2, $values));
        }
        $msg .= $p->locBytes . $p->fnBytes;
        /* Every string is interned before the table is written. */
        $tail = self::intField(13, $p->str("mm_observe run {$run['run_id']}: {$run['script']}"))
            . self::intField(14, $p->str('alloc_space'));
        $started = DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', (string) $run['started_at'], new DateTimeZone('UTC'));
        if ($started) {
            $tail .= self::intField(9, (int) round((float) $started->format('U.u') * 1e9));
        }
        foreach (array_keys($p->strings) as $str) {
            $msg .= self::bytesField(6, (string) $str);
        }
        $msg .= $tail;
        return function_exists('gzencode') ? gzencode($msg, 6) : self::gzipStored($msg);
    }

    private function str(string $s): int
    {
        return $this->strings[$s] ??= count($this->strings);
    }

    private function location(string $function, string $file, int $line): int
    {
        $fkey = "$function\0$file";
        if (!isset($this->functions[$fkey])) {
            $id = $this->functions[$fkey] = count($this->functions) + 1;
            $this->fnBytes .= self::bytesField(5, self::intField(1, $id) . self::intField(2, $this->str($function))
                . self::intField(3, $this->str($function)) . self::intField(4, $this->str($file)));
        }
        $lkey = "$fkey\0$line";
        if (!isset($this->locations[$lkey])) {
            $id = $this->locations[$lkey] = count($this->locations) + 1;
            $this->locBytes .= self::bytesField(4, self::intField(1, $id)
                . self::bytesField(4, self::intField(1, $this->functions[$fkey]) . self::intField(2, $line)));
        }
        return $this->locations[$lkey];
    }

    private static function varint(int $v): string
    {
        $out = '';
        do {
            $b = $v & 0x7f;
            $v = ($v >> 7) & (PHP_INT_MAX >> 6);
            $out .= chr($v ? $b | 0x80 : $b);
        } while ($v);
        return $out;
    }

    private static function intField(int $field, int $v): string
    {
        return $v === 0 ? '' : self::varint($field << 3) . self::varint($v);
    }

    private static function bytesField(int $field, string $v): string
    {
        return self::varint(($field << 3) | 2) . self::varint(strlen($v)) . $v;
    }

    private static function packed(int $field, array $vs): string
    {
        return self::bytesField($field, implode('', array_map([self::class, 'varint'], $vs)));
    }

    /** gzip with stored (uncompressed) deflate blocks, for builds without ext/zlib. */
    private static function gzipStored(string $data): string
    {
        $out = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff";
        $chunks = str_split($data, 65535) ?: [''];
        foreach ($chunks as $i => $c) {
            $len = strlen($c);
            $out .= chr($i === count($chunks) - 1 ? 1 : 0) . pack('vv', $len, $len ^ 0xffff) . $c;
        }
        return $out . pack('VV', crc32($data), strlen($data) & 0xffffffff);
    }
}

/** One self-contained HTML page: summary, top table, flame graphs, memory and GC timelines.  No script, no external asset. */
final class MmReportHtml
{
    public static function render(array $run, array $rows, array $sites, array $gc, array $samples, array $snapshots, string $by, string $sort): string
    {
        $h = fn($s) => htmlspecialchars(MmReport::text($s), ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
        $title = "mm_observe run {$run['run_id']}: " . basename((string) $run['script']);
        $o = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" . $h($title) . "</title>\n<style>"
            . 'body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}'
            . 'table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:right;white-space:nowrap}'
            . 'td.l,th.l{text-align:left}code{font:12px monospace;color:#555}.dl td{text-align:left}'
            . 'svg text{font:11px monospace;pointer-events:none}svg rect:hover{stroke:#000;stroke-width:1}.note{color:#777}'
            . "</style></head><body>\n<h1>" . $h($title) . "</h1>\n<table class=\"dl\">";
        $dur = null;
        foreach ([
            'script' => $run['script'], 'sapi' => $run['sapi'] . ', PHP ' . $run['php_version'] . ', pid ' . $run['pid'],
            'status' => $run['status'] . ', exit status ' . ($run['exit_status'] ?? '-'),
            'started' => $run['started_at'] . ' (ended ' . ($run['ended_at'] ?? 'never') . ')',
            'memory' => 'peak ' . MmReport::bytes($run['peak_usage']) . '; allocated ' . MmReport::bytes($run['alloc_bytes'])
                . ' in ' . number_format((int) $run['alloc_count']) . ' blocks; live at the end ' . MmReport::bytes($run['live_bytes']),
            'GC' => (int) $run['gc_runs'] . ' run(s), ' . MmReport::ms((int) $run['gc_ns']) . ' total pause, ' . (int) $run['gc_collected'] . ' collected',
        ] as $k => $v) {
            $o .= '<tr><th class="l">' . $h($k) . '</th><td>' . $h($v) . '</td></tr>';
        }
        $o .= "</table>\n<h2>Top " . count($rows) . ' ' . $h($by) . 's by ' . $h($sort) . "</h2>\n<table><tr><th>allocated</th><th>count</th><th>live</th><th>peak live</th><th class=\"l\">" . $h($by) . '</th></tr>';
        foreach ($rows as $r) {
            $where = $r['kind'] === 'pseudo' ? $r['function'] : $r['file'] . ($by === 'file' ? '' : ':' . $r['line'])
                . ($by === 'function' || $by === 'site' ? '  ' . $r['function'] : '') . ($by === 'site' && $r['callee'] !== '' ? ' → ' . $r['callee'] . '()' : '');
            $o .= '<tr><td>' . MmReport::bytes($r['alloc_bytes']) . '</td><td>' . number_format((int) $r['alloc_count']) . '</td><td>'
                . MmReport::bytes($r['live_bytes']) . '</td><td>' . MmReport::bytes($r['peak_live_bytes']) . '</td><td class="l"><code>' . $h($where) . "</code></td></tr>\n";
        }
        $o .= "</table>\n";
        foreach (['alloc_bytes' => 'Flame graph: allocated bytes', 'live_bytes' => 'Flame graph: bytes live at the end'] as $metric => $label) {
            $o .= '<h2>' . $h($label) . "</h2>\n" . self::flame($sites, $metric, $h);
        }
        $o .= "<h2>Memory over time</h2>\n" . self::memory($run, $gc, $samples, $snapshots, $h);
        $o .= "<h2>GC timeline</h2>\n" . self::gcTimeline($run, $gc, $h);
        return $o . "<p class=\"note\">Written by php --mm-report from " . $h(basename((string) ($run['script'] ?? ''))) . "'s run; frames: file, function, line, internal callee.</p>\n</body></html>\n";
    }

    /** An icicle-style flame graph (root on top), laid out here as SVG rectangles with tooltips. */
    private static function flame(array $sites, string $metric, callable $h): string
    {
        $root = ['name' => 'all', 'value' => 0, 'children' => []];
        foreach ($sites as $s) {
            $v = (int) $s[$metric];
            if ($v <= 0) {
                continue;
            }
            $node = &$root;
            $node['value'] += $v;
            foreach (MmReport::frames($s) as $f) {
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
            $svg .= sprintf('<g class="frame"><title>%s — %s (%.1f%%)</title><rect x="%.1f" y="%d" width="%.1f" height="%d" fill="hsl(%d,80%%,62%%)" rx="2"/>'
                . '<text x="%.1f" y="%d">%s</text></g>', $h($name), MmReport::bytes($v), $v * 100 / $root['value'],
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
                . ' zend.mm_observe_sample_bytes allocated, with the usage at the start and at the end of the run.';
        } else {
            foreach ($gc as $g) {
                $usage[] = [(int) $g['started_ns'], (int) $g['mem_before']];
                $usage[] = [(int) $g['started_ns'] + (int) $g['total_ns'], (int) $g['mem_after']];
            }
            $note = 'memory_get_usage() at the start, before and after each GC pass, and at the end of the run.';
        }
        $duration = $run['ended_at'] !== null ? self::ns($run['ended_at']) - self::ns($run['started_at']) : 0;
        $end = max(1, $duration, end($usage)[0], ...array_map(fn($s) => (int) $s['t_ns'], $snapshots));
        $usage[] = [$end, (int) ($run['usage_end'] ?? 0)];
        if ($peak) {
            $peak[] = [$end, (int) $run['peak_usage']];
        }
        $max = max(1, (int) $run['peak_usage'], ...array_column($usage, 1), ...array_column($peak, 1));
        [$w, $hgt] = [1200, 160];
        $y = fn(int $v) => $hgt - $v / $max * ($hgt - 10);
        $svg = sprintf('<svg class="memory" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">', $w, $hgt);
        if ($peak) {
            $svg .= sprintf('<polyline class="peak" points="%s" fill="none" stroke="#9cd3f0" stroke-width="2"/>', self::polyline($peak, $end, $w, $y));
        }
        $svg .= sprintf('<polyline class="usage" points="%s" fill="none" stroke="#36c" stroke-width="2"/>', self::polyline($usage, $end, $w, $y));
        foreach ($snapshots as $s) {
            $x = (int) $s['t_ns'] / $end * $w;
            $svg .= sprintf('<g class="snapshot"><title>snapshot %d: %s (at %s, usage %s)</title><line x1="%.1f" x2="%.1f" y1="0" y2="%d" stroke="#777" stroke-dasharray="3"/>'
                . '<rect x="%.1f" y="0" width="6" height="%d" fill="transparent"/></g>', $s['snapshot_id'], $h($s['label']), MmReport::ms((int) $s['t_ns']),
                MmReport::bytes($s['usage']), $x, $x, $hgt, $x - 3, $hgt);
        }
        $peakY = $y((int) $run['peak_usage']);
        $svg .= sprintf('<line x1="0" x2="%d" y1="%.1f" y2="%.1f" stroke="#c33" stroke-dasharray="4"><title>peak %s</title></line><text x="4" y="12">peak %s</text></svg>',
            $w, $peakY, $peakY, MmReport::bytes($run['peak_usage']), MmReport::bytes($run['peak_usage']));
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
        [$w, $hgt] = [1200, 120];
        $svg = sprintf('<svg class="gc" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d">', $w, $hgt);
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
                    MmReport::ms((int) $g[$p]), MmReport::ms((int) $g['total_ns']), $g['collected']);
            }
        }
        $legend = '';
        foreach ($phases as $p => $color) {
            $legend .= sprintf('<span style="display:inline-block;width:10px;height:10px;background:%s"></span> %s &nbsp; ', $color, str_replace('_ns', '', $p));
        }
        return $svg . "</svg>\n<p class=\"note\">One mark per GC pass at its start; height = pause (longest " . MmReport::ms($maxPause) . "), coloured by phase: $legend</p>\n";
    }

    private static function ns(?string $iso): int
    {
        $d = $iso ? DateTimeImmutable::createFromFormat('Y-m-d\TH:i:s.v\Z', $iso, new DateTimeZone('UTC')) : false;
        return $d ? (int) round((float) $d->format('U.u') * 1e9) : 0;
    }
}

/* php --mm-import RING [DATABASE] and php --mm-top PID|RING: the ring file
 * (Zend/zend_mm_observe_ring.h) is read by ext/mm_observe's
 * mm_observe_import() and mm_observe_ring_read(); this is their CLI. */
final class MmTools
{
    /** Runs a tool: whatever it throws is one line on stderr and exit status 1, never a stack trace. */
    public static function guarded(string $prog, callable $tool, array $argv): int
    {
        try {
            return $tool($argv);
        } catch (Throwable $e) {
            fwrite(STDERR, "$prog: internal error: " . MmReport::text($e->getMessage()) . "\n");
            return 1;
        }
    }

    public static function import(array $argv): int
    {
        $args = array_slice($argv, 1);
        if (!$args || in_array($args[0], ['-h', '--help'], true) || count($args) > 2) {
            fwrite($args && in_array($args[0], ['-h', '--help'], true) ? STDOUT : STDERR,
                "usage: php --mm-import RING [DATABASE]\n"
                . "  Imports the ring file a crashed observed process left (<database>.<pid>.mmring)\n"
                . "  into DATABASE (default: <database>, from the ring's file name) as a run with status 'crashed'.\n"
                . "  Only your own ring files (mode 0600) are imported.\n");
            return $args && in_array($args[0], ['-h', '--help'], true) ? 0 : 1;
        }
        $db = $args[1] ?? null;
        try {
            set_error_handler(static function (int $no, string $msg): bool {
                fwrite(STDOUT, 'mm-import: ' . MmReport::text(preg_replace('/^mm_observe_import\(\): /', '', $msg)) . "\n");
                return true;
            }, E_NOTICE);
            /* The database the ring's file name belongs to, as
             * mm_observe_import() finds it: never the path written inside
             * the ring, which may come from anyone. */
            if ($db === null && preg_match('~^(.*[^/])\.[0-9]+\.mmring$~s', $args[0], $m)) {
                $db = $m[1];
            }
            $id = mm_observe_import($args[0], $args[1] ?? null);
            restore_error_handler();
        } catch (Throwable $e) {
            fwrite(STDERR, 'mm-import: ' . MmReport::text($e->getMessage()) . "\n");
            return 1;
        }
        if ($id > 0) {
            $status = '?';
            try {
                $h = new SQLite3($db, SQLITE3_OPEN_READONLY);
                $status = (string) $h->querySingle('SELECT status FROM mm_runs WHERE run_id = ' . (int) $id);
            } catch (Throwable) {
            }
            fwrite(STDOUT, 'mm-import: ' . MmReport::text("'{$args[0]}' imported as run $id of '$db' (status '$status')") . "\n");
        }
        return 0;
    }

    public static function top(array $argv): int
    {
        $args = array_slice($argv, 1);
        $once = false;
        $top = 20;
        $interval = 1.0;
        $target = null;
        for ($i = 0; $i < count($args); $i++) {
            $a = $args[$i];
            if ($a === '--once') {
                $once = true;
            } elseif ($a === '--top' && isset($args[$i + 1]) && ctype_digit($args[$i + 1]) && strlen($args[$i + 1]) <= 9 && (int) $args[$i + 1] > 0) {
                $top = (int) $args[++$i];
            } elseif ($a === '--interval' && isset($args[$i + 1]) && is_numeric($args[$i + 1]) && (float) $args[$i + 1] >= 0.1
                    && (float) $args[$i + 1] <= 3600) {
                $interval = (float) $args[++$i];
            } elseif ($a === '-h' || $a === '--help') {
                fwrite(STDOUT, "usage: php --mm-top PID|RING [--once] [--top N] [--interval SECONDS]\n"
                    . "  The top sites by live bytes of a running observed process, read from its ring\n"
                    . "  file without stopping it.  --once prints one frame (for scripts).\n");
                return 0;
            } elseif ($target === null && $a !== '' && $a[0] !== '-') {
                $target = $a;
            } else {
                fwrite(STDERR, 'mm-top: ' . MmReport::text("unknown or incomplete option '$a'") . " (see php --mm-top --help)\n");
                return 1;
            }
        }
        if ($target === null) {
            fwrite(STDERR, "mm-top: give the PID of an observed process or its ring file (see php --mm-top --help)\n");
            return 1;
        }
        $frames = 0;
        while (true) {
            try {
                $r = mm_observe_ring_read($target, $top);
            } catch (Throwable $e) {
                if ($frames > 0) {
                    fwrite(STDOUT, 'mm-top: the process has finished (' . MmReport::text($e->getMessage()) . ")\n");
                    return 0;
                }
                fwrite(STDERR, 'mm-top: ' . MmReport::text($e->getMessage()) . "\n");
                return 1;
            }
            if (!$once) {
                fwrite(STDOUT, "\033[H\033[2J");
            }
            fwrite(STDOUT, self::frame($r));
            $frames++;
            if ($once) {
                return 0;
            }
            usleep((int) ($interval * 1e6));
        }
    }

    private static function frame(array $r): string
    {
        $secs = max(0, (int) (microtime(true) * 1e9) - $r['started_ns']) / 1e9;
        $t = MmReport::text(...);
        $out = sprintf("pid %d  %s  %s%s  running %.1f s  run %d in %s\n", $r['pid'], $t($r['state']), $t($r['script']),
            $r['method'] !== '' ? ' (' . $t($r['method']) . ' ' . $t($r['uri']) . ')' : '', $secs, $r['run_id'], $t($r['database']));
        $out .= sprintf("live %s  allocated %s  sites %d  GC passes %d  ring %s pending of %s, %d lost, %d flushes\n\n",
            MmReport::bytes($r['live_bytes']), MmReport::bytes($r['alloc_bytes']), $r['site_count'] - 1, $r['gc_passes'],
            MmReport::bytes($r['events_pending']), MmReport::bytes($r['events_size']), $r['events_lost'], $r['flushes']);
        $out .= sprintf("%12s %10s %14s  %s\n", 'LIVE', 'BLOCKS', 'ALLOCATED', 'SITE');
        foreach ($r['sites'] as $s) {
            $where = $s['kind'] === 'pseudo' ? $t($s['function'])
                : sprintf('%s:%d %s %s%s', $t($s['file']), $s['line'], $t($s['function']), $t($s['opcode']), $s['callee'] !== '' ? ' ' . $t($s['callee']) . '()' : '');
            $out .= sprintf("%12s %10d %14s  %s\n", MmReport::bytes($s['live_bytes']), $s['live_count'], MmReport::bytes($s['alloc_bytes']), $where);
        }
        return $out;
    }
}

exit(match ($mm_tool ?? 'report') {
    'import' => MmTools::guarded('mm-import', MmTools::import(...), $argv),
    'top' => MmTools::guarded('mm-top', MmTools::top(...), $argv),
    default => MmReport::main($argv),
});
