dnl mm_observe: the exporter half of the allocation and GC observer.
dnl
dnl Built, always statically, exactly when the engine is configured with
dnl --enable-mm-observe (ZEND_CHECK_MM_OBSERVE, Zend/Zend.m4).  It is the only
dnl code that links libsqlite3.

ZEND_CHECK_MM_OBSERVE

if test "$ZEND_MM_OBSERVE" = "yes"; then
  PKG_CHECK_MODULES([MM_OBSERVE_SQLITE], [sqlite3 >= 3.31.0])
  PHP_EVAL_INCLINE([$MM_OBSERVE_SQLITE_CFLAGS])
  PHP_EVAL_LIBLINE([$MM_OBSERVE_SQLITE_LIBS])
  PHP_NEW_EXTENSION([mm_observe],
    m4_normalize([
      mm_observe.c
      php_mm_export.c
      php_mm_export_agg.c
      php_mm_export_import.c
      php_mm_export_schema.c
      php_mm_export_write.c
      php_mm_report.c
    ]),
    [no],,
    [-DZEND_ENABLE_STATIC_TSRMLS_CACHE=1])
  PHP_INSTALL_HEADERS([ext/mm_observe], [php_mm_observe.h php_mm_export.h])
  PHP_ADD_MAKEFILE_FRAGMENT
fi
