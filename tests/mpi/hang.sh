#!/bin/sh
# A rank that stops (SIGSTOP, rank 2 of 4) in the middle of the comm phase: with --deadline 10
# the job ends within the deadline + 10 s with status 3, one line names the phase, the point and
# the missing rank with its host, and the results file parses, is marked hung and holds every
# phase completed before (probe, compute).
. "$top_srcdir/tests/tap.sh"
tap_plan 3
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$top_srcdir/tests/mpi" tap_cpu_shared "$PYTHON3" - "$MPIRUN" "$LLMBENCH" "$out/r" >"$out/log" 2>&1 <<'PY'
import json, os, signal, sys, time
import midrun
mpirun, llmbench, out = sys.argv[1:4]
tag = "hang%d" % os.getpid()
p, f = midrun.start(mpirun, 4, [llmbench, "--quick", "--model", "tiny", "--phases",
                                "probe,compute,comm", "--time-per-point", "0.3", "--deadline",
                                "10", "--quiet", "--tag", tag], out, "compute")
time.sleep(1)
victim = None
for pid in filter(str.isdigit, os.listdir("/proc")):
    try:
        argv = open("/proc/%s/cmdline" % pid, "rb").read().split(b"\0")
        env = open("/proc/%s/environ" % pid, "rb").read().split(b"\0")
    except OSError:
        continue
    if tag.encode() in argv and b"OMPI_COMM_WORLD_RANK=2" in env:
        victim = int(pid)
if f is None or victim is None:
    p.kill()
    sys.exit("no file with compute completed, or no rank 2 (%s, %s)" % (f, victim))
t0 = time.time()
os.kill(victim, signal.SIGSTOP)
try:
    text = p.communicate(timeout=60)[0].decode(errors="replace")
finally:
    try:
        os.kill(victim, signal.SIGKILL)
    except OSError:
        pass
took = time.time() - t0
d = json.load(open(f))
print("rc", p.returncode, "after %.1f s" % took, d["status"], d["phases_completed"], d.get("hung"))
print(text)
print("CHECK1", p.returncode == 3 and took < 10 + 10)
print("CHECK2", "hung in phase comm" in text and "ranks missing: 2 (" in text)
h = d.get("hung") or {}
print("CHECK3", bool(d["status"] == "hung" and d["phases_completed"] == ["probe", "compute"] and
      [m["rank"] for m in h.get("missing_ranks", [])] == [2] and h["missing_ranks"][0]["host"]))
PY
for k in 1 2 3; do
    case $k in
    1) what="the job ends with status 3 within the deadline + 10 s" ;;
    2) what="one line names the phase and the missing rank with its host" ;;
    3) what="the file is marked hung, names rank 2 and holds probe and compute" ;;
    esac
    if grep -q "^CHECK$k True" "$out/log"; then tap_ok "$what"; else tap_not_ok "$what"; tap_diag "$(head -n 3 "$out/log")"; fi
done
