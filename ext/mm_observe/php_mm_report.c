/*
   +----------------------------------------------------------------------+
   | mm_observe: the report programs, compiled in                         |
   +----------------------------------------------------------------------+

   php --mm-report, --mm-import and --mm-top each run one of these programs
   like -r code (sapi/cli/php_cli_mm_observe.h selects it by option).  The
   .inc files are generated at build time by the rules in Makefile.frag:
   each joins the program's files from report/ (mm_report_common.php first,
   the option's *_main.php last), one C string literal per source line,
   without each file's opening tag.

     php_mm_report_code   --mm-report: common, report, the formats, main
     php_mm_import_code   --mm-import: common, tools, import main
     php_mm_top_code      --mm-top:    common, tools, top main
*/

const char php_mm_report_code[] =
#include "php_mm_report_code.inc"
	;

const char php_mm_import_code[] =
#include "php_mm_import_code.inc"
	;

const char php_mm_top_code[] =
#include "php_mm_top_code.inc"
	;
