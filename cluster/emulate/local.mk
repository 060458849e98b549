# automake fragment (included by the top Makefile.am); use += only
#
# The emulated multi-node cluster (llmbench-emulate) and the scenario tests
# that run llmbench on it.  The tests need root and netns/veth/bridge/tbf;
# without them they report SKIP (never PASS).  They serialize among themselves
# (a lock under /run/llmbench-emulate), so make -j check is safe.

dist_bin_SCRIPTS += cluster/emulate/llmbench-emulate
dist_man1_MANS += doc/llmbench-emulate.1
dist_doc_DATA += doc/llmbench-emulate.md
EXTRA_DIST += tests/scenarios/common.sh \
	tests/scenarios/scenario.sh \
	tests/scenarios/check_report.py \
	tests/scenarios/emulate_probe.c

EMULATE_TESTS = \
	tests/scenarios/emulate_selftest.sh \
	tests/scenarios/scenario_slow_link.sh \
	tests/scenarios/scenario_cpu_quota.sh \
	tests/scenarios/scenario_shared_core.sh \
	tests/scenarios/scenario_all_links.sh

dist_check_SCRIPTS += $(EMULATE_TESTS)
TESTS += $(EMULATE_TESTS)
