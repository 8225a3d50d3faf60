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
#include "zend_mm_observe_ring.h"
#include "zend_exceptions.h"
#include "zend_observer.h"
#include "mm_observe_arginfo.h"

#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <errno.h>
#include <syslog.h>
#include <grp.h>
#include <ctype.h>
#include "zend_smart_str.h"

/* Settings of this module.  Like the engine's zend.mm_observe*, they are
 * PHP_INI_SYSTEM: fixed before the first observed request. */
typedef struct {
	char *run_tag;
	bool full_shutdown;
	zend_long ring_size;
	zend_long sample_bytes;
	zend_long max_runs;
	bool call_paths;
	bool record_args;
	zend_long path_sample_bytes;
	zend_long path_depth;
	php_mm_export_settings export;   /* worker mode: detail, windows, drains, size budget */
} mm_observe_settings;
static mm_observe_settings mm_observe_ini;

/* mm_observe_ring_read(): sites returned when $top is not given (the stub's default). */
#define MM_OBSERVE_TOP_DEFAULT 20

/* The ring and the memory timeline. */
#define MM_OBSERVE_DEFAULT_RING_SIZE    "1M"    /* ZEND_MM_OBSERVE_RING_DEFAULT */
#define MM_OBSERVE_DEFAULT_SAMPLE_BYTES "16M"   /* a memory sample per 16 MiB allocated */
/* Call paths: a sampled block per KiB allocated on average.  Measured on
 * a million-allocation run (300 MB): every path holding 1% of its bytes
 * within 3.4% of its exact share over six seeds, and at most +5% of the
 * instructions of observation without paths (UPGRADING, section 11). */
#define MM_OBSERVE_DEFAULT_PATH_SAMPLE  "2K"
#define MM_OBSERVE_DEFAULT_PATH_DEPTH   "128"
/* Worker-mode defaults: a busy staging site stays bounded (UPGRADING,
 * "Worker mode" has the measured growth). */
#define MM_OBSERVE_DEFAULT_DETAIL_EVERY "1000"  /* one request in 1000 keeps its detail ... */
#define MM_OBSERVE_DEFAULT_DETAIL_PEAK  "64M"   /* ... and every one peaking at 64 MiB ... */
#define MM_OBSERVE_DEFAULT_DETAIL_MS    "2000"  /* ... or running 2 s, or failing */
#define MM_OBSERVE_DEFAULT_WINDOW       "300"   /* endpoint aggregates per 5 minutes */
#define MM_OBSERVE_DEFAULT_DRAIN_MS     "1000"  /* summaries written at most once a second per worker */
#define MM_OBSERVE_DEFAULT_MAX_DB_SIZE  "1G"
#define MM_OBSERVE_MIN_DB_SIZE          (256 * 1024)

/* A byte size within [min, max]; a clear message and the default otherwise. */
static zend_result mm_observe_ini_bytes(zend_string *value, const char *name, zend_long min, zend_long max, zend_long *out)
{
	zend_string *err = NULL;
	zend_ulong v = zend_ini_parse_uquantity(value, &err);

	if (err) {
		fprintf(stderr, "Warning: mm_observe: %s=%s is not a size (%s); using the default\n", name, ZSTR_VAL(value), ZSTR_VAL(err));
		zend_string_release(err);
		return FAILURE;
	}
	if (v < (zend_ulong) min || v > (zend_ulong) max) {
		fprintf(stderr, "Warning: mm_observe: %s=%s is outside %ld..%ld bytes; using the default\n", name, ZSTR_VAL(value), (long) min, (long) max);
		return FAILURE;
	}
	*out = (zend_long) v;
	return SUCCESS;
}

static PHP_INI_MH(mm_observe_update_ring_size)
{
	return mm_observe_ini_bytes(new_value, "zend.mm_observe_ring_size", ZEND_MM_OBSERVE_RING_MIN, ZEND_MM_OBSERVE_RING_MAX, &mm_observe_ini.ring_size);
}

static PHP_INI_MH(mm_observe_update_sample_bytes)
{
	return mm_observe_ini_bytes(new_value, "zend.mm_observe_sample_bytes", 0, (zend_long) 1 << 40, &mm_observe_ini.sample_bytes);
}

static PHP_INI_MH(mm_observe_update_max_runs)
{
	char *end;
	long v = strtol(ZSTR_VAL(new_value), &end, 10);
	if (*end || v < 0 || end == ZSTR_VAL(new_value)) {
		fprintf(stderr, "Warning: mm_observe: zend.mm_observe_max_runs=%s is not a number of runs (0 keeps all); keeping all\n", ZSTR_VAL(new_value));
		return FAILURE;
	}
	mm_observe_ini.max_runs = v;
	return SUCCESS;
}

static PHP_INI_MH(mm_observe_update_detail)
{
	const char *v = ZSTR_VAL(new_value);
	if (strcmp(v, "all") != 0 && strcmp(v, "selected") != 0) {
		fprintf(stderr, "Warning: mm_observe: zend.mm_observe_detail=%s is neither 'selected' nor 'all'; using 'selected'\n", v);
		mm_observe_ini.export.detail_all = false;
		return FAILURE;
	}
	mm_observe_ini.export.detail_all = strcmp(v, "all") == 0;
	return SUCCESS;
}

/* A whole number within [min, max]; a clear message and the default otherwise. */
static zend_result mm_observe_ini_count(zend_string *value, const char *name, zend_long min, zend_long max, zend_long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(ZSTR_VAL(value), &end, 10);
	if (*end || end == ZSTR_VAL(value) || errno || v < min || v > max) {
		fprintf(stderr, "Warning: mm_observe: %s=%s is not a whole number in %ld..%ld; using the default\n",
			name, ZSTR_VAL(value), (long) min, (long) max);
		return FAILURE;
	}
	*out = (zend_long) v;
	return SUCCESS;
}

static PHP_INI_MH(mm_observe_update_path_sample_bytes)
{
	return mm_observe_ini_bytes(new_value, "zend.mm_observe_path_sample_bytes", 0, (zend_long) 1 << 40, &mm_observe_ini.path_sample_bytes);
}

static PHP_INI_MH(mm_observe_update_path_depth)
{
	return mm_observe_ini_count(new_value, "zend.mm_observe_path_depth", 2, 1024, &mm_observe_ini.path_depth);
}

static PHP_INI_MH(mm_observe_update_detail_every)
{
	return mm_observe_ini_count(new_value, "zend.mm_observe_detail_every", 0, ZEND_LONG_MAX, &mm_observe_ini.export.detail_every);
}

static PHP_INI_MH(mm_observe_update_detail_peak)
{
	return mm_observe_ini_bytes(new_value, "zend.mm_observe_detail_peak", 0, ZEND_LONG_MAX, &mm_observe_ini.export.detail_peak);
}

static PHP_INI_MH(mm_observe_update_detail_ms)
{
	return mm_observe_ini_count(new_value, "zend.mm_observe_detail_ms", 0, 86400 * 1000, &mm_observe_ini.export.detail_ms);
}

static PHP_INI_MH(mm_observe_update_window)
{
	return mm_observe_ini_count(new_value, "zend.mm_observe_window", 1, 86400, &mm_observe_ini.export.window);
}

static PHP_INI_MH(mm_observe_update_drain_ms)
{
	return mm_observe_ini_count(new_value, "zend.mm_observe_drain_ms", 0, 3600 * 1000, &mm_observe_ini.export.drain_ms);
}

static PHP_INI_MH(mm_observe_update_max_db_size)
{
	zend_long v = 0;
	if (mm_observe_ini_bytes(new_value, "zend.mm_observe_max_db_size", 0, ZEND_LONG_MAX, &v) == FAILURE) {
		return FAILURE;
	}
	if (v > 0 && v < MM_OBSERVE_MIN_DB_SIZE) {
		fprintf(stderr, "Warning: mm_observe: zend.mm_observe_max_db_size=%s is below the smallest budget (%d bytes); using %d\n",
			ZSTR_VAL(new_value), MM_OBSERVE_MIN_DB_SIZE, MM_OBSERVE_MIN_DB_SIZE);
		v = MM_OBSERVE_MIN_DB_SIZE;
	}
	mm_observe_ini.export.max_db_size = v;
	return SUCCESS;
}

/* zend.mm_observe_file_mode: owner read-write always, the group may read or
 * read-write, others nothing (a database others could write would feed them
 * our reports; one they could read would show them every file and function
 * of the application). */
static PHP_INI_MH(mm_observe_update_file_mode)
{
	const char *v = ZSTR_VAL(new_value);
	char *end;
	errno = 0;
	long mode = strtol(v, &end, 8);
	if (!*v || *end || errno || (mode != 0600 && mode != 0640 && mode != 0660)) {
		fprintf(stderr, "Warning: mm_observe: zend.mm_observe_file_mode=%s is not 0600, 0640 or 0660 (never readable by others); using 0600\n", v);
		mm_observe_ini.export.file_mode = 0600;
		return FAILURE;
	}
	mm_observe_ini.export.file_mode = (int) mode;
	return SUCCESS;
}

/* zend.mm_observe_file_group: a group name or number, resolved once. */
static PHP_INI_MH(mm_observe_update_file_group)
{
	const char *v = ZSTR_VAL(new_value);
	mm_observe_ini.export.file_gid = -1;
	if (!*v) {
		return SUCCESS;
	}
	char buf[4096], *end;
	struct group grp, *found = NULL;
	int rc = getgrnam_r(v, &grp, buf, sizeof(buf), &found);
	if (rc == 0 && found) {
		mm_observe_ini.export.file_gid = (zend_long) found->gr_gid;
		return SUCCESS;
	}
	errno = 0;
	unsigned long gid = strtoul(v, &end, 10);
	if (*v >= '0' && *v <= '9' && !*end && !errno && gid < (unsigned long) (gid_t) -1) {
		mm_observe_ini.export.file_gid = (zend_long) gid;
		return SUCCESS;
	}
	fprintf(stderr, "Warning: mm_observe: zend.mm_observe_file_group=%s is not a group of this system; databases keep the group of the process that creates them\n", v);
	return FAILURE;
}

PHP_INI_BEGIN()
	PHP_INI_ENTRY("zend.mm_observe_ring_size", MM_OBSERVE_DEFAULT_RING_SIZE, PHP_INI_SYSTEM, mm_observe_update_ring_size)
	PHP_INI_ENTRY("zend.mm_observe_detail", "selected", PHP_INI_SYSTEM, mm_observe_update_detail)
	PHP_INI_ENTRY("zend.mm_observe_detail_every", MM_OBSERVE_DEFAULT_DETAIL_EVERY, PHP_INI_SYSTEM, mm_observe_update_detail_every)
	PHP_INI_ENTRY("zend.mm_observe_detail_peak", MM_OBSERVE_DEFAULT_DETAIL_PEAK, PHP_INI_SYSTEM, mm_observe_update_detail_peak)
	PHP_INI_ENTRY("zend.mm_observe_detail_ms", MM_OBSERVE_DEFAULT_DETAIL_MS, PHP_INI_SYSTEM, mm_observe_update_detail_ms)
	PHP_INI_ENTRY("zend.mm_observe_window", MM_OBSERVE_DEFAULT_WINDOW, PHP_INI_SYSTEM, mm_observe_update_window)
	PHP_INI_ENTRY("zend.mm_observe_drain_ms", MM_OBSERVE_DEFAULT_DRAIN_MS, PHP_INI_SYSTEM, mm_observe_update_drain_ms)
	PHP_INI_ENTRY("zend.mm_observe_max_db_size", MM_OBSERVE_DEFAULT_MAX_DB_SIZE, PHP_INI_SYSTEM, mm_observe_update_max_db_size)
	PHP_INI_ENTRY("zend.mm_observe_sample_bytes", MM_OBSERVE_DEFAULT_SAMPLE_BYTES, PHP_INI_SYSTEM, mm_observe_update_sample_bytes)
	PHP_INI_ENTRY("zend.mm_observe_max_runs", "0", PHP_INI_SYSTEM, mm_observe_update_max_runs)
	PHP_INI_ENTRY("zend.mm_observe_file_mode", "0600", PHP_INI_SYSTEM, mm_observe_update_file_mode)
	PHP_INI_ENTRY("zend.mm_observe_file_group", "", PHP_INI_SYSTEM, mm_observe_update_file_group)
	STD_PHP_INI_BOOLEAN("zend.mm_observe_call_paths", "1", PHP_INI_SYSTEM, OnUpdateBool,
		call_paths, mm_observe_settings, mm_observe_ini)
	PHP_INI_ENTRY("zend.mm_observe_path_sample_bytes", MM_OBSERVE_DEFAULT_PATH_SAMPLE, PHP_INI_SYSTEM, mm_observe_update_path_sample_bytes)
	PHP_INI_ENTRY("zend.mm_observe_path_depth", MM_OBSERVE_DEFAULT_PATH_DEPTH, PHP_INI_SYSTEM, mm_observe_update_path_depth)
	STD_PHP_INI_BOOLEAN("zend.mm_observe_args", "1", PHP_INI_SYSTEM, OnUpdateBool,
		record_args, mm_observe_settings, mm_observe_ini)
	STD_PHP_INI_ENTRY("zend.mm_observe_run_tag", "", PHP_INI_SYSTEM, OnUpdateString,
		run_tag, mm_observe_settings, mm_observe_ini)
	STD_PHP_INI_BOOLEAN("zend.mm_observe_full_shutdown", "0", PHP_INI_SYSTEM, OnUpdateBool,
		full_shutdown, mm_observe_settings, mm_observe_ini)
PHP_INI_END()

/* The arguments after the script of a command-line run (argv[1..]), as a
 * shell would read them back: an argument with anything but letters,
 * digits and -_=./:,@%+ in single quotes.  At most `len` - 1 bytes; a cut
 * list ends in "...".  Never the environment. */
static void mm_observe_args(char *out, size_t len, int argc, char **argv)
{
	static const char plain[] = "-_=./:,@%+";
	smart_str buf = {0};

	for (int i = 1; i < argc && argv && argv[i] && (!buf.s || ZSTR_LEN(buf.s) < len); i++) {
		const char *a = argv[i];
		bool quote = !*a;
		for (const char *c = a; *c && !quote; c++) {
			quote = !isalnum((unsigned char) *c) && !strchr(plain, *c);
		}
		if (i > 1) {
			smart_str_appendc(&buf, ' ');
		}
		if (!quote) {
			smart_str_appends(&buf, a);
			continue;
		}
		smart_str_appendc(&buf, '\'');
		for (const char *c = a; *c; c++) {
			if (*c == '\'') {
				smart_str_appends(&buf, "'\\''");
			} else {
				smart_str_appendc(&buf, *c);
			}
		}
		smart_str_appendc(&buf, '\'');
	}
	if (!buf.s) {
		out[0] = '\0';
		return;
	}
	if (ZSTR_LEN(buf.s) < len) {
		memcpy(out, ZSTR_VAL(buf.s), ZSTR_LEN(buf.s) + 1);
	} else {
		snprintf(out, len, "%.*s...", (int) (len - 4), ZSTR_VAL(buf.s));
	}
	smart_str_free(&buf);
}

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

/* The ring passed its high-water mark: drain it here, at the VM's next safe
 * point (zend_interrupt_helper calls us before the next opline). */
static void (*mm_observe_prev_interrupt)(zend_execute_data *execute_data);

static void mm_observe_interrupt(zend_execute_data *execute_data)
{
	if (zend_mm_observe_drain_wanted && zend_mm_observe_active) {
		php_mm_export_flush(ZEND_MM_OBSERVE_FLUSH_HIGH_WATER, 0);
	}
	if (mm_observe_prev_interrupt) {
		mm_observe_prev_interrupt(execute_data);
	}
}

/* SAPIs that serve one script per process: everything else (php-fpm, the
 * CLI server, CGI/FastCGI, apache2handler, ...) runs in worker mode. */
static bool mm_observe_oom_noted;

/* The memory error of an observed request: where its report is, on a
 * line of its own in PHP's error log, just before the error itself (error
 * observers run before the error is logged).  The error's message stays
 * upstream's, and a display-only setup (run-tests.php sets log_errors=0)
 * shows nothing more.  The heap is past its limit here, with ZendMM's
 * overflow allowance, as for the logging of the error that follows. */
static void mm_observe_error_observer(int type, zend_string *file, uint32_t line, zend_string *message)
{
	if (!(type & E_FATAL_ERRORS) || !zend_mm_observe_active || mm_observe_oom_noted || !PG(log_errors)
			|| !zend_mm_observe_run_info()->oom.happened) {
		return;
	}
	mm_observe_oom_noted = true;
	const char *where = php_mm_export_describe();
	if (where) {
		char msg[MAXPATHLEN + 128];
		snprintf(msg, sizeof(msg), "mm_observe: the memory error below is recorded in %s", where);
		php_log_err_with_severity(msg, LOG_ERR);
	}
}

static bool mm_observe_sapi_is_script(const char *name)
{
	return !strcmp(name, "cli") || !strcmp(name, "phpdbg") || !strcmp(name, "embed");
}

static PHP_MINIT_FUNCTION(mm_observe)
{
	/* Every setting takes its value from its entry's default (the strings
	 * above and in the table): a value php.ini sets that its handler
	 * refuses falls back to the default, through the same handler. */
	REGISTER_INI_ENTRIES();
	zend_mm_observe_persistent = !mm_observe_sapi_is_script(sapi_module.name);
	zend_mm_observe_ring_configure((size_t) mm_observe_ini.ring_size, (uint64_t) mm_observe_ini.sample_bytes);
	zend_mm_observe_paths_configure(mm_observe_ini.call_paths, (uint64_t) mm_observe_ini.path_sample_bytes,
		(uint32_t) mm_observe_ini.path_depth);
	mm_observe_prev_interrupt = zend_interrupt_function;
	zend_interrupt_function = mm_observe_interrupt;
	zend_mm_observe_set_exporter(php_mm_export_finish);
	zend_observer_error_register(mm_observe_error_observer);
	if (zend_mm_observe_enabled) {
		mm_observe_disable_jit();
		zend_mm_observe_calibrate();
	}
	return SUCCESS;
}

static PHP_MSHUTDOWN_FUNCTION(mm_observe)
{
	php_mm_export_shutdown();
	UNREGISTER_INI_ENTRIES();
	return SUCCESS;
}

static PHP_RINIT_FUNCTION(mm_observe)
{
#if defined(ZTS) && defined(COMPILE_DL_MM_OBSERVE)
	ZEND_TSRMLS_CACHE_UPDATE();
#endif
	mm_observe_oom_noted = false;
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
	meta.max_runs = mm_observe_ini.max_runs;
	/* Web SAPIs: the method and the URI, never the query string (it may
	 * carry data; we record code locations and sizes only). */
	char uri[1024] = "";
	meta.method = SG(request_info).request_method;
	if (meta.method) {
		/* The client's REQUEST_URI when the server passes it (FastCGI
		 * params), else what the SAPI derived. */
		char *env = sapi_getenv("REQUEST_URI", sizeof("REQUEST_URI") - 1);
		const char *from = env ? env : SG(request_info).request_uri;
		if (from) {
			snprintf(uri, sizeof(uri), "%.*s", (int) strcspn(from, "?"), from);
		}
		if (env) {
			efree(env);
		}
	}
	meta.uri = uri;
	char args[ZEND_MM_OBSERVE_ARGS_MAX] = "";
	if (!meta.method && mm_observe_ini.record_args) {
		mm_observe_args(args, sizeof(args), SG(request_info).argc, SG(request_info).argv);
	}
	meta.args = args;
	/* php_admin_value may have set them after module startup (php-fpm). */
	mm_observe_ini.export.worker = zend_mm_observe_persistent;
	php_mm_export_configure(&mm_observe_ini.export);
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
		php_mm_export_script_ended((PG(last_error_type) & E_FATAL_ERRORS) != 0, EG(exit_status),
			SG(request_info).request_method ? SG(sapi_headers).http_response_code : 0);
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

/* ---- functions ---------------------------------------------------------- */

PHP_FUNCTION(mm_observe_flush)
{
	ZEND_PARSE_PARAMETERS_NONE();
	RETURN_BOOL(zend_mm_observe_active && php_mm_export_flush(ZEND_MM_OBSERVE_FLUSH_EXPLICIT, 0));
}

PHP_FUNCTION(mm_observe_snapshot)
{
	zend_string *label = NULL;

	ZEND_PARSE_PARAMETERS_START(0, 1)
		Z_PARAM_OPTIONAL
		Z_PARAM_STR(label)
	ZEND_PARSE_PARAMETERS_END();

	if (!zend_mm_observe_active || !php_mm_export_recording()) {
		RETURN_LONG(0);
	}
	zend_mm_observe_run *run = zend_mm_observe_run_mut();
	zend_mm_observe_snapshot_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.id = ++run->snapshots;
	ev.t_ns = zend_mm_observe_elapsed_ns();
	ev.usage = zend_memory_usage(false);
	ev.site = zend_mm_observe_site_here();
	ev.label_len = label ? (uint32_t) MIN(ZSTR_LEN(label), 1024) : 0;
	if (!zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_SNAPSHOT, &ev, sizeof(ev), label ? ZSTR_VAL(label) : NULL, ev.label_len)) {
		/* The ring is full: make room, then record it. */
		php_mm_export_flush(ZEND_MM_OBSERVE_FLUSH_HIGH_WATER, 0);
		zend_mm_observe_event_push(ZEND_MM_OBSERVE_EVENT_SNAPSHOT, &ev, sizeof(ev), label ? ZSTR_VAL(label) : NULL, ev.label_len);
	}
	php_mm_export_flush(ZEND_MM_OBSERVE_FLUSH_SNAPSHOT, ev.id);
	RETURN_LONG((zend_long) ev.id);
}

PHP_FUNCTION(mm_observe_import)
{
	zend_string *ring, *db = NULL;
	char msg[2048];

	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_PATH_STR(ring)
		Z_PARAM_OPTIONAL
		Z_PARAM_PATH_STR_OR_NULL(db)
	ZEND_PARSE_PARAMETERS_END();

	if (zend_mm_observe_active) {
		zend_throw_error(NULL, "mm_observe_import() cannot run in an observed request (it shares the exporter); run php --mm-import");
		RETURN_THROWS();
	}
	int64_t id = php_mm_export_import(ZSTR_VAL(ring), db ? ZSTR_VAL(db) : NULL, msg, sizeof(msg));
	if (id < 0) {
		zend_throw_exception(NULL, msg, 0);
		RETURN_THROWS();
	}
	if (id == 0) {
		php_error_docref(NULL, E_NOTICE, "%s", msg);
	}
	RETURN_LONG((zend_long) id);
}

/* /proc/PID/maps names the ring file the process has mapped. */
static bool mm_observe_ring_of_pid(zend_long pid, char *out, size_t len)
{
	char maps[64], line[MAXPATHLEN + 256];
	bool found = false;

	snprintf(maps, sizeof(maps), "/proc/" ZEND_LONG_FMT "/maps", pid);
	FILE *f = fopen(maps, "r");
	if (!f) {
		return false;
	}
	while (!found && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, "\n");
		line[n] = '\0';
		const char *path = strchr(line, '/');
		size_t slen = sizeof(ZEND_MM_OBSERVE_RING_SUFFIX) - 1;
		if (path && n > slen && strcmp(line + n - slen, ZEND_MM_OBSERVE_RING_SUFFIX) == 0) {
			snprintf(out, len, "%s", path);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* A counter from a ring file as a PHP int: the file may hold anything. */
static zend_always_inline zend_long mm_observe_clamp(uint64_t v)
{
	return v > (uint64_t) ZEND_LONG_MAX ? ZEND_LONG_MAX : (zend_long) v;
}

static void mm_observe_add_str(zval *arr, const char *key, const char *s)
{
	add_assoc_string(arr, key, (char *) s);
}

/* The ring file of a target: a pid (its mapped ring, /proc) or a path. */
static bool mm_observe_ring_target(const zend_string *target, char *path, size_t len)
{
	const char *t = ZSTR_VAL(target);
	if (*t && strspn(t, "0123456789") == ZSTR_LEN(target)) {
		if (!mm_observe_ring_of_pid(ZEND_STRTOL(t, NULL, 10), path, len)) {
			zend_throw_exception_ex(NULL, 0, "process %s has no mm_observe ring mapped (not running, not observed, or not yours)", t);
			return false;
		}
	} else {
		snprintf(path, len, "%s", t);
	}
	return true;
}

/* What the header of a ring says about its process and run. */
static void mm_observe_ring_describe(zval *out, const char *path, const zend_mm_observe_ring_view *v)
{
	const zend_mm_observe_ring_header *h = v->hdr;

	mm_observe_add_str(out, "path", path);
	add_assoc_long(out, "pid", h->pid);
	add_assoc_string(out, "state", zend_mm_observe_state_name(h->writer_state));
	mm_observe_add_str(out, "database", h->database);
	add_assoc_long(out, "run_id", (zend_long) h->run_id);
	mm_observe_add_str(out, "script", h->script);
	mm_observe_add_str(out, "sapi", h->sapi);
	mm_observe_add_str(out, "method", h->method);
	mm_observe_add_str(out, "uri", h->uri);
	add_assoc_long(out, "started_ns", mm_observe_clamp(h->started_ns));
	add_assoc_long(out, "allocated", mm_observe_clamp(h->allocated));
	add_assoc_long(out, "usage_start", mm_observe_clamp(h->run.usage_start));
	add_assoc_long(out, "events_size", mm_observe_clamp(h->events_size));
	add_assoc_long(out, "events_pending", mm_observe_clamp(h->head - h->tail));
	add_assoc_long(out, "events_lost", mm_observe_clamp(h->events_lost));
	add_assoc_long(out, "flushes", mm_observe_clamp(h->flushes));
	add_assoc_long(out, "gc_passes", mm_observe_clamp(h->run.gc_passes));
	add_assoc_long(out, "site_count", v->site_count);
}

/* The sums of live and allocated bytes, and the `top` sites by live bytes
 * ({unobserved} left out), largest first. */
static void mm_observe_ring_top(zval *out, const zend_mm_observe_ring_view *v, zend_long top)
{
	int64_t live = 0, alloc = 0;
	uint32_t n = top > 0 ? (uint32_t) MIN(top, 10000) : 0, used = 0;
	uint32_t *best = n ? safe_emalloc(n, sizeof(uint32_t), 0) : NULL;

	for (uint32_t i = 1; i < v->site_count; i++) {
		const zend_mm_observe_site *s = &v->sites[i];
		if (__builtin_add_overflow(live, s->live_bytes, &live)) {
			live = s->live_bytes > 0 ? INT64_MAX : INT64_MIN;
		}
		if (__builtin_add_overflow(alloc, mm_observe_clamp(s->alloc_bytes), &alloc)) {
			alloc = INT64_MAX;
		}
		if (!n || s->live_bytes <= 0 || (s->flags & ZEND_MM_OBSERVE_SITE_UNOBSERVED)) {
			continue;
		}
		uint32_t at = used;
		while (at > 0 && v->sites[best[at - 1]].live_bytes < s->live_bytes) {
			at--;
		}
		if (at >= n) {
			continue;
		}
		uint32_t last = used < n ? used : n - 1;
		memmove(&best[at + 1], &best[at], (last - at) * sizeof(uint32_t));
		best[at] = i;
		if (used < n) {
			used++;
		}
	}
	add_assoc_long(out, "live_bytes", (zend_long) live);
	add_assoc_long(out, "alloc_bytes", (zend_long) alloc);
	zval sites;
	array_init(&sites);
	for (uint32_t k = 0; k < used; k++) {
		const zend_mm_observe_site *s = &v->sites[best[k]];
		const char *op = zend_mm_observe_opcode_name(s);
		zval row;
		array_init(&row);
		add_assoc_long(&row, "site_id", best[k]);
		mm_observe_add_str(&row, "kind", zend_mm_observe_kind_name(s->kind));
		mm_observe_add_str(&row, "file", zend_mm_observe_ring_str(v, s->file_str));
		add_assoc_long(&row, "line", s->line);
		mm_observe_add_str(&row, "function", zend_mm_observe_ring_str(v, s->function_str));
		mm_observe_add_str(&row, "opcode", op ? op : "");
		mm_observe_add_str(&row, "callee", zend_mm_observe_ring_str(v, s->callee_str));
		add_assoc_long(&row, "alloc_count", mm_observe_clamp(s->alloc_count));
		add_assoc_long(&row, "alloc_bytes", mm_observe_clamp(s->alloc_bytes));
		add_assoc_long(&row, "live_count", (zend_long) s->live_count);
		add_assoc_long(&row, "live_bytes", (zend_long) s->live_bytes);
		add_next_index_zval(&sites, &row);
	}
	if (best) {
		efree(best);
	}
	add_assoc_zval(out, "sites", &sites);
}

PHP_FUNCTION(mm_observe_ring_read)
{
	zend_string *target;
	zend_long top = MM_OBSERVE_TOP_DEFAULT;
	char path[MAXPATHLEN], err[256];

	ZEND_PARSE_PARAMETERS_START(1, 2)
		Z_PARAM_PATH_STR(target)
		Z_PARAM_OPTIONAL
		Z_PARAM_LONG(top)
	ZEND_PARSE_PARAMETERS_END();

	if (!mm_observe_ring_target(target, path, sizeof(path))) {
		RETURN_THROWS();
	}
	/* Read, never mapped: the file may be anyone's, and may change or
	 * shrink while we look (zend_mm_observe_ring_read_open()). */
	zend_mm_observe_ring_reader r;
	if (zend_mm_observe_ring_read_open(&r, path, 0, err, sizeof(err)) == FAILURE) {
		zend_throw_exception_ex(NULL, 0, "'%s' %s", path, err);
		RETURN_THROWS();
	}
	array_init(return_value);
	mm_observe_ring_describe(return_value, path, &r.view);
	mm_observe_ring_top(return_value, &r.view, top);
	zend_mm_observe_ring_read_close(&r);
}

zend_module_entry mm_observe_module_entry = {
	STANDARD_MODULE_HEADER,
	"mm_observe",
	ext_functions,
	PHP_MINIT(mm_observe),
	PHP_MSHUTDOWN(mm_observe),
	PHP_RINIT(mm_observe),
	PHP_RSHUTDOWN(mm_observe),
	PHP_MINFO(mm_observe),
	PHP_MM_OBSERVE_VERSION,
	STANDARD_MODULE_PROPERTIES
};
