#!/bin/sh
# llmbench on a real cluster with Open MPI: one rank per GPU (or per core/socket on CPU),
# each bound to the cores nearest its device.  Edit HOSTFILE and the ranks per node.
#   hosts: "node01 slots=8" one line per node
HOSTFILE=${HOSTFILE:-hosts}
PPN=${PPN:-8}
NODES=$(grep -c . "$HOSTFILE")
mpirun -np $((NODES * PPN)) --hostfile "$HOSTFILE" \
    --map-by ppr:"$PPN":node:pe=1 --bind-to core --report-bindings \
    -x PATH -x LD_LIBRARY_PATH -x NCCL_DEBUG=WARN \
    llmbench --output "results" --tag "$(hostname -s)-x$NODES" "$@"
