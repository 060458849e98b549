#!/bin/sh
# The layers include only downwards (doc/design.md, "Layers"):
#   lib/      shared pure code          includes nothing of the other layers, no MPI
#   cluster/  hardware facts            lib/ only, no MPI (the reporter may use it)
#   kernels/  kernels, plan, model      lib/ only, no MPI
#   coll/     collectives registry      lib/ and MPI
#   report/   the reporter              lib/ and cluster/, no MPI
#   import/   llmbench-import           lib/ only, no MPI
#   size/     llmbench-size             lib/, kernels/ (the plan) and report/, no MPI
#   bench/    the driver                everything
# Checked on the sources: no include of a higher layer's header (by path, or by a bench/
# header's bare name), no mpi.h and no MPI call where MPI is not allowed.  (cluster/ and coll/
# are also compiled without the bench/ include path: their local.mk.)
. "$top_srcdir/tests/tap.sh"
cd "$top_srcdir" || exit 1
layers="lib cluster kernels coll report import size"
tap_plan 14
# bench/ headers by bare name, except names the checked folder has itself
bench_names() { (cd bench && for h in *.h; do [ -e "../$1/$h" ] || echo "$h"; done) | sed 's/[.]/[.]/g' | tr '\n' '|' | sed 's/|$//'; }
forbidden() {
    case $1 in
    lib) echo "bench|cluster|kernels|coll|report" ;;
    cluster | kernels) echo "bench|coll|report" ;;
    coll) echo "bench|kernels|cluster|report" ;;
    report) echo "bench|coll|kernels" ;;
    import) echo "bench|cluster|kernels|coll|report" ;;
    size) echo "bench|coll" ;;
    esac
}
inc='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]'
for l in $layers; do
    files=$(find "$l" -name '*.[ch]' | sort)
    hits=$(grep -nE "$inc(($(forbidden "$l"))/|($(bench_names "$l"))[\">])" $files)
    if [ -z "$hits" ]; then tap_ok "$l/ includes no header of $(forbidden "$l" | tr '|' ' ')"
    else tap_not_ok "$l/ includes no header of $(forbidden "$l" | tr '|' ' ')"; tap_diag "$hits"; fi
    [ "$l" = coll ] && continue
    hits=$( { grep -nE "${inc}mpi[.]h[>\"]" $files; grep -nE '\<(MPI_[A-Z][a-z_]+|PMPI_[A-Z][a-z_]+|llmb_abort)[[:space:]]*\(' $files |
              grep -vE '^[^:]+:[0-9]+:[[:space:]]*(/?\*|//)'; } )  # not in comments
    if [ -z "$hits" ]; then tap_ok "$l/ has no MPI"; else tap_not_ok "$l/ has no MPI"; tap_diag "$hits"; fi
done
# the check itself fails on a planted violation
tmp=$(tap_tmpdir)
mkdir -p "$tmp/cluster" && printf '#include "llmbench.h"\nint f(void) { return MPI_Barrier(0); }\n' > "$tmp/cluster/x.c"
if (cd "$tmp" && grep -qE "$inc(($(forbidden cluster))/|llmbench[.]h[\">])" cluster/x.c); then
    tap_ok "a planted include of bench/llmbench.h in cluster/ is caught"
else tap_not_ok "a planted include of bench/llmbench.h in cluster/ is caught"; fi
rm -rf "$tmp"
