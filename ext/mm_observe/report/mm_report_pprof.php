<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: php --mm-report --format pprof                           |
   +----------------------------------------------------------------------+

   MmReportPprof encodes a run's sites as pprof's profile.proto, by hand
   (no protobuf library), gzipped: with ext/zlib's gzencode() when the
   build has it, else as stored deflate blocks.  Part of the --mm-report
   program only (ext/mm_observe/Makefile.frag).
*/

/** pprof's profile.proto, encoded by hand (gzipped, as `go tool pprof` and Pyroscope read it). */
final class MmReportPprof
{
    private array $strings = ['' => 0];
    private array $functions = [];
    private array $locations = [];
    private string $fnBytes = '';
    private string $locBytes = '';

    /**
     * $paths given (a run with call paths): one sample per path, its whole
     * stack (leaf first: the internal callee, the allocating line, then
     * each caller at the line of its call, internal functions that call
     * back between them); else one sample per site, two frames deep.
     */
    public static function encode(array $run, array $sites, ?MmReportPaths $paths = null): string
    {
        $p = new self();
        $types = [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes'], ['peak_inuse_space', 'bytes']];
        $msg = '';
        foreach ($types as [$t, $u]) {
            $msg .= self::bytesField(1, self::intField(1, $p->str($t)) . self::intField(2, $p->str($u)));
        }
        foreach ($paths === null ? [] : $paths->paths() as $path) {
            $locs = [];
            foreach ($paths->stack($path) as $f) {
                $locs[] = $p->location($f['function'], $f['file'], $f['line']);
                if ($f['callee'] !== '') {
                    $locs[] = $p->location($f['callee'], '[internal]', 0);
                }
            }
            $values = [(int) $path['alloc_count'], (int) $path['alloc_bytes'], (int) $path['live_count'], (int) $path['live_bytes'],
                (int) $path['peak_live_bytes']];
            $msg .= self::bytesField(2, self::packed(1, array_reverse($locs)) . self::packed(2, $values));
        }
        foreach ($paths === null ? $sites : [] as $s) {
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
            . ($paths === null ? '' : self::intField(13, $p->str($paths->note())))
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
