<?php
/* The templated page of bench/fpm_throughput.sh: a controller builds 100
 * products, Twig renders them with a layout (extends, blocks, parent()), a
 * loop with an include per row and filters (upper, title, escape, e('html_attr'),
 * url_encode, striptags, slice, map, join, number_format, date).  Compiled
 * templates are cached on disk and never re-checked, as in production.
 * TWIG_AUTOLOAD and TWIG_CACHE come from the pool's env[]. */
require getenv('TWIG_AUTOLOAD');
$loader = new \Twig\Loader\FilesystemLoader(__DIR__ . '/templates');
$twig = new \Twig\Environment($loader, [
    'cache' => getenv('TWIG_CACHE'),
    'auto_reload' => false,
    'strict_variables' => true,
]);
$products = [];
$total = 0.0;
for ($i = 1; $i <= 100; $i++) {
    $price = round(9.99 + $i * 3.17, 2);
    $total += $price;
    $products[] = [
        'id' => $i,
        'name' => "Product <$i> & co",
        'slug' => "product-$i",
        'description' => $i % 3 ? "<p>Description of <b>product $i</b>, which is a fine product with many features.</p>" : '',
        'tags' => ['tag' . ($i % 7), 'size-' . ($i % 4), 'new'],
        'price' => $price,
        'stock' => $i % 9,
        'added' => 1700000000 + $i * 86400,
    ];
}
echo $twig->render('list.html.twig', [
    'site' => ['name' => 'Example Shop', 'nav' => [
        ['href' => '/', 'label' => 'home', 'active' => false],
        ['href' => '/products?c=all&p=1', 'label' => 'products', 'active' => true],
        ['href' => '/about', 'label' => 'about us', 'active' => false],
    ]],
    'category' => 'garden tools',
    'products' => $products,
    'total' => $total,
    'now' => 1733000000,
]);
