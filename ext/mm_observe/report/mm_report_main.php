<?php
/*
   +----------------------------------------------------------------------+
   | mm_observe: the entry of php --mm-report                             |
   +----------------------------------------------------------------------+

   The last file of the --mm-report program (ext/mm_observe/Makefile.frag):
   runs MmReport with the CLI's $argv; its exit status is the process's.
*/

exit(MmReport::main($argv));
