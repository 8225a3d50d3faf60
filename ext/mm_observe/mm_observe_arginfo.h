/* Written to match mm_observe.stub.php (the layout build/gen_stub.php produces). */

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_mm_observe_flush, 0, 0, _IS_BOOL, 0)
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_mm_observe_snapshot, 0, 0, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, label, IS_STRING, 0, "\"\"")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_mm_observe_import, 0, 1, IS_LONG, 0)
	ZEND_ARG_TYPE_INFO(0, ring_file, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, database, IS_STRING, 1, "null")
ZEND_END_ARG_INFO()

ZEND_BEGIN_ARG_WITH_RETURN_TYPE_INFO_EX(arginfo_mm_observe_ring_read, 0, 1, IS_ARRAY, 0)
	ZEND_ARG_TYPE_INFO(0, ring_file_or_pid, IS_STRING, 0)
	ZEND_ARG_TYPE_INFO_WITH_DEFAULT_VALUE(0, top, IS_LONG, 0, "20")
ZEND_END_ARG_INFO()

ZEND_FUNCTION(mm_observe_flush);
ZEND_FUNCTION(mm_observe_snapshot);
ZEND_FUNCTION(mm_observe_import);
ZEND_FUNCTION(mm_observe_ring_read);

static const zend_function_entry ext_functions[] = {
	ZEND_FE(mm_observe_flush, arginfo_mm_observe_flush)
	ZEND_FE(mm_observe_snapshot, arginfo_mm_observe_snapshot)
	ZEND_FE(mm_observe_import, arginfo_mm_observe_import)
	ZEND_FE(mm_observe_ring_read, arginfo_mm_observe_ring_read)
	ZEND_FE_END
};
