<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-import and php --mm-top                         |
   +----------------------------------------------------------------------+

   php --mm-import RING [DATABASE] and php --mm-top PID|RING: the ring file
   (Zend/zend_mm_observe_ring.h) is read by ext/mm_observe's
   mm_observe_import() and mm_observe_ring_read(); MmTools is their CLI.
   Each option is a program of its own, compiled in as php_mm_import_code
   and php_mm_top_code (php_mm_report.c): ext/mm_observe/Makefile.frag
   makes each from mm_report_common.php, this file and mm_import_main.php
   or mm_top_main.php.  Text from a ring (file and function names, URIs)
   is written only through MmText::text(): the ring may be another user's.
*/

final class MmTools
{
    /** Runs a tool: whatever it throws is one line on stderr and exit status 1, never a stack trace. */
    public static function guarded(string $prog, callable $tool, array $argv): int
    {
        try {
            return $tool($argv);
        } catch (Throwable $e) {
            fwrite(STDERR, "$prog: internal error: " . MmText::text($e->getMessage()) . "\n");
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
                fwrite(STDOUT, 'mm-import: ' . MmText::text(preg_replace('/^mm_observe_import\(\): /', '', $msg)) . "\n");
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
            fwrite(STDERR, 'mm-import: ' . MmText::text($e->getMessage()) . "\n");
            return 1;
        }
        if ($id > 0) {
            $status = '?';
            try {
                $h = new SQLite3($db, SQLITE3_OPEN_READONLY);
                $status = (string) $h->querySingle('SELECT status FROM mm_runs WHERE run_id = ' . (int) $id);
            } catch (Throwable) {
            }
            fwrite(STDOUT, 'mm-import: ' . MmText::text("'{$args[0]}' imported as run $id of '$db' (status '$status')") . "\n");
        }
        return 0;
    }

    public static function top(array $argv): int
    {
        $args = array_slice($argv, 1);
        $frames_wanted = 0;     /* 0: until interrupted */
        $top = MM_REPORT_DEFAULT_TOP;
        $interval = 1.0;
        $target = null;
        for ($i = 0; $i < count($args); $i++) {
            $a = $args[$i];
            if ($a === '--once') {
                $frames_wanted = 1;
            } elseif ($a === '--frames' && isset($args[$i + 1]) && ctype_digit($args[$i + 1]) && strlen($args[$i + 1]) <= 9 && (int) $args[$i + 1] > 0) {
                $frames_wanted = (int) $args[++$i];
            } elseif ($a === '--top' && isset($args[$i + 1]) && ctype_digit($args[$i + 1]) && strlen($args[$i + 1]) <= 9 && (int) $args[$i + 1] > 0) {
                $top = (int) $args[++$i];
            } elseif ($a === '--interval' && isset($args[$i + 1]) && is_numeric($args[$i + 1]) && (float) $args[$i + 1] >= 0.1
                    && (float) $args[$i + 1] <= 3600) {
                $interval = (float) $args[++$i];
            } elseif ($a === '-h' || $a === '--help') {
                fwrite(STDOUT, "usage: php --mm-top PID|RING [--once | --frames N] [--top N] [--interval SECONDS]\n"
                    . "  The top sites by live bytes of a running observed process, read from its ring\n"
                    . "  file without stopping it, with their growth since the previous frame (live\n"
                    . "  bytes per second) and their source lines.  --once prints one frame, --frames N\n"
                    . "  N frames, --interval apart, one after the other (for scripts).\n");
                return 0;
            } elseif ($target === null && $a !== '' && $a[0] !== '-') {
                $target = $a;
            } else {
                fwrite(STDERR, 'mm-top: ' . MmText::text("unknown or incomplete option '$a'") . " (see php --mm-top --help)\n");
                return 1;
            }
        }
        if ($target === null) {
            fwrite(STDERR, "mm-top: give the PID of an observed process or its ring file (see php --mm-top --help)\n");
            return 1;
        }
        $frames = 0;
        $prev = null;       /* the previous frame: [time, live bytes, live bytes per site] */
        $sources = [];
        while (true) {
            try {
                $r = mm_observe_ring_read($target, $top);
            } catch (Throwable $e) {
                if ($frames > 0) {
                    fwrite(STDOUT, 'mm-top: the process has finished (' . MmText::text($e->getMessage()) . ")\n");
                    return 0;
                }
                fwrite(STDERR, 'mm-top: ' . MmText::text($e->getMessage()) . "\n");
                return 1;
            }
            if ($frames_wanted === 0) {
                fwrite(STDOUT, "\033[H\033[2J");
            } elseif ($frames > 0) {
                fwrite(STDOUT, "\n");
            }
            $now = hrtime(true);
            fwrite(STDOUT, self::frame($r, $prev, $now, $sources));
            $prev = [$now, $r['live_bytes'], array_column(array_map(fn(array $s) => [self::siteKey($s), $s['live_bytes']], $r['sites']), 1, 0)];
            $frames++;
            if ($frames === $frames_wanted) {
                return 0;
            }
            usleep((int) ($interval * 1e6));
        }
    }

    /** What tells a site from another across frames. */
    private static function siteKey(array $s): string
    {
        return implode("\0", [$s['kind'], $s['file'], $s['line'], $s['function'], $s['opcode'], $s['callee']]);
    }

    /** Bytes per second, signed; '-' without a previous frame (or a site new in this one: '+' then). */
    private static function rate(?float $delta, float $secs): string
    {
        if ($delta === null || $secs <= 0) {
            return '-';
        }
        $r = $delta / $secs;
        return ($r > 0 ? '+' : ($r < 0 ? '-' : '')) . MmText::bytes((int) round(abs($r))) . '/s';
    }

    /**
     * One screen: the run, then the top sites by live bytes with their
     * growth since the previous frame (live bytes per second; '-' on the
     * first frame and with --once) and, under each, its source line (read
     * as the reports read it: a plain local file, escaped).
     */
    private static function frame(array $r, ?array $prev, int $now, array &$sources): string
    {
        $secs = max(0, (int) (microtime(true) * 1e9) - $r['started_ns']) / 1e9;
        $dt = $prev === null ? 0.0 : ($now - $prev[0]) / 1e9;
        $t = MmText::text(...);
        $out = sprintf("pid %d  %s  %s%s  running %.1f s  run %d in %s\n", $r['pid'], $t($r['state']), $t($r['script']),
            $r['method'] !== '' ? ' (' . $t($r['method']) . ' ' . $t($r['uri']) . ')' : '', $secs, $r['run_id'], $t($r['database']));
        $out .= sprintf("live %s (%s)  allocated %s  sites %d  GC passes %d  ring %s pending of %s, %d lost, %d flushes\n\n",
            MmText::bytes($r['live_bytes']), self::rate($prev === null ? null : (float) ($r['live_bytes'] - $prev[1]), $dt),
            MmText::bytes($r['alloc_bytes']), $r['site_count'] - 1, $r['gc_passes'],
            MmText::bytes($r['events_pending']), MmText::bytes($r['events_size']), $r['events_lost'], $r['flushes']);
        $out .= sprintf("%12s %13s %10s %14s  %s\n", 'LIVE', 'GROWTH', 'BLOCKS', 'ALLOCATED', 'SITE');
        foreach ($r['sites'] as $s) {
            $where = $s['kind'] === 'pseudo' ? $t($s['function'])
                : sprintf('%s:%d %s %s%s', $t($s['file']), $s['line'], $t($s['function']), $t($s['opcode']), $s['callee'] !== '' ? ' ' . $t($s['callee']) . '()' : '');
            $before = $prev === null ? null : ($prev[2][self::siteKey($s)] ?? 0);
            $out .= sprintf("%12s %13s %10d %14s  %s\n", MmText::bytes($s['live_bytes']),
                self::rate($before === null ? null : (float) ($s['live_bytes'] - $before), $dt),
                $s['live_count'], MmText::bytes($s['alloc_bytes']), $where);
            if ($s['kind'] !== 'pseudo' && $s['line'] > 0 && ($text = MmSource::line($s['file'], (int) $s['line'], $sources)) !== null) {
                $out .= sprintf("%52s  | %s\n", '', $t($text));
            }
        }
        return $out;
    }
}
