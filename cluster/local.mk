# automake fragment (included by the top Makefile.am); use += only
# cluster/: the topology probe's hwloc and machine code (no MPI), linked into llmbench.
llmbench_SOURCES += cluster/binding.c cluster/binding.h \
	cluster/topo.c cluster/topo.h cluster/hwloc_compat.h \
	cluster/machine.c cluster/machine.h

# Tests: hand-written topologies (tests/topo) and real bindings under mpirun (tests/probe).
dist_check_SCRIPTS += tests/topo/probe_xml.sh tests/probe/binding.sh
TESTS += tests/topo/probe_xml.sh tests/probe/binding.sh
EXTRA_DIST += tests/topo/make_xml.py tests/topo/subset.py \
	tests/topo/node8gpu.xml tests/topo/node8gpu.expect.json \
	tests/topo/node1pkg.xml tests/topo/node1pkg.expect.json
