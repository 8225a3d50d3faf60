--TEST--
php --mm-report --format html: headless Chromium loads it with no console message, the call-path flame graphs (allocated, live at the end, live at the peak) have the expected frames, and a click on a frame zooms into it
--SKIPIF--
<?php
exec('command -v chromium 2>/dev/null', $o, $rc);
if ($rc !== 0) die('skip needs chromium (Debian: chromium; mk/deps.sh installs it with the test dependencies)');
?>
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
$html = mmo_path(__FILE__, '.d') . '/report.html';
@unlink($db);
mmo_rmtree(dirname($html));
mkdir(dirname($html));
$code = <<<'PHP'
<?php
function render_page(int $i): string { return str_repeat("<p>$i</p>", 50); }
class Cycle { public $me; }
$pages = []; mm_observe_snapshot('before');
for ($i = 0; $i < 12000; $i++) {
    $pages[] = render_page($i);
    $c = new Cycle; $c->me = $c;
}
mm_observe_snapshot('after');
echo count($pages), "\n";
PHP;
echo mmo_observe(__FILE__, $code, $db)['out'];
$r = mmo_report([$db, '--format', 'html', '--output', $html]);
echo "report: {$r['status']}{$r['err']}\n";
/* A copy that clicks the narrowest frame (at least 10 px) of the first graph once the page's own script has run. */
$zoom = dirname($html) . '/zoom.html';
file_put_contents($zoom, str_replace('</body>', '<script>var g = null; document.querySelectorAll("svg.flame")[0].querySelectorAll("g.frame").forEach(function (f) {'
    . ' if (+f.dataset.w >= 10 && (!g || +f.dataset.w < +g.dataset.w)) { g = f; } });'
    . ' g.dispatchEvent(new MouseEvent("click", {bubbles: true}));'
    . ' document.body.setAttribute("data-zoomed", g.querySelector("rect").getAttribute("width") + " " + g.dataset.w);'
    . ' document.body.setAttribute("data-hidden", [].filter.call(document.querySelectorAll("svg.flame")[0].querySelectorAll("g.frame"), function (f) { return f.style.display === "none"; }).length);'
    . '</script></body>', file_get_contents($html)));
$profile = dirname($html) . '/profile';
$cmd = 'chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=' . escapeshellarg($profile)
    . ' --enable-logging=stderr --v=0 --dump-dom ' . escapeshellarg('file://' . $html);
$p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, ['HOME' => dirname($html), 'PATH' => getenv('PATH')]);
$dom = stream_get_contents($pipes[1]);
$log = stream_get_contents($pipes[2]);
proc_close($p);
echo "console messages: ", preg_match_all('/CONSOLE|Uncaught|Refused to|Failed to load/i', $log), "\n";
$doc = new DOMDocument();
@$doc->loadHTML($dom);
$x = new DOMXPath($doc);
foreach ($x->query('//*[local-name()="svg" and contains(@class, "flame")]') as $svg) {
    $names = [];
    foreach ($x->query('.//*[local-name()="title"]', $svg) as $t) {
        $names[] = preg_replace('/ — .*/u', '', $t->textContent);
    }
    echo $svg->getAttribute('data-metric'), ": ", count($names), " frames; ";
    foreach (['all', 'render_page (report_html_chromium.child.php:2)', 'str_repeat()', '{main} (report_html_chromium.child.php:6)'] as $want) {
        echo $want, '=', in_array($want, $names, true) ? 'yes' : 'no', ' ';
    }
    echo "\n";
}
echo "GC marks: ", $x->query('//*[local-name()="rect" and @class="gc-run"]')->length > 0 ? 'yes' : 'no', "\n";
echo "self and inclusive table: ", str_contains($dom, 'Functions: self and inclusive') ? 'yes' : 'no', "\n";
/* Issue 16, item 6: axes with units, compile sites marked, the source of the top lines, the growth between snapshots. */
$axis = [];
foreach ($x->query('//*[local-name()="svg"]/*[local-name()="text" and @class="axis"] | //*[local-name()="svg"]/*[local-name()="g"]/*[local-name()="text" and @class="axis"]') as $t) {
    $axis[] = $t->textContent;
}
echo "axis labels: ", count($axis) >= 20 ? 'yes' : 'no (' . count($axis) . ')', ", in ms: ", count(preg_grep('/^[\d.]+ ms$/', $axis)) >= 12 ? 'yes' : 'no',
    ", in bytes: ", count(preg_grep('/^[\d.]+ (B|KiB|MiB)$/', $axis)) >= 5 ? 'yes' : 'no', "\n";
echo "compile sites marked: ", $x->query('//span[@class="compile"]')->length > 0 ? 'yes' : 'no', "\n";
$src = [];
foreach ($x->query('//pre[@class="src"]') as $pre) {
    $src[] = $pre->textContent;
}
echo "source of the top lines: ", in_array('$pages[] = render_page($i);', $src, true) ? 'yes' : 'no: ' . json_encode($src), "\n";
echo "growth section: ", $x->query('//h2[starts-with(., "Growth from snapshot 1 (before) to snapshot 2 (after)")]')->length === 1 ? 'yes' : 'no', "\n";
$cmd = 'chromium --headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=' . escapeshellarg($profile)
    . ' --enable-logging=stderr --v=0 --dump-dom ' . escapeshellarg('file://' . $zoom);
$p = proc_open($cmd, [1 => ['pipe', 'w'], 2 => ['pipe', 'w']], $pipes, null, ['HOME' => dirname($html), 'PATH' => getenv('PATH')]);
$dom = stream_get_contents($pipes[1]);
$log = stream_get_contents($pipes[2]);
proc_close($p);
echo "zoom: console messages: ", preg_match_all('/CONSOLE|Uncaught|Refused to|Failed to load/i', $log), "; ";
preg_match('/data-zoomed="([\d.]+) ([\d.]+)"/', $dom, $m);
preg_match('/data-hidden="(\d+)"/', $dom, $hid);
echo "the clicked frame ", isset($m[1]) && (float) $m[1] > 1190 && (float) $m[2] < 1190 ? 'now spans the graph' : 'did not grow: ' . ($m[0] ?? 'no result'), "; ",
    isset($hid[1]) && $hid[1] > 0 ? 'frames outside it hidden' : 'nothing hidden', "\n";
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
12000
report: 0
console messages: 0
alloc_bytes: %d frames; all=yes render_page (report_html_chromium.child.php:2)=yes str_repeat()=yes {main} (report_html_chromium.child.php:6)=yes 
leak_bytes: %d frames; all=yes render_page (report_html_chromium.child.php:2)=yes str_repeat()=yes {main} (report_html_chromium.child.php:6)=yes 
peak_live_bytes: %d frames; all=yes render_page (report_html_chromium.child.php:2)=yes str_repeat()=yes {main} (report_html_chromium.child.php:6)=yes 
GC marks: yes
self and inclusive table: yes
axis labels: yes, in ms: yes, in bytes: yes
compile sites marked: yes
source of the top lines: yes
growth section: yes
zoom: console messages: 0; the clicked frame now spans the graph; frames outside it hidden
