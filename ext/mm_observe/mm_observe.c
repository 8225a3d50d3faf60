/*
   +----------------------------------------------------------------------+
   | mm_observe extension: settings, request hooks, exporter glue         |
   +----------------------------------------------------------------------+

   The engine half (Zend/zend_mm_observe.c) observes from zend_activate()
   to the top of zend_mm_shutdown(); this module

     - at MINIT registers the exporter and, when observation is on, turns
       the JIT off (JIT code does not keep EX(opline) current), saying so
       once on stderr if the user had asked for it;
     - at RINIT opens the report database of an observed request, and stops
       observing that request if the database cannot be used (the script
       still runs, the reason is printed once);
     - owns two settings of its own: zend.mm_observe_run_tag (recorded in
       mm_runs.run_tag, so a harness such as run-tests.php finds its run)
       and zend.mm_observe_full_shutdown (free everything one by one at
       request end, so live_* at heap shutdown are true leaks);
     - shows the settings in phpinfo().

   It is always built statically, and only with --enable-mm-observe.
*/

#ifdef HAVE_CONFIG_H
# include <config.h>
#endif

#include "php.h"
#include "php_ini.h"
#include "SAPI.h"
#include "ext/standard/info.h"
#include "zend_mm_observe.h"
#include "php_mm_observe.h"
#include "php_mm_export.h"

/* Settings of this module.  Like the engine's zend.mm_observe*, they are
 * PHP_INI_SYSTEM: fixed before the first observed request. */
typedef struct {
	char *run_tag;
	bool full_shutdown;
} mm_observe_settings;
static mm_observe_settings mm_observe_ini;

PHP_INI_BEGIN()
	STD_PHP_INI_ENTRY("zend.mm_observe_run_tag", "", PHP_INI_SYSTEM, OnUpdateString,
		run_tag, mm_observe_settings, mm_observe_ini)
	STD_PHP_INI_BOOLEAN("zend.mm_observe_full_shutdown", "0", PHP_INI_SYSTEM, OnUpdateBool,
		full_shutdown, mm_observe_settings, mm_observe_ini)
PHP_INI_END()

/* Values of opcache.jit that leave the JIT off. */
static bool mm_observe_jit_is_off(const char *v)
{
	return !*v || !strcasecmp(v, "disable") || !strcasecmp(v, "off") || !strcmp(v, "0")
		|| !strcasecmp(v, "false") || !strcasecmp(v, "no");
}

/* Called at MINIT, before opcache (a zend_extension, started after the
 * modules) reads its settings: rewrite opcache.jit in the configuration
 * hash so the JIT never starts. */
static void mm_observe_disable_jit(void)
{
	HashTable *cfg = php_ini_get_configuration_hash();
	zval *jit = cfg ? zend_hash_str_find(cfg, "opcache.jit", sizeof("opcache.jit") - 1) : NULL;
	zval off;

	if (!jit || Z_TYPE_P(jit) != IS_STRING || mm_observe_jit_is_off(Z_STRVAL_P(jit))) {
		return;
	}
	fprintf(stderr, "mm_observe: opcache.jit=%s is turned off while observing: JIT-compiled code "
		"does not keep the current opline, so allocations would be billed to the wrong lines.\n",
		Z_STRVAL_P(jit));
	fflush(stderr);
	ZVAL_NEW_STR(&off, zend_string_init("disable", sizeof("disable") - 1, 1));
	zend_hash_str_update(cfg, "opcache.jit", sizeof("opcache.jit") - 1, &off);
}

static PHP_MINIT_FUNCTION(mm_observe)
{
	REGISTER_INI_ENTRIES();
	zend_mm_observe_set_exporter(php_mm_export_finish);
	zend_mm_observe_set_describer(php_mm_export_describe);
	if (zend_mm_observe_enabled) {
		mm_observe_disable_jit();
		zend_mm_observe_calibrate();
	}
	return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(mm_observe)
{
	UNREGISTER_INI_ENTRIES();
	return SUCCESS;
}

static PHP_RINIT_FUNCTION(mm_observe)
{
#if defined(ZTS) && defined(COMPILE_DL_MM_OBSERVE)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	if (!zend_mm_observe_active) {
		return SUCCESS;
	}
	if (php_during_module_startup()) {
		/* opcache's preloading request, run while the modules start: not
		 * a request of the user's; recording it would add a run per
		 * process that nobody asked for. */
		zend_mm_observe_abandon();
		return SUCCESS;
	}
	php_mm_export_run_meta meta;
	meta.sapi = sapi_module.name;
	meta.script = SG(request_info).path_translated ? SG(request_info).path_translated : "Command line code";
	meta.php_version = PHP_VERSION;
	meta.run_tag = mm_observe_ini.run_tag;
	meta.full_shutdown = mm_observe_ini.full_shutdown;
	if (php_mm_export_open(zend_mm_observe_output ? zend_mm_observe_output : ZEND_MM_OBSERVE_DEFAULT_OUTPUT, &meta) == FAILURE) {
		zend_mm_observe_abandon();
		return SUCCESS;
	}
	if (mm_observe_ini.full_shutdown) {
		/* Free every block one by one at the end of the request, as debug
		 * builds do (shutdown_executor() skips its fast path), so what is
		 * still live when the heap shuts down is memory nobody freed.
		 * (Never in the preloading request above: opcache refuses
		 * full_tables_cleanup there, as it is also what dl() sets.) */
		EG(full_tables_cleanup) = 1;
	}
	return SUCCESS;
}

static PHP_RSHUTDOWN_FUNCTION(mm_observe)
{
	if (zend_mm_observe_active) {
		php_mm_export_script_ended((PG(last_error_type) & E_FATAL_ERRORS) != 0, EG(exit_status));
	}
	return SUCCESS;
}

static PHP_MINFO_FUNCTION(mm_observe)
{
	php_info_print_table_start();
	php_info_print_table_row(2, "mm_observe", "compiled in");
	php_info_print_table_row(2, "Observing", zend_mm_observe_enabled ? "yes" : "no");
	php_info_print_table_row(2, "Report database", zend_mm_observe_output ? zend_mm_observe_output : "");
	php_info_print_table_end();
	DISPLAY_INI_ENTRIES();
}

zend_module_entry mm_observe_module_entry = {
	STANDARD_MODULE_HEADER,
	"mm_observe",
	NULL,
	PHP_MINIT(mm_observe),
	PHP_MSHUTDOWN(mm_observe),
	PHP_RINIT(mm_observe),
	PHP_RSHUTDOWN(mm_observe),
	PHP_MINFO(mm_observe),
	PHP_MM_OBSERVE_VERSION,
	STANDARD_MODULE_PROPERTIES
};
