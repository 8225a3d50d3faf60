--TEST--
mm_observe (issue 15): the handlers that store EX(opline) on entry are decided soundly (crafted executor: saves on one path only, labels, conditional code, helpers, indirect calls) and the build uses the generator's list for this tree
--SKIPIF--
<?php
$src = __DIR__ . '/../../..';
if (!is_file("$src/Zend/zend_mm_observe_vm_gen.pl") || !is_file("$src/Zend/zend_vm_execute.h")) die('skip not in a built fork tree');
exec('perl -e 1 2>/dev/null', $o, $rc);
if ($rc !== 0) die('skip perl');
?>
--FILE--
<?php
$src = realpath(__DIR__ . '/../../..');
$gen = "$src/Zend/zend_mm_observe_vm_gen.pl";
$tmp = __DIR__ . '/vm_trace_list.h';

function handler(string $name, string $body, string $args = 'ZEND_OPCODE_HANDLER_ARGS'): string
{
    return "static ZEND_OPCODE_HANDLER_RET ZEND_FASTCALL $name($args)\n{\n$body\n}\n";
}
$cases = [
    'PLAIN'        => ['free',  "\tUSE_OPLINE\n\tZVAL_LONG(EX_VAR(opline->result.var), 1);\n\tZEND_VM_NEXT_OPCODE();"],
    'ALLOC'        => ['store', "\tUSE_OPLINE\n\tZVAL_STR(EX_VAR(opline->result.var), zend_string_alloc(8, 0));\n\tZEND_VM_NEXT_OPCODE();"],
    'SAVED'        => ['free',  "\tUSE_OPLINE\n\n\tSAVE_OPLINE();\n\tzend_string_alloc(8, 0);\n\tZEND_VM_NEXT_OPCODE();"],
    'SAVE_IF'      => ['store', "\tUSE_OPLINE\n\tif (x) SAVE_OPLINE();\n\temalloc(8);\n\tZEND_VM_NEXT_OPCODE();"],
    'SAVE_BLOCK'   => ['store', "\tUSE_OPLINE\n\tif (x) {\n\t\tSAVE_OPLINE();\n\t} else {\n\t\temalloc(8);\n\t}\n\tZEND_VM_NEXT_OPCODE();"],
    'SAVE_BEFORE'  => ['store', "\tUSE_OPLINE\n\tif (x) {\n\t\tSAVE_OPLINE();\n\t}\n\temalloc(8);\n\tZEND_VM_NEXT_OPCODE();"],
    'LABEL'        => ['store', "\tUSE_OPLINE\n\tif (x) goto slow;\n\tSAVE_OPLINE();\nslow:\n\temalloc(8);\n\tZEND_VM_NEXT_OPCODE();"],
    'CASE'         => ['store', "\tUSE_OPLINE\n\tswitch (x) {\n\t\tcase 1: SAVE_OPLINE();\n\t\tcase 2: emalloc(8);\n\t}\n\tZEND_VM_NEXT_OPCODE();"],
    'DEBUG_SAVE'   => ['store', "\tUSE_OPLINE\n#if ZEND_DEBUG\n\tSAVE_OPLINE();\n#endif\n\temalloc(8);\n\tZEND_VM_NEXT_OPCODE();"],
    'DEBUG_ALLOC'  => ['store', "\tUSE_OPLINE\n#if ZEND_DEBUG\n\temalloc(8);\n#endif\n\tZEND_VM_NEXT_OPCODE();"],
    'DEAD_ALLOC'   => ['free',  "\tUSE_OPLINE\n#if 0 || (IS_CV == IS_UNUSED)\n\temalloc(8);\n#else\n\tZVAL_NULL(EX_VAR(1));\n#endif\n\tZEND_VM_NEXT_OPCODE();"],
    'LIVE_ALLOC'   => ['store', "\tUSE_OPLINE\n#if 0 || (IS_CV != IS_UNUSED)\n\temalloc(8);\n#endif\n\tZEND_VM_NEXT_OPCODE();"],
    'REG_SAVE'     => ['free',  "#ifdef ZEND_VM_IP_GLOBAL_REG\n\tUSE_OPLINE\n\n\tSAVE_OPLINE();\n#endif\n\tzend_throw_error(NULL, \"x\");\n\tHANDLE_EXCEPTION();"],
    'INDIRECT'     => ['store', "\tUSE_OPLINE\n\t((opcode_handler_t) p)(x);\n\tZEND_VM_NEXT_OPCODE();"],
    'COMMENTED'    => ['store', "\tUSE_OPLINE\n\t/* SAVE_OPLINE(); */\n\temalloc(8); // SAVE_OPLINE();\n\tZEND_VM_NEXT_OPCODE();"],
    'HELPER_SAVES' => ['free',  "\tUSE_OPLINE\n\tif (UNEXPECTED(x)) {\n\t\tZEND_VM_TAIL_CALL(saving_helper_SPEC(ZEND_OPCODE_HANDLER_ARGS_PASSTHRU));\n\t}\n\tZEND_VM_NEXT_OPCODE();"],
    'HELPER_ALLOCS'=> ['store', "\tUSE_OPLINE\n\tZEND_VM_TAIL_CALL(allocating_helper_SPEC(ZEND_OPCODE_HANDLER_ARGS_PASSTHRU));"],
    'RECURSIVE'    => ['store', "\tZEND_VM_TAIL_CALL(ping_helper_SPEC(ZEND_OPCODE_HANDLER_ARGS_PASSTHRU));"],
    'FREES_OBJECT' => ['store', "\tUSE_OPLINE\n\tzval_ptr_dtor_nogc(EX_VAR(opline->op1.var));\n\tZEND_VM_NEXT_OPCODE();"],
    'NO_BODY'      => ['store', null],
];
$c = "#ifndef VM_TRACE\n# define VM_TRACE(op)\n#endif\n";
$c .= handler('saving_helper_SPEC', "\tUSE_OPLINE\n\n\tSAVE_OPLINE();\n\temalloc(8);\n\tHANDLE_EXCEPTION();");
$c .= handler('allocating_helper_SPEC', "\tUSE_OPLINE\n\temalloc(8);\n\tSAVE_OPLINE();\n\tHANDLE_EXCEPTION();");
$c .= handler('ping_helper_SPEC', "\tZEND_VM_TAIL_CALL(pong_helper_SPEC(ZEND_OPCODE_HANDLER_ARGS_PASSTHRU));");
$c .= handler('pong_helper_SPEC', "\tif (x) {\n\t\tZEND_VM_TAIL_CALL(ping_helper_SPEC(ZEND_OPCODE_HANDLER_ARGS_PASSTHRU));\n\t}\n\tZEND_VM_NEXT_OPCODE();");
$switch = '';
foreach ($cases as $name => [, $body]) {
    if ($body !== null) {
        $c .= handler("ZEND_{$name}_SPEC_HANDLER", $body);
    }
    $switch .= "\t\t\tHYBRID_CASE(ZEND_{$name}_SPEC):\n\t\t\t\tVM_TRACE(ZEND_{$name}_SPEC)\n";
}
/* The generator refuses a file with fewer than 100 traced handlers. */
for ($i = 0; $i < 100; $i++) {
    $c .= handler("ZEND_PAD{$i}_SPEC_HANDLER", "\tZEND_VM_NEXT_OPCODE();");
    $switch .= "\t\t\tHYBRID_CASE(ZEND_PAD{$i}_SPEC):\n\t\t\t\tVM_TRACE(ZEND_PAD{$i}_SPEC)\n";
}
file_put_contents($tmp, $c . "ZEND_API void execute_ex(zend_execute_data *ex)\n{\n$switch}\n");
exec('perl ' . escapeshellarg($gen) . ' --report ' . escapeshellarg($tmp), $out, $rc);
$got = [];
foreach ($out as $line) {
    if (preg_match('/^(free|store)\s+ZEND_(\w+)_SPEC\b/', $line, $m)) {
        $got[$m[2]] = $m[1];
    }
}
$wrong = 0;
foreach ($cases as $name => [$want]) {
    if (($got[$name] ?? '?') !== $want) {
        echo "$name: want $want, got ", $got[$name] ?? '?', "\n";
        $wrong++;
    }
}
echo "crafted: ", count($cases), " cases, $wrong wrong, exit $rc\n";
@unlink($tmp);

/* This tree's executor. */
$out = [];
exec('perl ' . escapeshellarg($gen) . ' --report ' . escapeshellarg("$src/Zend/zend_vm_execute.h"), $out, $rc);
$got = [];
foreach ($out as $line) {
    if (preg_match('/^(free|store)\s+(\w+)/', $line, $m)) {
        $got[$m[2]] = $m[1];
    }
}
foreach (['ZEND_JMP_SPEC', 'ZEND_JMPZ_SPEC_TMPVAR', 'ZEND_IS_SMALLER_SPEC_TMPVARCV_TMPVARCV',
          'ZEND_ADD_SPEC_TMPVARCV_TMPVARCV', 'ZEND_PRE_INC_SPEC_CV_RETVAL_UNUSED', 'ZEND_DO_UCALL_SPEC_RETVAL_USED',
          'ZEND_CONCAT_SPEC_CV_CV', 'ZEND_FAST_CONCAT_SPEC_CV_CV', 'ZEND_ROPE_END_SPEC_TMP_CV',
          'ZEND_MAKE_REF_SPEC_CV_UNUSED', 'ZEND_BIND_LEXICAL_SPEC_TMP_CV', 'ZEND_ASSIGN_DIM_SPEC_CV_CONST_OP_DATA_CONST',
          'ZEND_INIT_FCALL_SPEC_CONST', 'ZEND_RETURN_SPEC_CV'] as $h) {
    echo $h, ': ', $got[$h] ?? '?', "\n";
}
echo "this tree: ", end($out), "\n";
/* The header the build compiled with is the generator's output for this tree. */
$built = "$src/Zend/zend_mm_observe_vm_trace.h";
exec('perl ' . escapeshellarg($gen) . ' ' . escapeshellarg("$src/Zend/zend_vm_execute.h"), $header);
echo "build header is current: ", var_export(is_file($built) && file_get_contents($built) === implode("\n", $header) . "\n", true), "\n";
?>
--CLEAN--
<?php
@unlink(__DIR__ . '/vm_trace_list.h');
?>
--EXPECTF--
crafted: 20 cases, 0 wrong, exit 0
ZEND_JMP_SPEC: free
ZEND_JMPZ_SPEC_TMPVAR: free
ZEND_IS_SMALLER_SPEC_TMPVARCV_TMPVARCV: free
ZEND_ADD_SPEC_TMPVARCV_TMPVARCV: free
ZEND_PRE_INC_SPEC_CV_RETVAL_UNUSED: free
ZEND_DO_UCALL_SPEC_RETVAL_USED: free
ZEND_CONCAT_SPEC_CV_CV: store
ZEND_FAST_CONCAT_SPEC_CV_CV: store
ZEND_ROPE_END_SPEC_TMP_CV: store
ZEND_MAKE_REF_SPEC_CV_UNUSED: store
ZEND_BIND_LEXICAL_SPEC_TMP_CV: store
ZEND_ASSIGN_DIM_SPEC_CV_CONST_OP_DATA_CONST: store
ZEND_INIT_FCALL_SPEC_CONST: store
ZEND_RETURN_SPEC_CV: store
this tree: %d handlers store-free, %d store
build header is current: true
