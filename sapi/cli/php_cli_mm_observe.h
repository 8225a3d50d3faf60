/*
   +----------------------------------------------------------------------+
   | mm_observe: the CLI's --mm-observe[=FILE] option                     |
   +----------------------------------------------------------------------+

   Included by sapi/cli/php_cli.c.  The option is handled in the first
   option pass, next to -d, and is exactly equivalent to
       -d zend.mm_observe=1 [-d zend.mm_observe_output=FILE]
   so it is fixed before startup, as system-level settings must be.

   php_getopt() hands optional values over only in the --opt=value form and
   leaves the previous optarg untouched otherwise, so we parse the raw
   argument ourselves.  FILE is passed quoted: any path is taken literally.

   Without ZEND_MM_OBSERVE every macro is empty and the CLI is the stock one.
*/

#ifndef PHP_CLI_MM_OBSERVE_H
#define PHP_CLI_MM_OBSERVE_H

#include "zend_mm_observe.h"

#ifdef ZEND_MM_OBSERVE

#include "php_ini_builder.h"

/* Option code, after upstream's 10..16. */
#define PHP_CLI_OPT_MM_OBSERVE 17

static void php_cli_mm_observe_option(struct php_ini_builder *b, const char *arg)
{
	const char *file = strchr(arg, '=');

	php_ini_builder_unquoted(b, "zend.mm_observe", strlen("zend.mm_observe"), "1", 1);
	if (file) {
		file++;
		php_ini_builder_quoted(b, "zend.mm_observe_output", strlen("zend.mm_observe_output"), file, strlen(file));
	}
}

# define PHP_CLI_MM_OBSERVE_OPTIONS {PHP_CLI_OPT_MM_OBSERVE, 2, "mm-observe"},
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg) \
			case PHP_CLI_OPT_MM_OBSERVE: \
				php_cli_mm_observe_option((builder), (arg)); \
				break;
# define PHP_CLI_MM_OBSERVE_USAGE \
				"  --mm-observe[=FILE] Record which line allocated what, into the SQLite\n" \
				"                   database FILE (default: zend.mm_observe_output)\n" \
				"\n"
#else
# define PHP_CLI_MM_OBSERVE_OPTIONS
# define PHP_CLI_MM_OBSERVE_CASES(builder, arg)
# define PHP_CLI_MM_OBSERVE_USAGE
#endif

#endif /* PHP_CLI_MM_OBSERVE_H */
