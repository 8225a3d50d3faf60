# The report program, compiled in as a C string (php_mm_report.c).
$(srcdir)/php_mm_report_code.inc: $(srcdir)/mm_report.php
	sed -e '1d' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/?/\\?/g' -e 's/^/"/' -e 's/$$/\\n"/' $(srcdir)/mm_report.php > $@

ext/mm_observe/php_mm_report.lo: $(srcdir)/php_mm_report_code.inc
