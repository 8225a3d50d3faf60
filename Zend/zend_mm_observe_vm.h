/*
   +----------------------------------------------------------------------+
   | mm_observe: keep EX(opline) current in the VM                        |
   +----------------------------------------------------------------------+

   Included by Zend/zend_execute.c just before zend_vm_execute.h.

   The HYBRID and CALL VMs keep the executing opline in a register (or a
   local) and store it to EX(opline) only at SAVE_OPLINE().  Handler fast
   paths that allocate without saving (CONCAT, FAST_CONCAT, ROPE_END,
   MAKE_REF, BIND_LEXICAL, BIND_GLOBAL, FETCH_GLOBALS, ...) would otherwise be
   billed to an earlier opline, and on entry to a function EX(opline) is not
   yet meaningful.  The generated executor calls VM_TRACE(op) at the top of
   every handler; in --enable-mm-observe builds we define it as one store.
   Its cost, with observation off, is measured by `make bench`.

   If another tracing mode (ZEND_VM_TRACE_*) already defined VM_TRACE we leave
   it alone: those debugging builds are not observed builds.
*/

#ifndef ZEND_MM_OBSERVE_VM_H
#define ZEND_MM_OBSERVE_VM_H

#if defined(ZEND_MM_OBSERVE) && !defined(VM_TRACE)
# define VM_TRACE(op) SAVE_OPLINE();
#endif

#endif /* ZEND_MM_OBSERVE_VM_H */
