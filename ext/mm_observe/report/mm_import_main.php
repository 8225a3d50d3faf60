<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: the entry of php --mm-import                             |
   +----------------------------------------------------------------------+

   The last file of the --mm-import program (ext/mm_observe/Makefile.frag):
   runs MmTools::import() with the CLI's $argv; its exit status is the process's.
*/

exit(MmTools::guarded('mm-import', MmTools::import(...), $argv));
