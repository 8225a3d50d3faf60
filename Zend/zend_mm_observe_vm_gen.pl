#!/usr/bin/perl
# mm_observe: which VM handlers must store EX(opline) on entry.
#
#   perl Zend/zend_mm_observe_vm_gen.pl Zend/zend_vm_execute.h > zend_mm_observe_vm_trace.h
#   perl Zend/zend_mm_observe_vm_gen.pl --report Zend/zend_vm_execute.h
#
# Attribution reads EX(opline) of the executing frame when ZendMM is
# entered.  The VM keeps the opline in a register and stores it only at
# SAVE_OPLINE(), so in a stock build a handler that allocates (or frees:
# a free can run a destructor, whose call path names this frame's line)
# before saving would be billed to an earlier opline.  Storing on entry to
# every handler (VM_TRACE) is exact but costs one store per executed
# handler whether observation is on or off.  This script reads the
# generated executor and decides, per specialized handler, whether the
# store can be left out: it can when, on every path through the handler,
# nothing that might reach ZendMM runs before SAVE_OPLINE().
#
# The decision is conservative and textual, over the handler's body (and
# the helpers it calls, recursively):
#   - a call is harmless when it names an entry of @harmless (macros and
#     functions read from the VM that neither allocate nor call out, and
#     free at most strings and plain blocks, which run no destructor), or
#     a helper/handler of this file that is itself store-free;
#   - any other call is harmful unless a SAVE_OPLINE() precedes it in the
#     same block or an enclosing one;
#   - a `{` inherits its block's state and `}` restores the enclosing
#     block's state as it was before the `{` (a save inside an if does not
#     cover its else), and a label (goto target, case, default) forgets the
#     state (it can be reached from anywhere);
#   - a handler without a function body (inlined in the HYBRID switch),
#     or one the scanner cannot read, keeps the store.
# Anything unknown keeps the store: a new upstream release can only make
# more handlers store, never fewer, until someone reviews @harmless.
# Checked by `make check-vm-trace` (mk/check-vm-trace.sh: a build that
# reports every allocation billed to a stale opline, run on our tests and
# upstream's), guarded in CI by lines_accuracy.phpt, the call-path tests
# and vm_trace_list.phpt (this script's rules on a crafted executor).
use strict;
use warnings;

my $report = 0;
if (@ARGV && $ARGV[0] eq '--report') {
	$report = 1;
	shift @ARGV;
}
my $file = shift @ARGV or die "usage: $0 [--report] zend_vm_execute.h\n";
open(my $fh, '<', $file) or die "$0: $file: $!\n";
my $src = do { local $/; <$fh> };
close($fh);

# Read from zend_vm_execute.h and zend_execute.h of 8.4: none allocates
# or calls user code; each at most reads or writes zvals in place, moves
# the opline, branches, or frees a string or a block (a free needs no
# opline: it is credited to the block's owner, and a string has no
# destructor).
my @harmless = qw(
	USE_OPLINE SAVE_OPLINE SAVE_OPLINE_MAYBE EX EX_VAR EX_VAR_NUM EX_NUM_ARGS EX_CALL_INFO EX_USES_STRICT_TYPES
	RT_CONSTANT CACHED_PTR CACHED_PTR_EX CACHE_PTR CACHE_PTR_EX RUN_TIME_CACHE
	EXPECTED UNEXPECTED ZEND_ASSERT sizeof
	Z_TYPE Z_TYPE_P Z_TYPE_INFO Z_TYPE_INFO_P Z_TYPE_FLAGS_P Z_LVAL Z_LVAL_P Z_DVAL Z_DVAL_P
	Z_STR Z_STR_P Z_STRLEN_P Z_STRVAL_P Z_ARR_P Z_ARRVAL_P Z_OBJ_P Z_REF_P Z_REFVAL_P Z_ISREF_P Z_ISREF
	Z_REFCOUNTED_P Z_REFCOUNTED Z_COUNTED_P Z_OPT_REFCOUNTED_P Z_OPT_REFCOUNTED Z_ADDREF_P Z_TRY_ADDREF_P
	Z_OPT_ADDREF_P Z_OPT_TRY_ADDREF_P Z_FUNC_P Z_PTR_P Z_EXTRA Z_NEXT Z_CACHE_SLOT_P Z_IS_RECURSIVE_P
	Z_ISUNDEF_P Z_ISUNDEF Z_TYPE_INFO_REFCOUNTED Z_CONSTANT_P Z_ISNULL_P
	ZVAL_LONG ZVAL_DOUBLE ZVAL_NULL ZVAL_TRUE ZVAL_FALSE ZVAL_BOOL ZVAL_UNDEF ZVAL_COPY_VALUE
	ZVAL_COPY ZVAL_COPY_DEREF ZVAL_DEREF ZVAL_INTERNED_STR ZVAL_STR ZVAL_STR_COPY ZVAL_PTR
	ZVAL_OPT_DEREF ZVAL_COPY_VALUE_EX ZVAL_NEW_STR Z_PARAM_VARIADIC
	GC_ADDREF GC_REFCOUNT GC_FLAGS GC_TYPE_INFO GC_TYPE
	ZSTR_LEN ZSTR_VAL ZSTR_H ZSTR_IS_INTERNED
	ZEND_VM_NEXT_OPCODE ZEND_VM_NEXT_OPCODE_EX ZEND_VM_SET_NEXT_OPCODE ZEND_VM_SET_OPCODE
	ZEND_VM_SET_RELATIVE_OPCODE ZEND_VM_JMP ZEND_VM_JMP_EX ZEND_VM_CONTINUE ZEND_VM_TAIL_CALL
	ZEND_VM_SMART_BRANCH ZEND_VM_SMART_BRANCH_NONE ZEND_VM_SMART_BRANCH_JMPZ ZEND_VM_SMART_BRANCH_JMPNZ
	ZEND_VM_SMART_BRANCH_TRUE ZEND_VM_SMART_BRANCH_FALSE ZEND_VM_SMART_BRANCH_TRUE_NONE
	ZEND_VM_SMART_BRANCH_FALSE_NONE ZEND_VM_SMART_BRANCH_TRUE_JMPZ ZEND_VM_SMART_BRANCH_FALSE_JMPZ
	ZEND_VM_SMART_BRANCH_TRUE_JMPNZ ZEND_VM_SMART_BRANCH_FALSE_JMPNZ
	OP_JMP_ADDR ZEND_OFFSET_TO_OPLINE ZEND_OFFSET_TO_OPLINE_NUM ZEND_CALL_VAR ZEND_CALL_VAR_NUM
	ZEND_CALL_ARG ZEND_CALL_NUM_ARGS ZEND_CALL_INFO ZEND_CALL_KIND
	fast_long_add_function fast_long_sub_function fast_long_increment_function
	fast_long_decrement_function zend_fast_equal_strings
	zend_hash_index_find zend_hash_find_known_hash zend_hash_find_ex zend_hash_index_find_bucket
	zend_hash_num_elements zend_dval_to_lval zend_dval_to_lval_cap
	zend_is_identical fast_is_identical_function zend_string_equal_content zend_string_equals
	zend_string_equal_val zend_string_copy
	_get_zval_ptr_var _get_zval_ptr_tmp _get_zval_ptr_ptr_var
	EG CACHE_ADDR OBJ_PROP ZEND_HANDLE_NUMERIC ZEND_HASH_INDEX_FIND IS_SPECIAL_CACHE_VAL
	QUICK_ARG_SHOULD_BE_SENT_BY_REF QUICK_ARG_MUST_BE_SENT_BY_REF ZEND_SIGNED_MULTIPLY_LONG
	Z_OBJCE Z_OBJCE_P Z_CE_P Z_DELREF_P GC_DELREF Z_REFCOUNT_P Z_PTR Z_OPT_TYPE_P Z_FE_POS_P
	Z_OPLINE_NUM_P ZVAL_EMPTY_ARRAY ZVAL_OBJ ZVAL_ARR
	ZEND_VM_NEXT_OPCODE_CHECK_EXCEPTION ZEND_VM_LOOP_INTERRUPT_CHECK
	IS_VALID_PROPERTY_OFFSET Z_CE Z_OPT_ISREF_P ARG_SHOULD_BE_SENT_BY_REF ARG_MUST_BE_SENT_BY_REF
	zend_get_running_generator ZSTR_GET_COPYABLE_CONCAT_PROPERTIES_BOTH
	zval_ptr_dtor_str efree_size
);
my %harmless = map { $_ => 1 } @harmless;

# The function bodies of the file: name => body text.
my %body;
while ($src =~ /^static [^\n]*?ZEND_FASTCALL (\w+)\(([^)\n]*)\)\n\{\n(.*?)^\}\n/msg) {
	$body{$1} = $3;
}

# Conditional code inside handlers, for the one configuration where the
# store matters: the opline in a global register (ZEND_VM_IP_GLOBAL_REG,
# the HYBRID VM built by GCC on x86-64 and AArch64; without it OPLINE is
# EX(opline) itself and nothing is ever stale).  Code the generator
# specialized away (#if 0, #if 0 || (IS_CV != IS_UNUSED)) is dropped;
# code that may or may not be compiled (ZEND_DEBUG, HAVE_DTRACE, ...) is
# kept, but a SAVE_OPLINE() in it does not count.
sub preprocess {
	my ($text) = @_;
	my @modes;   # per open #if: [mode of the #if branch, mode of #else]
	my $out = '';
	for my $line (split /^/, $text) {
		if ($line =~ /^\s*#\s*(if|ifdef|ifndef|else|elif|endif)\b\s*(.*?)\s*$/) {
			my ($d, $c) = ($1, $2);
			if ($d eq 'endif') {
				pop @modes;
			} elsif ($d eq 'else' || $d eq 'elif') {
				$modes[-1][0] = $d eq 'else' ? $modes[-1][1] : 'maybe' if @modes;
			} else {
				my $m = 'maybe';
				if ($d ne 'if') {
					$m = $c eq 'ZEND_VM_IP_GLOBAL_REG' ? ($d eq 'ifdef' ? 'keep' : 'drop') : 'maybe';
				} elsif ($c =~ /ZEND_VM_IP_GLOBAL_REG/ && $c !~ /!\s*defined/) {
					$m = 'keep';
				} elsif ($c =~ /^0$|^0\s*\|\|\s*0$/) {
					$m = 'drop';
				} elsif ($c =~ /^0\s*\|\|\s*1$/) {
					$m = 'keep';
				} elsif ($c =~ /^0\s*\|\|\s*\((IS_\w+)\s*(!=|==)\s*(IS_\w+)\)$/) {
					$m = (($1 ne $3) == ($2 eq '!=')) ? 'keep' : 'drop';
				}
				my $else = $m eq 'keep' ? 'drop' : $m eq 'drop' ? 'keep' : 'maybe';
				push @modes, [$m, $else];
			}
			next;
		}
		my $mode = 'keep';
		for my $m (@modes) {
			$mode = 'drop' if $m->[0] eq 'drop';
			$mode = 'maybe' if $m->[0] eq 'maybe' && $mode eq 'keep';
		}
		next if $mode eq 'drop';
		$line =~ s/\bSAVE_OPLINE\s*\(/SAVE_OPLINE_MAYBE(/g if $mode eq 'maybe';
		$out .= $line;
	}
	return $out;
}

my %state;   # name => 1 store-free, 0 must store; undef while being decided
my %why;     # name => the first harmful call

sub decide {
	my ($name) = @_;
	return $state{$name} if defined $state{$name};
	if (exists $state{$name}) {
		return 0; # recursion: keep the store
	}
	$state{$name} = undef;
	my $b = $body{$name};
	if (!defined $b) {
		$why{$name} = 'no function body';
		return $state{$name} = 0;
	}
	$b = preprocess($b);
	# Comments, strings and characters out.
	$b =~ s{/\*.*?\*/}{ }gs;
	$b =~ s{//[^\n]*}{ }g;
	$b =~ s{"(?:\\.|[^"\\])*"}{""}g;
	$b =~ s{'(?:\\.|[^'\\])*'}{''}g;
	my @stack = (0);     # saved? per open block
	my @before = ();     # the enclosing block's state at each '{'
	my $prev = ';';      # the previous token
	while ($b =~ /\G\s*(?:([A-Za-z_]\w*)(\s*\()?(\s*:(?!:))?|(\{)|(\})|(\)\s*\()|(.))/gc) {
		my ($id, $call, $label, $open, $close, $indirect, $other) = ($1, $2, $3, $4, $5, $6, $7);
		my $at_start = $prev eq ';' || $prev eq '{' || $prev eq '}' || $prev eq ':';
		$prev = defined $open ? '{' : defined $close ? '}' : defined $other ? $other
			: defined $indirect ? '(' : ($label ? ':' : ($call ? '(' : ($id eq 'USE_OPLINE' ? ';' : 'id')));
		if (defined $indirect) {
			# a call through a pointer, or a cast of a parenthesized value
			if (!$stack[-1]) {
				$why{$name} = 'a call through a pointer';
				return $state{$name} = 0;
			}
		} elsif (defined $open) {
			push @before, $stack[-1];
			push @stack, $stack[-1];
		} elsif (defined $close) {
			pop @stack;
			my $was = pop @before;
			$stack[-1] = $was if @stack && defined $was;
			@stack = (0) unless @stack;
		} elsif (defined $id) {
			if ($label || $id eq 'case' || $id eq 'default') {
				$stack[-1] = 0;
			} elsif ($call) {
				if ($id eq 'SAVE_OPLINE') {
					# a statement of its own: `if (x) SAVE_OPLINE();` saves on one path only
					$stack[-1] = 1 if $at_start;
				} elsif ($stack[-1] || $harmless{$id}) {
					# fine
				} elsif ($id =~ /^(?:if|while|for|switch|return|do)$/) {
					# keywords
				} elsif (exists $body{$id} && decide($id)) {
					# a store-free helper or handler
				} else {
					$why{$name} = $id;
					return $state{$name} = 0;
				}
			}
		}
	}
	return $state{$name} = 1;
}

my @traced;
my %seen;
while ($src =~ /^[ \t]*VM_TRACE\((\w+)\)/mg) {
	push @traced, $1 unless $seen{$1}++;
}
die "$0: no VM_TRACE(...) in $file: not a HYBRID executor of PHP 8.4?\n" unless @traced > 100;

my ($free, $store) = (0, 0);
my @out;
for my $op (@traced) {
	my $ok = decide("${op}_HANDLER");
	$ok ? $free++ : $store++;
	push @out, $ok ? "#define ZEND_MM_OBSERVE_TRACE_$op\n" : "#define ZEND_MM_OBSERVE_TRACE_$op SAVE_OPLINE();\n";
	if ($report) {
		printf "%-5s %s%s\n", $ok ? 'free' : 'store', $op, $ok ? '' : '  (' . ($why{"${op}_HANDLER"} // '?') . ')';
	}
}
if ($report) {
	print "$free handlers store-free, $store store\n";
	exit 0;
}
print "/* Generated by Zend/zend_mm_observe_vm_gen.pl from zend_vm_execute.h: do not edit.\n";
print "   $free handlers need no store of EX(opline) on entry, $store do. */\n";
print @out;
