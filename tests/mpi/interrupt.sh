#!/bin/sh
# SIGTERM or SIGINT to mpirun in the middle of the comm phase: the ranks receive SIGTERM (Open
# MPI 4 forwards both as SIGTERM and kills the ranks about a second later), rank 0 writes the
# results it has - probe and compute - marked "status": "interrupted", says so in one line, the
# ranks exit 143, and mpirun exits non-zero (Open MPI's mpirun reports 1 after a signal).
. "$top_srcdir/tests/tap.sh"
tap_plan 4
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
for sig in SIGTERM SIGINT; do
    PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$top_srcdir/tests/mpi" tap_cpu_shared "$PYTHON3" - \
        "$MPIRUN" "$LLMBENCH" "$out/$sig" "$sig" \
        >"$out/log" 2>&1 <<'PY'
import json, signal, sys
import midrun
mpirun, llmbench, out, sig = sys.argv[1:5]
p, f = midrun.start(mpirun, 2, [llmbench, "--quick", "--model", "tiny", "--phases",
                                "probe,compute,comm", "--time-per-point", "0.5", "--quiet"],
                    out, "compute")
p.send_signal(getattr(signal, sig))
text = p.communicate(timeout=60)[0].decode(errors="replace")
d = json.load(open(f))
print("rc", p.returncode, "status", d["status"], "by", d.get("interrupted_by"),
      "completed", ",".join(d["phases_completed"]))
assert p.returncode != 0, p.returncode
assert d["status"] == "interrupted" and d["interrupted_by"] in ("SIGTERM", "SIGINT"), d["status"]
assert d["phases_completed"] == ["probe", "compute"], d["phases_completed"]
assert "interrupted by" in text and "probe, compute" in text, text
PY
    if [ $? -eq 0 ]; then
        tap_ok "$sig to mpirun: the file is marked interrupted and holds probe and compute"
        tap_ok "$sig to mpirun: one line names the file, mpirun exits non-zero"
    else
        tap_not_ok "$sig to mpirun: the file is marked interrupted"; tap_diag "$(tail -n 8 "$out/log")"
        tap_not_ok "$sig to mpirun: one line names the file"
    fi
done
