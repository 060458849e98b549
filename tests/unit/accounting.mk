# Model accounting (issue 15): presets, FLOPs conventions, ZeRO and activation memory,
# --describe-model's table (tests/unit/test_model.c; doc/accounting.md)
if HAVE_CMOCKA
check_PROGRAMS += tests/unit/test_model
TESTS += tests/unit/test_model
endif
tests_unit_test_model_SOURCES = tests/unit/test_model.c
tests_unit_test_model_CFLAGS = $(KERNEL_TEST_CFLAGS)
tests_unit_test_model_LDADD = $(KERNEL_TEST_LDADD)
# the reporter's side: llm.c column, HFU, the peak of the precision run
dist_check_SCRIPTS += tests/report/accounting.sh
TESTS += tests/report/accounting.sh
# the large presets and the MoE preset, run: refused with one line, exit status 2
dist_check_SCRIPTS += tests/train/presets_fit.sh
TESTS += tests/train/presets_fit.sh
# the formulas, their sources and the published-run checks
dist_doc_DATA += doc/accounting.md
