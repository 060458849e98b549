# automake fragment (included by the top Makefile.am); use += only
