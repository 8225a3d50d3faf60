--TEST--
mm_observe: allocations under a user frame without code (ReflectionAttribute::newInstance's dummy frame) are billed to the calling line
--FILE--
<?php
require __DIR__ . '/mm_observe.inc';
$db = mmo_path(__FILE__, '.sqlite');
@unlink($db);
$code = <<<'PHP'
<?php
#[Attribute]
class Route { public function __construct(public string $path, public array $methods = []) {} }
#[Route('/users', methods: ['GET', 'POST'])]
class UserController {}
$attr = (new ReflectionClass(UserController::class))->getAttributes()[0];
$route = $attr->newInstance();
echo $route->path, ' ', implode(',', $route->methods), "\n";
PHP;
$r = mmo_observe(__FILE__, $code, $db);
echo $r['out'], $r['err'], "exit: {$r['status']}\n";
$h = mmo_db($db);
echo mmo_line_sites($h, 1, $r['script'], [7]);
?>
--CLEAN--
<?php
require __DIR__ . '/mm_observe.inc';
mmo_cleanup(__FILE__);
?>
--EXPECTF--
/users GET,POST
exit: 0
line 7: {main} DO_FCALL(ReflectionAttribute::newInstance) x%d
