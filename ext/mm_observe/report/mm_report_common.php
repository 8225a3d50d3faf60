<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: what the report programs and run-tests.php share         |
   +----------------------------------------------------------------------+

   The first of the files that make up the programs behind php
   --mm-report, --mm-import and --mm-top (ext/mm_observe/Makefile.frag
   concatenates them, each minus its first line, the open tag, into one C
   string per program; php_mm_report.c exports them).  run-tests-mm-observe.php
   requires this file as it is.  It defines, and runs, nothing else:

     constants          the facts about mm_observe's database and sites that
                        more than one program needs (below)
     MmReportError      an error for the user: one line on stderr, "mm-report:
                        ...", exit status 1
     MmText             text from a database or a ring made safe for a
                        terminal and line-based formats (text()), and the
                        units: bytes(), signed(), ms(), int()
     MmReportDatabase   opens a report database read-only and hardened, and
                        checks that it is one this PHP can read: its
                        identity (application_id, user_version: problem(),
                        which run-tests.php uses too) and its tables and
                        views (checkObjects())

   Invariants:
     1. MM_REPORT_APPLICATION_ID and MM_REPORT_SCHEMA_VERSION are the values
        the exporter writes (ZEND_MM_OBSERVE_DB_APPLICATION_ID and
        ZEND_MM_OBSERVE_DB_SCHEMA_VERSION, Zend/zend_mm_observe_format.h);
        VIEWS is the views' text in ext/mm_observe/mm_schema.sql.  A change
        there is a change here.
     2. Every message about a database's identity is made by problem(), in
        one wording for every reader (tests assert them byte for byte).
     3. Nothing here writes: the database is opened read-only, with
        query_only and an authorizer that allows reading only.
*/

/** PRAGMA application_id of an mm_observe database: 'mmob'. */
const MM_REPORT_APPLICATION_ID = 0x6D6D6F62;
/** The newest schema version (PRAGMA user_version) this PHP reads and writes. */
const MM_REPORT_SCHEMA_VERSION = 7;
/** The oldest schema version read: version 1 recorded no test runs and is upgraded in place by the next run. */
const MM_REPORT_SCHEMA_OLDEST = 2;
/** Rows shown when no --top is given (the table, diff, growth, endpoints; --mm-top). */
const MM_REPORT_DEFAULT_TOP = 20;
/**
 * The pseudo site (kind 'pseudo') that holds what was allocated while
 * observation was off for the request; no figure of the run's own counts it.
 */
const MM_REPORT_UNOBSERVED = '{unobserved}';

final class MmReportError extends Exception {}

final class MmText
{
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
    public static function int(int|float $v): int
    {
        return is_int($v) ? $v : ($v >= PHP_INT_MAX ? PHP_INT_MAX : ($v <= PHP_INT_MIN ? PHP_INT_MIN : (int) $v));
    }

    public static function signed(int $v): string
    {
        return ($v > 0 ? '+' : ($v < 0 ? '-' : '')) . self::bytes(abs($v));
    }

    public static function ms(int $ns): string
    {
        return sprintf('%.3f ms', $ns / 1e6);
    }

}

/**
 * One line of a source file named by a database or a ring, for the text
 * reports and php --mm-top: trimmed, at most 100 characters, null when the
 * file cannot be read as a plain local file.
 */
final class MmSource
{
    private const MAX_BYTES = 10 << 20;
    /** statement(): the most lines shown of one statement (its first, "...", its last ones). */
    private const STATEMENT_LINES = 6;
    /** A name PHP gives eval'd code: "OUTER(LINE) : eval()'d code". */
    private const EVAL_NAME = "/^(.*)\\((\\d+)\\) : eval\\(\\)'d code$/s";

    public static function line(string $file, int $line, array &$cache): ?string
    {
        $lines = self::cached($file, $cache);
        if ($lines === false || !isset($lines[$line - 1])) {
            return null;
        }
        return self::shorten(trim($lines[$line - 1]));
    }

    /**
     * The source of the statement a recorded line belongs to: from the line
     * where the statement starts through $line (a call whose arguments span
     * lines is recorded at its last lines; its first is what names it), at
     * most STATEMENT_LINES lines, common indentation removed.  For eval'd
     * code, the eval itself in the file that ran it: "eval()'d code, line N,
     * from FILE:LINE" and that statement.  [] when the file cannot be read.
     * Statements are found with ext/tokenizer (without it: the line alone).
     */
    public static function statement(string $file, int $line, array &$cache): array
    {
        $prefix = [];
        for ($depth = 0; $depth < 8 && preg_match(self::EVAL_NAME, $file, $m); $depth++) {
            $prefix = ["eval()'d code, line $line, from {$m[1]}:{$m[2]}"];
            [$file, $line] = [$m[1], (int) $m[2]];
        }
        $lines = self::cached($file, $cache);
        if ($lines === false || !isset($lines[$line - 1])) {
            return [];
        }
        $from = self::statementStart($file, $line, $lines, $cache);
        $shown = range($from, $line);
        if (count($shown) > self::STATEMENT_LINES) {
            $shown = array_merge(array_slice($shown, 0, 2), [0], array_slice($shown, 3 - self::STATEMENT_LINES));
        }
        $text = array_map(fn($n) => $n === 0 ? null : rtrim($lines[$n - 1]), $shown);
        $indent = min(array_map(fn($t) => $t === null || trim($t) === '' ? PHP_INT_MAX : strspn($t, " \t"), $text));
        $indent = $indent === PHP_INT_MAX ? 0 : $indent;
        return array_merge($prefix, array_map(fn($t) => $t === null ? '...' : self::shorten(substr($t, $indent)), $text));
    }

    private static function shorten(string $t): string
    {
        return mb_strlen($t) > 100 ? mb_substr($t, 0, 97) . '...' : $t;
    }

    private static function cached(string $file, array &$cache): array|false
    {
        if (!array_key_exists($file, $cache)) {
            $cache[$file] = self::lines($file);
        }
        return $cache[$file];
    }

    /**
     * The line where the statement running at $line starts: after the last
     * ';', '{' or '}' (or open tag) before the first token of $line.  Per
     * file, once: a map from each line to the start of the statement open
     * at its first token.
     */
    private static function statementStart(string $file, int $line, array $lines, array &$cache): int
    {
        $key = "\0starts\0$file";
        if (!array_key_exists($key, $cache)) {
            $cache[$key] = class_exists('PhpToken', false) ? self::starts(implode("\n", $lines)) : [];
        }
        $start = $cache[$key][$line] ?? $line;
        return $start >= 1 && $start <= $line ? $start : $line;
    }

    private static function starts(string $code): array
    {
        $starts = [];
        $open = null;
        try {
            $tokens = PhpToken::tokenize($code);
        } catch (Throwable) {
            return [];
        }
        foreach ($tokens as $t) {
            if ($t->isIgnorable()) {
                continue;
            }
            $starts[$t->line] ??= $open ?? $t->line;
            if ($t->text === ';' || $t->text === '{' || $t->text === '}' || $t->is([T_OPEN_TAG, T_OPEN_TAG_WITH_ECHO, T_CLOSE_TAG, T_INLINE_HTML])) {
                $open = null;
            } else {
                $open ??= $t->line;
            }
        }
        return $starts;
    }

    /**
     * The lines of the source file named $file, or false.  The name comes
     * from the database, so it is opened only if it is an absolute local
     * path (a leading '/' never selects a stream wrapper: no ftp://,
     * php://, data:, phar://), said explicitly with file://, and read only
     * if it is a regular file (a FIFO would block, a device never end) of
     * at most MAX_BYTES.  The open is non-blocking ('n'), so a FIFO
     * swapped in after the is_file() check is seen by fstat(), not waited on.
     */
    private static function lines(string $file): array|false
    {
        if (!str_starts_with($file, '/') || str_contains($file, "\0") || !is_file($file)) {
            return false;
        }
        $fh = @fopen('file://' . $file, 'rn');
        if ($fh === false) {
            return false;
        }
        $st = fstat($fh);
        $data = $st !== false && ($st['mode'] & 0170000) === 0100000 && $st['size'] <= self::MAX_BYTES
            ? stream_get_contents($fh, self::MAX_BYTES + 1) : false;
        fclose($fh);
        if ($data === false || strlen($data) > self::MAX_BYTES) {
            return false;
        }
        $lines = explode("\n", $data);
        if (end($lines) === '') {
            array_pop($lines);
        }
        return $lines;
    }
}

final class MmReportDatabase
{
    /** The schema version that added the ring's snapshots and samples (and mm_runs' request columns). */
    public const SCHEMA_RING = 3;
    /** The schema version that added a worker's per-endpoint figures and mm_runs.detail. */
    public const SCHEMA_WORKER = 5;
    /** The schema version that added call paths (mm_path_frames, mm_path_counters). */
    public const SCHEMA_PATHS = 6;
    /** The schema version that added what reallocs grew (mm_site_allocs; realloc_bytes, realloc_growth_bytes). */
    public const SCHEMA_REALLOC = 7;
    /** The tables read (directly or through VIEWS). */
    private const TABLES = ['mm_runs', 'mm_strings', 'mm_site_counters', 'mm_gc_passes', 'mm_oom_events', 'mm_oom_top', 'mm_snapshots', 'mm_snapshot_counters',
        'mm_samples', 'mm_endpoint_windows', 'mm_endpoint_site_counters', 'mm_path_frames', 'mm_path_counters'];
    /** The views read, with their SQL as sqlite_master keeps it (mm_schema.sql). */
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
        'mm_site_allocs' => 'CREATE VIEW mm_site_allocs AS SELECT'
            . ' s.*, c.realloc_bytes, c.realloc_growth_bytes,'
            . ' s.alloc_bytes - COALESCE(c.realloc_bytes, 0) + COALESCE(c.realloc_growth_bytes, 0) AS alloc_net_bytes'
            . ' FROM mm_sites s JOIN mm_site_counters c ON c.run_id = s.run_id AND c.site_id = s.site_id',
        'mm_path_frame_names' => 'CREATE VIEW mm_path_frame_names AS SELECT'
            . ' p.run_id, p.frame_id, p.parent_id, p.depth, fn.str AS function, f.str AS file, p.line, ca.str AS callee'
            . ' FROM mm_path_frames p'
            . ' JOIN mm_strings fn ON fn.str_id = p.function_id'
            . ' JOIN mm_strings f ON f.str_id = p.file_id'
            . ' LEFT JOIN mm_strings ca ON ca.str_id = p.callee_id',
    ];
    /** The tables and views above that schema version 2 lacks: the version that added them (the ring 3, worker mode 5). */
    private const SINCE = ['mm_snapshots' => self::SCHEMA_RING, 'mm_snapshot_counters' => self::SCHEMA_RING,
        'mm_samples' => self::SCHEMA_RING, 'mm_snapshot_sites' => self::SCHEMA_RING, 'mm_endpoint_windows' => self::SCHEMA_WORKER,
        'mm_endpoint_site_counters' => self::SCHEMA_WORKER, 'mm_endpoint_sites' => self::SCHEMA_WORKER,
        'mm_path_frames' => self::SCHEMA_PATHS, 'mm_path_counters' => self::SCHEMA_PATHS,
        'mm_path_frame_names' => self::SCHEMA_PATHS, 'mm_site_allocs' => self::SCHEMA_REALLOC];

    /** Who asks problem(): the report reads any version it knows; run-tests.php needs test runs. */
    public const FOR_REPORT = 'report';
    public const FOR_TESTS = 'tests';

    /**
     * Opens the database at $path (as given by the user, and so named in
     * messages) for the report: read-only, schema functions off, reading
     * only, its identity and objects checked from one state of the file.
     * Returns [the handle, its schema version]; throws MmReportError.
     */
    public static function open(string $path): array
    {
        /* A relative name gets './': 'ftp://x' names a local file here, as it does for SQLite. */
        $p = str_starts_with($path, '/') ? $path : './' . $path;
        $shown = $path;
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
            $db = new SQLite3($p, SQLITE3_OPEN_READONLY);
            $db->enableExceptions(true);
            $db->busyTimeout(10000);
            /* Defence in depth under the schema check below: functions with
             * side effects are not run from the schema, and no statement
             * may do more than read (a recursive CTE never ends). */
            $db->exec('PRAGMA trusted_schema = OFF; PRAGMA query_only = ON');
            $db->setAuthorizer(static fn(int $action): int => in_array($action,
                [SQLite3::SELECT, SQLite3::READ, SQLite3::FUNCTION, SQLite3::PRAGMA, SQLite3::TRANSACTION], true) ? SQLite3::OK : SQLite3::DENY);
            /* The identity and the objects, from one state of the file. */
            $db->exec('BEGIN');
            [$app, $version] = self::identity($db);
            $objects = [];
            $res = $db->query("SELECT type, lower(name) AS name, sql FROM sqlite_master WHERE type IN ('table', 'view')");
            while ($o = $res->fetchArray(SQLITE3_ASSOC)) {
                $objects[$o['name']] = $o;
            }
            $db->exec('COMMIT');
        } catch (Exception $e) {
            throw new MmReportError("'$shown' cannot be read: " . $e->getMessage());
        }
        $problem = self::problem($shown, $app, $version, self::FOR_REPORT);
        if ($problem !== null) {
            throw new MmReportError($problem);
        }
        self::checkObjects($path, $version, $objects);
        return [$db, $version];
    }

    /** [PRAGMA application_id, PRAGMA user_version] of $db; throws what SQLite3 throws. */
    public static function identity(SQLite3 $db): array
    {
        return [(int) $db->querySingle('PRAGMA application_id'), (int) $db->querySingle('PRAGMA user_version')];
    }

    /**
     * Null when a database named $shown, of identity $app and $version
     * (identity()), is one that $reader can use, else why not, as one
     * line.  $version null: any version will do (run-tests.php about to
     * record into the database, which the recording PHP checks itself).
     */
    public static function problem(string $shown, int $app, ?int $version, string $reader): ?string
    {
        if ($app !== MM_REPORT_APPLICATION_ID) {
            return "'$shown' is not an mm_observe report database (application_id " . sprintf('0x%08X', $app) . ')';
        }
        if ($version === null) {
            return null;
        }
        if ($reader === self::FOR_TESTS) {
            return $version < MM_REPORT_SCHEMA_OLDEST ? "'$shown' has schema version $version, which records no test runs"
                . ' (run-tests.php --mm-observe writes version ' . MM_REPORT_SCHEMA_OLDEST . ' or later)' : null;
        }
        if ($version > MM_REPORT_SCHEMA_VERSION) {
            return "'$shown' has schema version $version; this PHP reads up to version " . MM_REPORT_SCHEMA_VERSION;
        }
        if ($version < MM_REPORT_SCHEMA_OLDEST) {
            return "'$shown' has schema version $version; record one run with this PHP to upgrade it in place";
        }
        return null;
    }

    /**
     * The tables and views the report reads must be the ones mm_observe
     * creates: a file with our application_id is still a file anyone may
     * have written, and an mm_runs turned into a recursive view would keep
     * the report busy forever.  A table must be an ordinary table; a view
     * must have exactly the SQL of mm_schema.sql (the exporter's), which
     * sqlite_master keeps as "CREATE VIEW name AS ..." followed by the text
     * as written.  A view has the same SQL in every schema version that
     * has it; an object of a later version (SINCE) is not looked for in
     * an older database.  $objects: sqlite_master's rows by lower-case name.
     */
    private static function checkObjects(string $path, int $version, array $objects): void
    {
        $has = fn(string $name): bool => $version >= (self::SINCE[$name] ?? MM_REPORT_SCHEMA_OLDEST);
        $tables = array_filter(self::TABLES, $has);
        $views = array_filter(self::VIEWS, $has, ARRAY_FILTER_USE_KEY);
        foreach ($tables as $name) {
            $o = $objects[$name] ?? null;
            if ($o === null || $o['type'] !== 'table' || !str_starts_with((string) $o['sql'], 'CREATE TABLE ')) {
                throw new MmReportError("'$path': $name is " . ($o === null ? 'missing' : "not mm_observe's table (a {$o['type']})")
                    . '; refusing to read a database that was changed by hand');
            }
        }
        foreach ($views as $name => $sql) {
            $o = $objects[$name] ?? null;
            if ($o === null || $o['type'] !== 'view' || $o['sql'] !== $sql) {
                throw new MmReportError("'$path': $name is " . ($o === null ? 'missing' : "not mm_observe's view"
                    . ($o['type'] === 'view' ? ' (its SQL differs)' : " (a {$o['type']})")) . '; refusing to read a database that was changed by hand');
            }
        }
    }
}
