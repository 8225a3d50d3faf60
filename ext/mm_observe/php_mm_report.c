/*
   +----------------------------------------------------------------------+
   | mm_observe: the report program, compiled in                          |
   +----------------------------------------------------------------------+

   php --mm-report runs this code like -r code (sapi/cli/php_cli_mm_observe.h).
   php_mm_report_code.inc is generated at build time from mm_report.php by
   the rule in Makefile.frag: one C string literal per source line, without
   the file's opening tag.
*/

const char php_mm_report_code[] =
#include "php_mm_report_code.inc"
	;
