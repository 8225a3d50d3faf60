/*
   +----------------------------------------------------------------------+
   | mm_observe: the CLI's --mm-observe[=FILE] and --mm-report options    |
   +----------------------------------------------------------------------+

   Included by sapi/cli/php_cli.c.  The option is handled in the first
   option pass, next to -d, and is exactly equivalent to
       -d zend.mm_observe=1 [-d zend.mm_observe_output=FILE]
   so it is fixed before startup, as system-level settings must be.

   php_getopt() hands optional values over only in the --opt=value form and
   leaves the previous optarg untouched otherwise, so we parse the raw
   argument ourselves.  FILE is passed quoted: any path is taken literally.

   --mm-report runs the report program (ext/mm_observe/mm_report.php, compiled
   in as php_mm_report_code) exactly as -r runs its code, so the arguments
   after it are the program's $argv: `php --mm-report FILE.sqlite --top 10`.
   The first pass also turns observation off for that process: a report must
   not add a run to a database because php.ini says zend.mm_observe=1.

   Without ZEND_MM_OBSERVE every macro is empty and the CLI is the stock one.
*/

#ifndef PHP_CLI_MM_OBSERVE_H
#define PHP_CLI_MM_OBSERVE_H

#include "zend_mm_observe.h"

#ifdef ZEND_MM_OBSERVE

#include "php_ini_builder.h"

/* Option codes, after upstream's 10..16. */
#define PHP_CLI_OPT_MM_OBSERVE 17
#define PHP_CLI_OPT_MM_REPORT 18
#define PHP_CLI_OPT_MM_IMPORT 19
#define PHP_CLI_OPT_MM_TOP 20

/* ext/mm_observe/php_mm_report.c */
extern const char php_mm_report_code[];

static void php_cli_mm_observe_option(struct php_ini_builder *b, const char *arg)
{
	const char *file = strchr(arg, '=');

	php_ini_builder_unquoted(b, "zend.mm_observe", strlen("zend.mm_observe"), "1", 1);
	if (file) {
		file++;
		php_ini_builder_quoted(b, "zend.mm_observe_output", strlen("zend.mm_observe_output"), file, strlen(file));
	}
}

/* The same program serves --mm-import and --mm-top; $mm_tool says which. */
static char *php_cli_mm_tool_code(const char *tool)
{
	static char *code;
	size_t len = strlen(php_mm_report_code) + 64;

	free(code);
	code = malloc(len);
	if (code) {
		snprintf(code, len, "$mm_tool = '%s';%s", tool, php_mm_report_code);
	}
	return code;
}

# define PHP_CLI_MM_OBSERVE_OPTIONS {PHP_CLI_OPT_MM_OBSERVE, 2, "mm-observe"}, {PHP_CLI_OPT_MM_REPORT, 0, "mm-report"}, \
	{PHP_CLI_OPT_MM_IMPORT, 0, "mm-import"}, {PHP_CLI_OPT_MM_TOP, 0, "mm-top"},
/* The first option pass (main()). */
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg) \
			case PHP_CLI_OPT_MM_OBSERVE: \
				php_cli_mm_observe_option((builder), (arg)); \
				break; \
			case PHP_CLI_OPT_MM_REPORT: \
			case PHP_CLI_OPT_MM_IMPORT: \
			case PHP_CLI_OPT_MM_TOP: \
				php_ini_builder_unquoted((builder), "zend.mm_observe", strlen("zend.mm_observe"), "0", 1); \
				break;
/* The second pass (do_cli()): run the report program like -r code. */
# define PHP_CLI_MM_REPORT_CASES \
			case PHP_CLI_OPT_MM_REPORT: \
			case PHP_CLI_OPT_MM_IMPORT: \
			case PHP_CLI_OPT_MM_TOP: \
				if (context.mode != PHP_CLI_MODE_STANDARD || interactive || exec_direct) { \
					param_error = param_mode_conflict; \
					break; \
				} \
				context.mode = PHP_CLI_MODE_CLI_DIRECT; \
				exec_direct = c == PHP_CLI_OPT_MM_REPORT ? (char *) php_mm_report_code \
					: php_cli_mm_tool_code(c == PHP_CLI_OPT_MM_IMPORT ? "import" : "top"); \
				break;
# define PHP_CLI_MM_OBSERVE_USAGE \
				"  --mm-observe[=FILE] Record which line allocated what, into the SQLite\n" \
				"                   database FILE (default: zend.mm_observe_output)\n" \
				"  --mm-report FILE.sqlite [options]  Report on a recorded run\n" \
				"                   (options after FILE; without FILE it lists them)\n" \
				"  --mm-import RING [DATABASE]  Import the ring file of a crashed process\n" \
				"  --mm-top PID|RING [--once] [--top N] [--interval S]  Live top sites\n" \
				"                   of a running observed process, by live bytes\n" \
				"\n"
#else
# define PHP_CLI_MM_OBSERVE_OPTIONS
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg)
# define PHP_CLI_MM_REPORT_CASES
# define PHP_CLI_MM_OBSERVE_USAGE
#endif

#endif /* PHP_CLI_MM_OBSERVE_H */
