/*
   +----------------------------------------------------------------------+
   | mm_observe: the CLI's --mm-observe[=FILE] and --mm-report options    |
   +----------------------------------------------------------------------+

   Included by sapi/cli/php_cli.c.  The option is handled in the first
   option pass, next to -d, and sets what
       -d zend.mm_observe=1 [-d zend.mm_observe_output=FILE]
   would, FILE taken literally (below), so it is fixed before startup, as
   system-level settings must be.

   php_getopt() hands optional values over only in the --opt=value form and
   leaves the previous optarg untouched otherwise, so we parse the raw
   argument ourselves.

   FILE is taken as written, byte for byte.  The CLI hands its settings to
   the INI parser (sapi_module.ini_entries), which expands ${VAR}, treats
   '"' and '\' specially and ends a value at a newline.  Inside a
   double-quoted INI string the scanner (Zend/zend_ini_scanner.l) turns
   \" \\ \$ into " \ $, keeps every other byte (newlines included) and
   starts a variable only at an unescaped "${".  So every byte of FILE is
   written as itself except those three, which are escaped.  One exception in
   the scanner: \" followed by CR or LF ends the string (for Windows paths
   like "C:\dir\"), so such a quote is written as \"  then "" (close the
   string, open another: adjacent strings concatenate).  NUL cannot be in an
   argument.  Hence every path is representable.

   Belt and braces: the second option pass (do_cli(), after startup) checks
   that the settings in effect are the ones the option asked for, and
   refuses to run otherwise, with one line on stderr and exit status 1.  That
   catches what escaping cannot: a malformed -d before the option makes the
   INI parser drop everything after it, and a later -d may override it.  A
   run never silently goes to another database.  -d zend.mm_observe_output=
   itself keeps upstream's INI semantics (${VAR} expands there): it is the
   user's INI text, not ours to reinterpret.

   --mm-report, --mm-import and --mm-top each run their own program (made
   from ext/mm_observe/report/ and compiled in as php_mm_report_code,
   php_mm_import_code and php_mm_top_code) exactly as -r runs its code, so
   the arguments after the option are the program's $argv:
   `php --mm-report FILE.sqlite --top 10`.
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

/* ext/mm_observe/php_mm_report.c: the programs of --mm-report, --mm-import, --mm-top */
extern const char php_mm_report_code[];
extern const char php_mm_import_code[];
extern const char php_mm_top_code[];

/* What the first pass asked for, checked by the second
 * (php_cli_mm_observe_verify): the last --mm-observe / --mm-report /
 * --mm-import / --mm-top wins, as it does in the INI entries. */
static struct {
	bool given;         /* an --mm-observe option was the last of them */
	const char *file;   /* its FILE (points into argv), or NULL */
} php_cli_mm_observe_want;

/* Appends name="value" to the INI entries so that the INI parser yields
 * exactly `value` (see the file comment). */
static void php_cli_mm_observe_ini_literal(struct php_ini_builder *b, const char *name, const char *value)
{
	size_t len = strlen(value);
	/* Worst case per byte: '"' before a newline becomes \"""  (4 bytes). */
	char *quoted = malloc(len * 4 + 3);
	size_t n = 0;

	if (!quoted) {
		return;  /* the second pass reports the setting as not applied */
	}
	quoted[n++] = '"';
	for (size_t i = 0; i < len; i++) {
		char c = value[i];
		if (c == '"' || c == '\\' || c == '$') {
			quoted[n++] = '\\';
		}
		quoted[n++] = c;
		if (c == '"' && (value[i + 1] == '\n' || value[i + 1] == '\r')) {
			quoted[n++] = '"';
			quoted[n++] = '"';
		}
	}
	quoted[n++] = '"';
	php_ini_builder_unquoted(b, name, strlen(name), quoted, n);
	free(quoted);
}

/* First pass (main(), before startup): --mm-observe[=FILE]. */
static void php_cli_mm_observe_option(struct php_ini_builder *b, const char *arg)
{
	const char *file = strchr(arg, '=');

	php_ini_builder_unquoted(b, "zend.mm_observe", strlen("zend.mm_observe"), "1", 1);
	if (file) {
		file++;
		php_cli_mm_observe_ini_literal(b, "zend.mm_observe_output", file);
	}
	php_cli_mm_observe_want.given = true;
	php_cli_mm_observe_want.file = file;
}

/* Writes s to stderr with control bytes and '"' as \xNN: one line. */
static void php_cli_mm_observe_put_escaped(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char) *s;
		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\') {
			fprintf(stderr, "\\x%02x", c);
		} else {
			fputc(c, stderr);
		}
	}
}

/* Second pass (do_cli(), after startup, before the script): are the
 * settings in effect the ones --mm-observe asked for?  If not, says so on
 * one line of stderr and returns false: the caller exits with status 1. */
static bool php_cli_mm_observe_verify(void)
{
	const char *problem = NULL;

	if (!php_cli_mm_observe_want.given) {
		return true;
	}
	if (!zend_mm_observe_enabled) {
		problem = "zend.mm_observe is off";
	} else if (php_cli_mm_observe_want.file
			&& (!zend_mm_observe_output || strcmp(zend_mm_observe_output, php_cli_mm_observe_want.file) != 0)) {
		problem = "zend.mm_observe_output is another path";
	}
	if (!problem) {
		return true;
	}
	fputs("php: --mm-observe", stderr);
	if (php_cli_mm_observe_want.file) {
		fputs("=\"", stderr);
		php_cli_mm_observe_put_escaped(php_cli_mm_observe_want.file);
		fputs("\"", stderr);
	}
	fprintf(stderr, " was not applied (%s: a -d option after it overrides it, or one before it is malformed); nothing was run\n", problem);
	fflush(stderr);
	return false;
}

# define PHP_CLI_MM_OBSERVE_OPTIONS {PHP_CLI_OPT_MM_OBSERVE, 2, "mm-observe"}, {PHP_CLI_OPT_MM_REPORT, 0, "mm-report"}, \
	{PHP_CLI_OPT_MM_IMPORT, 0, "mm-import"}, {PHP_CLI_OPT_MM_TOP, 0, "mm-top"},
/* The first option pass (main()). */
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg) \
			case PHP_CLI_OPT_MM_OBSERVE: \
				php_cli_mm_observe_option((builder), (arg)); \
				break; \
			case 15: /* --ini (php_cli.c's option table): shows, runs no script */ \
				zend_mm_observe_suppress(); \
				break; \
			case PHP_CLI_OPT_MM_REPORT: \
			case PHP_CLI_OPT_MM_IMPORT: \
			case PHP_CLI_OPT_MM_TOP: \
				php_ini_builder_unquoted((builder), "zend.mm_observe", strlen("zend.mm_observe"), "0", 1); \
				php_cli_mm_observe_want.given = false; \
				break;
/* First pass, -i, -v, -m: the process runs no script of the user's, so
 * none of its requests is recorded, whatever php.ini says. */
# define PHP_CLI_MM_OBSERVE_NO_SCRIPT() zend_mm_observe_suppress()
/* The second pass (do_cli()): refuse to run when --mm-observe was not
 * applied (the message is already on stderr; an empty param_error makes
 * do_cli() exit with status 1 without printing more); run the report
 * program like -r code. */
# define PHP_CLI_MM_REPORT_CASES \
			case PHP_CLI_OPT_MM_OBSERVE: \
				if (!php_cli_mm_observe_verify()) { \
					param_error = ""; \
				} \
				break; \
			case PHP_CLI_OPT_MM_REPORT: \
			case PHP_CLI_OPT_MM_IMPORT: \
			case PHP_CLI_OPT_MM_TOP: \
				if (context.mode != PHP_CLI_MODE_STANDARD || interactive || exec_direct) { \
					param_error = param_mode_conflict; \
					break; \
				} \
				context.mode = PHP_CLI_MODE_CLI_DIRECT; \
				exec_direct = (char *) (c == PHP_CLI_OPT_MM_REPORT ? php_mm_report_code \
					: c == PHP_CLI_OPT_MM_IMPORT ? php_mm_import_code : php_mm_top_code); \
				break;
# define PHP_CLI_MM_OBSERVE_USAGE \
				"  --mm-observe[=FILE] Record which line allocated what, into the SQLite\n" \
				"                   database FILE (default: zend.mm_observe_output)\n" \
				"  --mm-report FILE.sqlite [options]  Report on a recorded run\n" \
				"                   (options after FILE; without FILE it lists them)\n" \
				"  --mm-import RING [DATABASE]  Import the ring file of a crashed process\n" \
				"  --mm-top PID|RING [--once | --frames N] [--top N] [--interval S]\n" \
				"                   Live top sites of a running observed process, by\n" \
				"                   live bytes, with their growth and source lines\n" \
				"\n"
#else
# define PHP_CLI_MM_OBSERVE_OPTIONS
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg)
# define PHP_CLI_MM_OBSERVE_NO_SCRIPT()          ((void) 0)
# define PHP_CLI_MM_REPORT_CASES
# define PHP_CLI_MM_OBSERVE_USAGE
#endif

#endif /* PHP_CLI_MM_OBSERVE_H */
