# automake fragment (included by the top Makefile.am); use += only
# doc/: the man pages and the documents installed with llmbench (the tests read findings.md and
# results-schema.md, so they ship in the tarball too).
dist_man1_MANS += doc/llmbench.1 doc/llmbench-report.1 doc/llmbench-emulate.1
dist_doc_DATA += doc/design.md doc/scale.md doc/results-schema.md doc/methodology.md doc/findings.md \
	doc/report-json.md doc/llmbench-emulate.md
