# The programs behind php --mm-report, --mm-import and --mm-top, compiled in
# as C strings (php_mm_report.c).  Each is its files from report/ joined in
# this order (a class is defined before the entry file uses it), every file
# without its first line (the open tag), every line one C string literal:
# backslash, double quote and '?' (no trigraphs) escaped.
MM_OBSERVE_REPORT_PROGRAM = $(srcdir)/report/mm_report_common.php $(srcdir)/report/mm_report.php \
	$(srcdir)/report/mm_report_format.php $(srcdir)/report/mm_report_paths.php \
	$(srcdir)/report/mm_report_pprof.php $(srcdir)/report/mm_report_html.php $(srcdir)/report/mm_report_main.php
MM_OBSERVE_IMPORT_PROGRAM = $(srcdir)/report/mm_report_common.php $(srcdir)/report/mm_tools.php \
	$(srcdir)/report/mm_import_main.php
MM_OBSERVE_TOP_PROGRAM = $(srcdir)/report/mm_report_common.php $(srcdir)/report/mm_tools.php \
	$(srcdir)/report/mm_top_main.php
MM_OBSERVE_TO_C = sed -e '1d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/'

$(srcdir)/php_mm_report_code.inc: $(MM_OBSERVE_REPORT_PROGRAM)
	for f in $(MM_OBSERVE_REPORT_PROGRAM); do $(MM_OBSERVE_TO_C) "$$f" || exit 1; done > $@.tmp && mv $@.tmp $@

$(srcdir)/php_mm_import_code.inc: $(MM_OBSERVE_IMPORT_PROGRAM)
	for f in $(MM_OBSERVE_IMPORT_PROGRAM); do $(MM_OBSERVE_TO_C) "$$f" || exit 1; done > $@.tmp && mv $@.tmp $@

$(srcdir)/php_mm_top_code.inc: $(MM_OBSERVE_TOP_PROGRAM)
	for f in $(MM_OBSERVE_TOP_PROGRAM); do $(MM_OBSERVE_TO_C) "$$f" || exit 1; done > $@.tmp && mv $@.tmp $@

ext/mm_observe/php_mm_report.lo: $(srcdir)/php_mm_report_code.inc $(srcdir)/php_mm_import_code.inc \
	$(srcdir)/php_mm_top_code.inc

# The schema of the report database (mm_schema.sql), compiled in the same
# way, every line kept (php_mm_export_schema.c).
$(srcdir)/php_mm_export_schema.inc: $(srcdir)/mm_schema.sql
	sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $(srcdir)/mm_schema.sql > $@.tmp && mv $@.tmp $@

ext/mm_observe/php_mm_export_schema.lo: $(srcdir)/php_mm_export_schema.inc

# Which VM handlers store EX(opline) on entry (Zend/zend_mm_observe_vm.h),
# decided from this tree's generated executor.
Zend/zend_execute.lo: Zend/zend_mm_observe_vm_trace.h
Zend/zend_mm_observe_vm_trace.h: $(top_srcdir)/Zend/zend_vm_execute.h $(top_srcdir)/Zend/zend_mm_observe_vm_gen.pl
	perl $(top_srcdir)/Zend/zend_mm_observe_vm_gen.pl $(top_srcdir)/Zend/zend_vm_execute.h > $@.tmp && mv $@.tmp $@
