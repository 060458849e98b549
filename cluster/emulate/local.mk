# automake fragment (included by the top Makefile.am); use += only
#
# The emulated multi-node cluster (llmbench-emulate); its scenario tests are in tests/local.mk.

dist_bin_SCRIPTS += cluster/emulate/llmbench-emulate
