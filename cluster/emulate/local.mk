# automake fragment (included by the top Makefile.am); use += only
#
# The emulated multi-node cluster (llmbench-emulate) and the scenario tests
# that run llmbench on it.  The tests need root and netns/veth/bridge/tbf;
# without them they report SKIP (never PASS).

dist_bin_SCRIPTS += cluster/emulate/llmbench-emulate
EXTRA_DIST += tests/scenarios/common.sh \
	tests/scenarios/emulate_probe.c

EMULATE_TESTS = \
	tests/scenarios/emulate_selftest.sh

dist_check_SCRIPTS += $(EMULATE_TESTS)
TESTS += $(EMULATE_TESTS)
