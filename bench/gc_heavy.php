<?php
/* make bench workload: the cycle collector's worst case.  Creates 400 000
 * self-referencing objects and arrays (about 40 threshold-triggered runs)
 * plus explicit runs with destructors, so that the GC probes, and with
 * observation on their records, are exercised. */
final class Cyc
{
    public $self;
    public array $data = [];
}
final class WithDtor
{
    public $self;
    public static int $n = 0;
    public function __destruct() { self::$n++; }
}
$collected = 0;
for ($round = 0; $round < 20; $round++) {
    for ($i = 0; $i < 20000; $i++) {
        $o = new Cyc;
        $o->self = $o;
        $o->data = [$i, "v$i"];
        $a = [$o];
        $a[] = &$a;
    }
    for ($i = 0; $i < 500; $i++) {
        $d = new WithDtor;
        $d->self = $d;
    }
    unset($o, $a, $d);
    $collected += gc_collect_cycles();
}
echo $collected, ' ', WithDtor::$n, ' ', gc_status()['runs'], "\n";
