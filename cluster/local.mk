# automake fragment (included by the top Makefile.am); use += only
llmbench_SOURCES += cluster/binding.c
