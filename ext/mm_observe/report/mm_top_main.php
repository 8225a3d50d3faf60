<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: the entry of php --mm-top                                |
   +----------------------------------------------------------------------+

   The last file of the --mm-top program (ext/mm_observe/Makefile.frag):
   runs MmTools::top() with the CLI's $argv; its exit status is the process's.
*/

exit(MmTools::guarded('mm-top', MmTools::top(...), $argv));
