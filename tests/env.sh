# Sourced by every test (AM_TESTS_ENVIRONMENT): Open MPI as root, oversubscribed, on one host,
# quietly.  Names for Open MPI 4 and 5 are both set; the unused ones are harmless.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
export PRTE_MCA_rmaps_default_mapping_policy=:oversubscribe
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_btl_sm_single_copy_mechanism=none
export OMPI_MCA_btl=^openib
export OMPI_MCA_plm_rsh_agent=
export OMPI_MCA_hwloc_base_binding_policy=none
export OMPI_MCA_mpi_yield_when_idle=1
# one lock on the machine's cores for the tests that run ranks (tests/tap.sh)
if [ -n "${top_builddir:-}" ]; then
    LLMBENCH_TEST_CPU_LOCK="$top_builddir/.test-cpu.lock"
    export LLMBENCH_TEST_CPU_LOCK
fi
