#!/bin/sh
# cluster/ knows the hardware only: none of its files includes mpi.h or a header of bench/
# (the driver), and none calls MPI, so that the reporter, linked without MPI, can use it.
# (Its library is also compiled without the bench/ include path: cluster/local.mk.)
. "$top_srcdir/tests/tap.sh"
tap_plan 3
cd "$top_srcdir" || exit 1
files=$(ls cluster/*.c cluster/*.h)
# bench/ headers by name, except names cluster/ has itself
bench_headers=$(cd bench && for h in *.h; do [ -e "../cluster/$h" ] || echo "$h"; done | sed 's/[.]/[.]/g' | tr '\n' '|' | sed 's/|$//')

hits=$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]mpi[.]h[>"]' $files)
if [ -z "$hits" ]; then tap_ok "no cluster/ file includes mpi.h"; else tap_not_ok "no cluster/ file includes mpi.h"; tap_diag "$hits"; fi

hits=$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*[<\"](bench/|($bench_headers)[\">])" $files)
if [ -z "$hits" ]; then tap_ok "no cluster/ file includes a header of bench/"; else tap_not_ok "no cluster/ file includes a header of bench/"; tap_diag "$hits"; fi

hits=$(grep -nE '\<(MPI_[A-Z][a-z_]+|PMPI_[A-Z][a-z_]+|llmb_abort)[[:space:]]*\(' $files)
if [ -z "$hits" ]; then tap_ok "no cluster/ file calls MPI or llmb_abort"; else tap_not_ok "no cluster/ file calls MPI or llmb_abort"; tap_diag "$hits"; fi
