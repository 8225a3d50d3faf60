<?php
/* make bench workload: a real application from Debian's packaged PHP
 * libraries.  nikic/PHP-Parser (Debian package php-parser) parses a large
 * PHP file, traverses the tree and pretty-prints it back.
 * Usage: php phpparser.php LIBDIR FILE [ROUNDS] */
[$lib, $file] = [$argv[1], $argv[2]];
$rounds = (int) ($argv[3] ?? 1);
require $lib . '/PhpParser/autoload.php';

use PhpParser\NodeTraverser;
use PhpParser\NodeVisitor\NameResolver;
use PhpParser\ParserFactory;
use PhpParser\PrettyPrinter\Standard;

$code = file_get_contents($file);
$nodes = 0;
for ($r = 0; $r < $rounds; $r++) {
    $parser = (new ParserFactory())->create(ParserFactory::PREFER_PHP7);
    $ast = $parser->parse($code);
    $traverser = new NodeTraverser();
    $traverser->addVisitor(new NameResolver());
    $ast = $traverser->traverse($ast);
    $out = (new Standard())->prettyPrintFile($ast);
    $nodes += count($ast);
}
printf("%d top-level nodes, %d bytes printed\n", $nodes, strlen($out));
