/*
   +----------------------------------------------------------------------+
   | mm_observe: keep EX(opline) current in the VM                        |
   +----------------------------------------------------------------------+

   Included by Zend/zend_execute.c just before zend_vm_execute.h.

   The HYBRID and CALL VMs keep the executing opline in a register (or a
   local) and store it to EX(opline) only at SAVE_OPLINE().  Handler fast
   paths that allocate without saving (CONCAT, FAST_CONCAT, ROPE_END,
   MAKE_REF, BIND_LEXICAL, ASSIGN_DIM's array separation, ...) would
   otherwise be billed to an earlier opline.  The generated executor calls
   VM_TRACE(op) at the top of every handler; in --enable-mm-observe builds
   it expands to ZEND_MM_OBSERVE_TRACE_<op>, defined by the generated
   zend_mm_observe_vm_trace.h (Zend/zend_mm_observe_vm_gen.pl, run by the
   build on this tree's zend_vm_execute.h) as one store, SAVE_OPLINE(), for
   the handlers that may reach ZendMM (or free an object) before saving,
   and as nothing for the others (arithmetic and comparison fast paths,
   jumps, the calls, which save first).  Stores cost an instruction per
   executed handler with observation on or off; the handlers left without
   one are where the time goes (`make bench`, "off").

   -DZEND_MM_OBSERVE_TRACE_ALL stores in every handler (the reference the
   generated list is measured against).  -DZEND_MM_OBSERVE_TRACE_CHECK
   builds the list with a check: every handler also records its frame and
   opline, and an allocation billed to another opline of the executing
   frame is reported (mk/check-vm-trace.sh runs upstream's tests so).

   If another tracing mode (ZEND_VM_TRACE_*) already defined VM_TRACE we leave
   it alone: those debugging builds are not observed builds.
*/

#ifndef ZEND_MM_OBSERVE_VM_H
#define ZEND_MM_OBSERVE_VM_H

#if defined(ZEND_MM_OBSERVE) && !defined(VM_TRACE)
# ifdef ZEND_MM_OBSERVE_TRACE_ALL
#  define VM_TRACE(op) SAVE_OPLINE();
# elif defined(ZEND_MM_OBSERVE_TRACE_CHECK)
   /* The list, checked: see zend_mm_observe_trace_compare(). */
#  include "zend_mm_observe_vm_trace.h"
   ZEND_API extern const void *zend_mm_observe_trace_ex;
   ZEND_API extern const void *zend_mm_observe_trace_opline;
#  define VM_TRACE(op) ZEND_MM_OBSERVE_TRACE_##op \
	zend_mm_observe_trace_ex = execute_data; zend_mm_observe_trace_opline = OPLINE;
# else
#  include "zend_mm_observe_vm_trace.h"
#  define VM_TRACE(op) ZEND_MM_OBSERVE_TRACE_##op
# endif
#endif

#endif /* ZEND_MM_OBSERVE_VM_H */
