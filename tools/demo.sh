#!/bin/sh
# The default benchmark on this machine with 2 ranks, then the report of the run.
# Extra arguments go to llmbench (for example --quick).
set -eu
cd "$(dirname "$0")/.."
root=
[ "$(id -u)" = 0 ] && root=--allow-run-as-root
mpirun $root --oversubscribe -np 2 build/llmbench --output results "$@"
run=$(ls -t results/*.json | head -n 1)
echo
build/llmbench-report "$run"
