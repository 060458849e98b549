#!/bin/sh
# The driver at -np 1, 2 and 4: a results file exists, parses, has the schema, lists every rank.
. "$top_srcdir/tests/tap.sh"
tap_plan 9
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
for np in 1 2 4; do
    d="$out/np$np"
    if tap_mpirun 120 -np $np "$LLMBENCH" --phases probe --quick --quiet --output "$d" --tag np$np; then
        tap_ok "np=$np: llmbench exits 0"
    else
        tap_not_ok "np=$np: llmbench exits 0"
    fi
    f=$(ls "$d"/*-np$np-*.json 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(ls "$d" | wc -l)" -eq 1 ]; then tap_ok "np=$np: one results file $(basename "$f")"; else tap_not_ok "np=$np: one results file"; fi
    if "$PYTHON3" - "$f" "$np" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
assert d["schema"] == "llmbench/1", d["schema"]
assert d["status"] == "complete", d["status"]
assert d["world"]["ranks"] == n
assert len(d["world"]["rank_node"]) == n
assert d["phases_completed"] == ["probe"]
ranks = sorted(r["rank"] for r in d["phases"]["probe"]["ranks"])
assert ranks == list(range(n)), ranks
assert d["software"]["mpi_library"] and d["command_line"][0].endswith("llmbench")
assert d["end_time"] and d["start_time"] <= d["end_time"]
PY
    then tap_ok "np=$np: file parses and lists every rank"; else tap_not_ok "np=$np: file parses and lists every rank"; fi
done
