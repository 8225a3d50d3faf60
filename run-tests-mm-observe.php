<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe support for run-tests.php                                 |
   +----------------------------------------------------------------------+

   run-tests.php (patched by patches/0010) calls the hooks of this class at
   eight points; everything else lives here.

     parseOption()      --mm-observe[=]FILE, --mm-compare[=]BASE,
                        --mm-compare-threshold[=]PERCENT
     start()            after the tested binary is known, before any test:
                        checks the binary and the databases, starts a session
     parseLimits()      TestFile::validateAndProcess(): a malformed
                        --MM_LIMITS-- line is a BorkageException (BORK)
     beforeRun()        run_test(), after SKIPIF, before the FILE section
                        runs: adds the observing -d options to that command
                        only (never to SKIPIF, CLEAN or the test's children)
     filterOutput()     run_test(), before the output is compared: drops
                        the fork's "JIT turned off" line from observed runs
     checkLimits()      run_test(), after the output was compared: a
                        violated limit fails the test, shown in the diff
     afterTest()        run_all_tests(), with the result: records the
                        test's path, title and result on its run
     finish()           end of main(): the summary and --mm-compare

   Which tests are observed: every test with --mm-observe, and a test with
   an --MM_LIMITS-- section always (into a per-process temporary database
   when --mm-observe is not given).  An observed FILE run gets
       -d zend.mm_observe=1 -d zend.mm_observe_output=DB
       -d zend.mm_observe_run_tag=TAG -d zend.mm_observe_full_shutdown=1
   TAG = "<session>-<worker>-<n>" is unique per run-tests invocation, worker
   and test attempt; the run's mm_runs row carries it, which is how this file
   finds the run again (the children write the database themselves; with -j
   they are serialized by SQLite's locking and busy timeout).
   Full shutdown makes the engine free every block one by one at request
   end, as debug builds do, so what is still live when the heap shuts down
   (live_* / leaked_*) is memory that nobody freed.

   With -j, run-tests.php copies $GLOBALS to its workers by serialize():
   the object below keeps only plain settings across that copy; each
   process opens its own database handle.

   The database's identity (application_id, schema version) is checked by
   MmReportDatabase::problem(), and the facts about the database are the
   constants, of the report programs' shared file: in a source tree
   ext/mm_observe/report/mm_report_common.php, which is required from there
   (or from next to this file, where an installed build directory keeps it).
*/

require_once is_file(__DIR__ . '/mm_report_common.php') ? __DIR__ . '/mm_report_common.php'
    : __DIR__ . '/ext/mm_observe/report/mm_report_common.php';

final class MmObserveRunTests
{
    /** Counts that the summary lists per category. */
    private const TOP = 10;

    /** Limits that apply to the whole run and to sites (selector allowed). */
    private const SITE_METRICS = [
        'alloc_count' => 'alloc_count', 'alloc_bytes' => 'alloc_bytes',
        'free_count' => 'free_count', 'free_bytes' => 'free_bytes',
        'realloc_count' => 'realloc_count',
        'live_count' => 'live_count', 'live_bytes' => 'live_bytes',
        'leaked_count' => 'live_count', 'leaked_bytes' => 'live_bytes',
        'peak_live_bytes' => 'peak_live_bytes',
    ];
    /** Limits on the whole run only. */
    private const RUN_METRICS = [
        'peak_usage', 'usage_end', 'gc_runs', 'gc_collected', 'gc_time',
    ];
    private const TIME_UNITS = ['ns' => 1, 'us' => 1000, 'ms' => 1000000, 's' => 1000000000];
    private const BYTE_UNITS = ['' => 1, 'K' => 1024, 'M' => 1048576, 'G' => 1073741824];

    /** --mm-observe FILE (absolute), or null. */
    public ?string $db = null;
    /** --mm-compare BASE (absolute), or null. */
    public ?string $compareBase = null;
    public float $compareThreshold = 10.0;
    /** Set by start(): the tested binary has ext/mm_observe. */
    public bool $binaryObserves = false;
    /** Why the runner cannot read a database, or null. */
    public ?string $noReader = null;
    public string $session = '';

    /* Per process, never copied to workers. */
    private ?string $tempDb = null;
    private array $handles = [];
    private int $attempt = 0;
    /** The observed attempt of the test being run: tag, db, path, title, limits, file. */
    private ?array $current = null;

    public function __serialize(): array
    {
        return [
            'db' => $this->db, 'compareBase' => $this->compareBase,
            'compareThreshold' => $this->compareThreshold,
            'binaryObserves' => $this->binaryObserves, 'noReader' => $this->noReader,
            'session' => $this->session,
        ];
    }

    public function __unserialize(array $data): void
    {
        foreach ($data as $k => $v) {
            $this->$k = $v;
        }
    }

    private static function get(): self
    {
        return $GLOBALS['mm_observe_rt'] ??= new self();
    }

    /* ---- hooks ---------------------------------------------------------- */

    /** True when $switch is one of ours (consumed, with its value). */
    public static function parseOption(string $switch, array $argv, int &$i): bool
    {
        if (!str_starts_with($switch, '--mm-')) {
            return false;
        }
        $eq = strpos($switch, '=');
        $name = $eq === false ? $switch : substr($switch, 0, $eq);
        if (!in_array($name, ['--mm-observe', '--mm-compare', '--mm-compare-threshold'], true)) {
            return false;
        }
        if ($eq !== false) {
            $value = substr($switch, $eq + 1);
        } elseif (isset($argv[$i + 1])) {
            $value = $argv[++$i];
        } else {
            error("$name needs a value, e.g. $name=" . ($name === '--mm-compare-threshold' ? '10' : 'FILE.sqlite'));
        }
        $self = self::get();
        switch ($name) {
            case '--mm-observe':
                $self->db = self::absolutePath($value, $name);
                break;
            case '--mm-compare':
                $self->compareBase = self::absolutePath($value, $name);
                break;
            case '--mm-compare-threshold':
                if (!preg_match('/^\d+(\.\d+)?%?$/', $value)) {
                    error("--mm-compare-threshold: '$value' is not a percentage, e.g. --mm-compare-threshold=10");
                }
                $self->compareThreshold = (float) rtrim($value, '%');
                break;
        }
        return true;
    }

    /** Before the first test; $exts are the tested binary's extensions. */
    public static function start(string $php, array $exts): void
    {
        $self = self::get();
        $self->session = bin2hex(random_bytes(6));
        $self->binaryObserves = in_array('mm_observe', $exts, true);
        if (!class_exists('SQLite3')) {
            $self->noReader = 'the PHP running run-tests.php (' . PHP_BINARY . ') has no sqlite3 extension to read the report database';
        }
        if ($self->db === null && $self->compareBase === null) {
            return;
        }
        if ($self->compareBase !== null && $self->db === null) {
            error("--mm-compare needs --mm-observe: the figures to compare are recorded by this run");
        }
        if (!$self->binaryObserves) {
            error("--mm-observe: the tested binary ($php) was built without --enable-mm-observe");
        }
        if ($self->noReader !== null) {
            error("--mm-observe: $self->noReader");
        }
        if (($why = self::checkDatabase($self->db, false)) !== null) {
            error("--mm-observe: $why");
        }
        if ($self->compareBase !== null && ($why = self::checkDatabase($self->compareBase, true)) !== null) {
            error("--mm-compare: $why");
        }
        echo "Recording each test's memory profile (--mm-observe) in {$self->db}\n";
    }

    /** @throws BorkageException */
    public static function parseLimits(string $section): array
    {
        $limits = [];
        foreach (preg_split('/\r?\n/', $section) as $n => $text) {
            $line = trim(preg_replace('/(^|\s)#.*$/', '', $text));
            if ($line === '') {
                continue;
            }
            $where = '--MM_LIMITS-- line ' . ($n + 1) . " '$line'";
            if (!preg_match('/^([a-z_]+)\s*(?:\(\s*(line|function|callee)\s+([^)\s]+)\s*\))?\s*(<=|>=|==|!=|<|>)\s*(\S+)$/', $line, $m)) {
                throw new BorkageException("$where: expected METRIC [(line N|function NAME|callee NAME)] OP VALUE, e.g. 'alloc_bytes <= 2M'");
            }
            [, $metric, $selKind, $selValue, $op, $value] = $m;
            $isSite = isset(self::SITE_METRICS[$metric]);
            if (!$isSite && !in_array($metric, self::RUN_METRICS, true)) {
                throw new BorkageException("$where: unknown metric '$metric'; known: "
                    . implode(', ', array_merge(array_keys(self::SITE_METRICS), self::RUN_METRICS)));
            }
            if ($selKind !== '' && !$isSite) {
                throw new BorkageException("$where: '$metric' is a figure of the whole run and takes no ($selKind ...)");
            }
            if ($selKind === 'line' && !ctype_digit($selValue)) {
                throw new BorkageException("$where: line '$selValue' is not a line number");
            }
            $limits[] = [
                'text' => $line, 'metric' => $metric, 'sel' => $selKind, 'selValue' => $selValue,
                'op' => $op, 'limit' => self::parseValue($metric, $value, $where),
            ];
        }
        if (!$limits) {
            throw new BorkageException('--MM_LIMITS-- is empty');
        }
        return $limits;
    }

    /**
     * Before the FILE section runs.  Returns a reason to skip the test, or
     * null; adds the observing options to $ini_settings when observed.
     */
    public static function beforeRun(TestFile $test, string $file, string $testFile, string &$ini_settings): ?string
    {
        $self = self::get();
        $self->current = null;
        $limits = $test->hasSection('MM_LIMITS') ? self::parseLimits($test->getSection('MM_LIMITS')) : null;
        if ($self->db === null && $limits === null) {
            return null;
        }
        if (!$self->binaryObserves) {
            return 'mm_observe: --MM_LIMITS-- needs a PHP built with --enable-mm-observe';
        }
        if ($limits !== null && $self->noReader !== null) {
            return "mm_observe: --MM_LIMITS-- cannot be checked: $self->noReader";
        }
        $db = $self->db ?? $self->tempDatabase();
        $tag = $self->session . '-' . ($GLOBALS['workerID'] ?? 0) . '-' . ++$self->attempt;
        $self->current = [
            'tag' => $tag, 'db' => $db, 'limits' => $limits, 'file' => $testFile,
            'path' => str_replace(TEST_PHP_SRCDIR . '/', '', $file), 'title' => $test->getName(),
        ];
        foreach ([
            'zend.mm_observe' => '1', 'zend.mm_observe_output' => $db,
            'zend.mm_observe_run_tag' => $tag, 'zend.mm_observe_full_shutdown' => '1',
        ] as $k => $v) {
            $ini_settings .= ' -d ' . escapeshellarg("$k=$v");
        }
        return null;
    }

    /**
     * Before the output comparison, for observed runs only: drop the one
     * line the fork prints when it turns a requested JIT off (tests that
     * ask for the JIT in --INI-- would otherwise all differ by it).  Like
     * upstream's handling of "Can't preload" warnings under --preload.
     * Memory errors need nothing: their message is upstream's, and the
     * line naming the report goes to the error log, which run-tests.php
     * turns off (log_errors=0).
     */
    public static function filterOutput(string $output): string
    {
        if (self::get()->current === null) {
            return $output;
        }
        $filtered = preg_replace('/^mm_observe: opcache\.jit=.* is turned off while observing: .*$\n?/m', '', $output, -1, $n);
        return $n ? trim($filtered) : $output;
    }

    /** After the output comparison: a violated limit fails the test. */
    public static function checkLimits(bool &$passed, ?string &$wanted, ?string &$wanted_re, string &$output): void
    {
        $self = self::get();
        $cur = $self->current;
        if ($cur === null || $cur['limits'] === null) {
            return;
        }
        $failed = $self->evaluate($cur);
        if (!$failed) {
            return;
        }
        $passed = false;
        $want = "\n--MM_LIMITS--\n" . implode("\n", array_column($failed, 0));
        $got = "\n--MM_LIMITS--\n" . implode("\n", array_column($failed, 1));
        $wanted .= $want;
        if ($wanted_re !== null) {
            $wanted_re .= preg_quote($want, '/');
        }
        $output .= $got;
    }

    /** With the test's result ('PASSED', 'FAILED', 'SKIPPED', ...). */
    public static function afterTest(string $result): void
    {
        $self = self::get();
        $cur = $self->current;
        $self->current = null;
        if ($cur === null || $self->noReader !== null) {
            return;
        }
        $db = $self->open($cur['db']);
        if ($db === null) {
            return;
        }
        $st = $db->prepare('UPDATE mm_runs SET test_path = :path, test_title = :title, test_result = :result'
            . ' WHERE run_tag = :tag');
        if ($st === false) {
            return;
        }
        $st->bindValue(':path', $cur['path']);
        $st->bindValue(':title', $cur['title']);
        $st->bindValue(':result', preg_replace('/ED$/', '', $result));
        $st->bindValue(':tag', $cur['tag']);
        @$st->execute();
    }

    /** The end of main(): false when --mm-compare found a regression. */
    public static function finish(): bool
    {
        $self = self::get();
        if ($self->tempDb !== null) {
            $self->removeTemp();
        }
        if ($self->db === null) {
            return true;
        }
        $db = $self->open($self->db);
        if ($db === null) {
            echo "mm_observe: cannot read {$self->db}\n";
            return false;
        }
        $mine = "run_id IN (SELECT run_id FROM mm_runs WHERE run_tag GLOB '{$self->session}-*' AND test_path IS NOT NULL)";
        $count = (int) $db->querySingle("SELECT count(*) FROM mm_runs WHERE $mine");
        $line = str_repeat('=', 69);
        echo "\n$line\nMEMORY (--mm-observe)\n" . str_repeat('-', 69) . "\n";
        echo "$count test run(s) recorded in {$self->db}\n";
        echo "Query them: sqlite3 {$self->db} \"SELECT * FROM mm_tests WHERE run_id IN (SELECT run_id FROM mm_runs WHERE run_tag GLOB '{$self->session}-*')\"\n";
        foreach ([
            'allocated bytes' => ['alloc_bytes', fn($v) => self::bytes($v)],
            'peak memory' => ['peak_usage', fn($v) => self::bytes($v)],
            'GC time' => ['gc_ns', fn($v) => sprintf('%.3f ms', $v / 1e6)],
        ] as $title => [$col, $fmt]) {
            $res = $db->query("SELECT test_path, $col AS v, gc_runs FROM mm_tests WHERE $mine AND $col > 0 ORDER BY $col DESC, test_path LIMIT " . self::TOP);
            $rows = [];
            while ($res && ($r = $res->fetchArray(SQLITE3_ASSOC))) {
                $rows[] = $r;
            }
            echo "\nTop tests by $title:\n";
            if (!$rows) {
                echo "    (none)\n";
            }
            foreach ($rows as $r) {
                $extra = $col === 'gc_ns' ? " ({$r['gc_runs']} runs)" : '';
                printf("    %12s%s  %s\n", $fmt($r['v']), $extra, $r['test_path']);
            }
        }
        $ok = true;
        if ($self->compareBase !== null) {
            $ok = $self->compare($db, $mine);
        }
        echo "$line\n";
        return $ok;
    }

    /* ---- internals ------------------------------------------------------ */

    private function compare(SQLite3 $db, string $mine): bool
    {
        $base = $this->open($this->compareBase, true);
        if ($base === null) {
            echo "\n--mm-compare: cannot read {$this->compareBase}\n";
            return false;
        }
        /* The base's latest run of each test. */
        $baseRows = [];
        $res = $base->query('SELECT t.test_path, t.alloc_bytes, t.peak_usage FROM mm_tests t'
            . ' WHERE t.run_id = (SELECT max(run_id) FROM mm_runs r WHERE r.test_path = t.test_path AND r.status <> \'running\')');
        while ($res && ($r = $res->fetchArray(SQLITE3_ASSOC))) {
            $baseRows[$r['test_path']] = $r;
        }
        $grown = [];
        $compared = 0;
        $res = $db->query("SELECT test_path, max(run_id) AS run_id, alloc_bytes, peak_usage FROM mm_tests WHERE $mine GROUP BY test_path");
        while ($res && ($r = $res->fetchArray(SQLITE3_ASSOC))) {
            $b = $baseRows[$r['test_path']] ?? null;
            if ($b === null) {
                continue;
            }
            $compared++;
            foreach (['alloc_bytes' => 'allocated', 'peak_usage' => 'peak'] as $col => $what) {
                $old = (int) $b[$col];
                $new = (int) $r[$col];
                if ($new <= $old) {
                    continue;
                }
                $pct = $old > 0 ? ($new - $old) * 100.0 / $old : INF;
                if ($pct > $this->compareThreshold) {
                    $grown[] = [$pct, sprintf("    %-9s %12s -> %-12s %s  %s", $what, self::bytes($old), self::bytes($new),
                        is_infinite($pct) ? '(new)' : sprintf('+%.1f%%', $pct), $r['test_path'])];
                }
            }
        }
        usort($grown, fn($a, $b) => $b[0] <=> $a[0]);
        printf("\nCompared with %s: %d test(s) in both, threshold %s%%\n", $this->compareBase, $compared,
            rtrim(rtrim(sprintf('%.2f', $this->compareThreshold), '0'), '.'));
        if (!$grown) {
            echo "    no test grew by more than the threshold\n";
            return true;
        }
        echo "MEMORY REGRESSIONS (" . count($grown) . "):\n";
        foreach ($grown as [, $text]) {
            echo "$text\n";
        }
        return false;
    }

    /** Evaluates the limits on every run of the current attempt; returns [wanted line, got line] per violation. */
    private function evaluate(array $cur): array
    {
        $db = $this->open($cur['db']);
        $runs = [];
        if ($db !== null) {
            $st = $db->prepare("SELECT run_id, status, peak_usage, usage_end FROM mm_runs WHERE run_tag = :tag AND status <> 'running' ORDER BY run_id");
            $st->bindValue(':tag', $cur['tag']);
            $res = $st->execute();
            while ($res && ($r = $res->fetchArray(SQLITE3_ASSOC))) {
                $runs[] = $r;
            }
        }
        if (!$runs) {
            $why = 'no observed run was recorded (the test did not start, crashed, or its report database could not be written: see its output)';
            return array_map(fn($l) => [$l['text'], "{$l['text']}: $why"], $cur['limits']);
        }
        $failed = [];
        foreach ($cur['limits'] as $l) {
            foreach ($runs as $i => $run) {
                $value = $this->measure($db, $run, $l, $cur['file']);
                if (!self::holds($value, $l['op'], $l['limit'])) {
                    $which = count($runs) > 1 ? sprintf(' in execution %d of %d', $i + 1, count($runs)) : '';
                    $failed[] = [$l['text'], sprintf('%s: measured %s%s, limit %s', $l['text'],
                        self::show($l['metric'], $value), $which, self::show($l['metric'], $l['limit']))];
                    break;
                }
            }
        }
        return $failed;
    }

    private function measure(SQLite3 $db, array $run, array $l, string $testFile): int
    {
        $id = (int) $run['run_id'];
        $metric = $l['metric'];
        if ($metric === 'peak_usage' || $metric === 'usage_end') {
            return (int) $run[$metric];
        }
        if ($metric === 'gc_runs' || $metric === 'gc_collected') {
            return (int) $db->querySingle("SELECT $metric FROM mm_run_totals WHERE run_id = $id");
        }
        if ($metric === 'gc_time') {
            return (int) $db->querySingle("SELECT gc_ns FROM mm_run_totals WHERE run_id = $id");
        }
        $col = self::SITE_METRICS[$metric];
        if ($l['sel'] === '') {
            if ($col === 'peak_live_bytes') {
                return (int) $db->querySingle("SELECT COALESCE(SUM(peak_live_bytes), 0) FROM mm_sites WHERE run_id = $id AND function <> '"
                    . MM_REPORT_UNOBSERVED . "'");
            }
            return (int) $db->querySingle("SELECT $col FROM mm_run_totals WHERE run_id = $id");
        }
        if ($l['sel'] === 'line') {
            $st = $db->prepare("SELECT COALESCE(SUM($col), 0) FROM mm_sites WHERE run_id = $id AND kind <> 'pseudo' AND file IN (:f, :r) AND line = :n");
            $st->bindValue(':f', $testFile);
            $st->bindValue(':r', realpath($testFile) ?: $testFile);
            $st->bindValue(':n', (int) $l['selValue'], SQLITE3_INTEGER);
        } else {
            $by = $l['sel'] === 'callee' ? 'callee' : 'function';
            $st = $db->prepare("SELECT COALESCE(SUM($col), 0) FROM mm_sites WHERE run_id = $id AND kind <> 'pseudo' AND $by = :fn");
            $st->bindValue(':fn', $l['selValue']);
        }
        $res = $st->execute();
        return (int) ($res ? $res->fetchArray(SQLITE3_NUM)[0] : 0);
    }

    private static function holds(int $v, string $op, int $limit): bool
    {
        return match ($op) {
            '<=' => $v <= $limit, '<' => $v < $limit, '>=' => $v >= $limit,
            '>' => $v > $limit, '==' => $v === $limit, '!=' => $v !== $limit,
        };
    }

    /** @throws BorkageException */
    private static function parseValue(string $metric, string $value, string $where): int
    {
        if ($metric === 'gc_time') {
            if (!preg_match('/^(\d+(?:\.\d+)?)(ns|us|ms|s)$/', $value, $m)) {
                throw new BorkageException("$where: gc_time takes a duration with a unit (ns, us, ms, s), e.g. 'gc_time <= 5ms'");
            }
            return (int) round((float) $m[1] * self::TIME_UNITS[$m[2]]);
        }
        if (str_ends_with($metric, '_count') || $metric === 'gc_runs' || $metric === 'gc_collected') {
            if (!ctype_digit($value)) {
                throw new BorkageException("$where: '$metric' is a count and takes a plain integer, not '$value'");
            }
            return (int) $value;
        }
        if (!preg_match('/^(\d+(?:\.\d+)?)([KMG]?)$/', $value, $m) || ($m[2] === '' && !ctype_digit($m[1]))) {
            throw new BorkageException("$where: '$value' is not a size: an integer number of bytes, or a number with K, M or G (1024-based), e.g. 2M");
        }
        return (int) round((float) $m[1] * self::BYTE_UNITS[$m[2]]);
    }

    private static function show(string $metric, int $v): string
    {
        if ($metric === 'gc_time') {
            return sprintf('%d ns (%.3f ms)', $v, $v / 1e6);
        }
        if (str_ends_with($metric, '_count') || str_starts_with($metric, 'gc_')) {
            return (string) $v;
        }
        return $v >= 1024 ? sprintf('%d (%s)', $v, self::bytes($v)) : (string) $v;
    }

    private static function bytes(int|float $v): string
    {
        foreach (['GiB' => 1073741824, 'MiB' => 1048576, 'KiB' => 1024] as $unit => $size) {
            if (abs($v) >= $size) {
                return sprintf('%.2f %s', $v / $size, $unit);
            }
        }
        return sprintf('%d B', $v);
    }

    private static function absolutePath(string $path, string $option): string
    {
        if ($path === '') {
            error("$option: the path is empty");
        }
        if ($path[0] !== '/') {
            $path = getcwd() . '/' . $path;
        }
        return $path;
    }

    /** Null when $path can be used, else why not.  A missing file is fine unless $mustExist. */
    private static function checkDatabase(string $path, bool $mustExist): ?string
    {
        if (is_link($path)) {
            return "'$path' is a symbolic link; refusing to follow it";
        }
        if (!file_exists($path)) {
            if ($mustExist) {
                return "'$path' does not exist";
            }
            $dir = dirname($path);
            return is_dir($dir) && is_writable($dir) ? null : "cannot create '$path': directory '$dir' is missing or not writable";
        }
        if (!is_file($path)) {
            return "'$path' is not a regular file";
        }
        if (filesize($path) === 0) {
            return $mustExist ? "'$path' is empty" : null;
        }
        if (file_get_contents($path, false, null, 0, 16) !== "SQLite format 3\0") {
            return "'$path' is not a SQLite database";
        }
        try {
            $db = new SQLite3($path, SQLITE3_OPEN_READONLY);
            [$app, $version] = MmReportDatabase::identity($db);
            $db->close();
        } catch (Exception $e) {
            return "'$path' cannot be read (" . $e->getMessage() . ')';
        }
        /* The same check, in the same words, as php --mm-report's; a
         * database about to be recorded into may have any version (the
         * recording PHP upgrades an old one, leaves a newer one alone). */
        return MmReportDatabase::problem($path, $app, $mustExist ? $version : null, MmReportDatabase::FOR_TESTS);
    }

    private function tempDatabase(): string
    {
        if ($this->tempDb === null) {
            $this->tempDb = sys_get_temp_dir() . '/run-tests-mm-' . getmypid() . '-' . bin2hex(random_bytes(4)) . '.sqlite';
            register_shutdown_function(function () {
                $this->removeTemp();
            });
        }
        return $this->tempDb;
    }

    /** The temporary database and its WAL files (the children write in WAL mode). */
    private function removeTemp(): void
    {
        if (isset($this->handles[$this->tempDb])) {
            @$this->handles[$this->tempDb]->close();
            unset($this->handles[$this->tempDb]);
        }
        foreach (['', '-wal', '-shm'] as $suffix) {
            @unlink($this->tempDb . $suffix);
        }
        /* Rings a crashed or exec()ed test left next to it. */
        foreach (glob($this->tempDb . '.*.mmring') ?: [] as $ring) {
            @unlink($ring);
        }
    }

    private function open(string $path, bool $readOnly = false): ?SQLite3
    {
        if (isset($this->handles[$path])) {
            return $this->handles[$path];
        }
        if (!class_exists('SQLite3') || !is_file($path)) {
            return null;
        }
        try {
            $db = new SQLite3($path, $readOnly ? SQLITE3_OPEN_READONLY : SQLITE3_OPEN_READWRITE);
        } catch (Exception $e) {
            return null;
        }
        $db->busyTimeout(10000);
        return $this->handles[$path] = $db;
    }
}
