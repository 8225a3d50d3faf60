/*
   +----------------------------------------------------------------------+
   | mm_observe extension: settings, request hooks, exporter glue         |
   +----------------------------------------------------------------------+
*/

#ifndef PHP_MM_OBSERVE_H
#define PHP_MM_OBSERVE_H

#include "php.h"

#define PHP_MM_OBSERVE_VERSION PHP_VERSION

extern zend_module_entry mm_observe_module_entry;
#define phpext_mm_observe_ptr &mm_observe_module_entry

#endif /* PHP_MM_OBSERVE_H */
