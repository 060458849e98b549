#!/bin/sh
# Test-only injection (doc/methodology.md): a wrong contribution on one rank is counted and fails
# the run; a delay on one rank makes it the last to arrive while it spends the least time inside
# the collective (the victims wait, the culprit does not).
. "$top_srcdir/tests/tap.sh"
tap_plan 6
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT

# Wrong contribution: rank 1 adds 1 to every element it contributes.
for np in 2 4; do
    LLMBENCH_TEST_CORRUPT_RANK=1 tap_mpirun 120 -np $np "$LLMBENCH" --phases comm --quick --quiet \
        --sizes 8:4K:8 --collectives allreduce,allgather,broadcast --groups world --no-link-matrix \
        --output "$out/c$np" --tag c$np >"$out/c$np.log" 2>&1
    rc=$?
    f=$(ls "$out/c$np"/*-c$np-*.json 2>/dev/null | head -n 1)
    if [ $rc -eq 1 ] && [ -n "$f" ] && "$PYTHON3" - "$f" "$np" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
c = d["phases"]["comm"]
assert d["status"] == "failed" and c["status"] == "failed"
by = {(s["collective"], s["placement"]): s["points"] for s in c["sweeps"]}
for key in (("allreduce", "out"), ("allreduce", "in")):
    # every element of every rank's result is wrong
    assert all(p["wrong"] == n * p["count"] for p in by[key]), [(p["wrong"], p["count"]) for p in by[key]]
# allgather: rank 1's chunk is wrong on every rank
assert all(p["wrong"] == n * (p["count"] // n) for p in by[("allgather", "out")])
# broadcast from root 0: rank 1 contributes nothing, nothing is wrong
assert all(p["wrong"] == 0 for p in by[("broadcast", "out")])
# a wrong point is an error with a count, never a bandwidth
assert all(p["busbw_gbs"] is None and p["algbw_gbs"] is None
           for pts in by.values() for p in pts if p["wrong"] > 0)
assert all(p["busbw_gbs"] is not None for p in by[("broadcast", "out")])
total = sum(p["wrong"] for pts in by.values() for p in pts)
assert total > 0 and c["wrong_total"] == total == d["errors"]["wrong_elements"], (total, c["wrong_total"])
PY
    then tap_ok "np=$np: a wrong contribution is counted; exit status 1"
    else tap_not_ok "np=$np: a wrong contribution is counted (rc=$rc)"; tap_diag "$(tail -n 5 "$out/c$np.log")"; fi
    if grep -q 'verification failed' "$out/c$np.log"; then tap_ok "np=$np: the failure is reported"
    else tap_not_ok "np=$np: the failure is reported"; fi
done

# Delay: the straggler sleeps 5000 us (longer than a scheduler slice on a busy machine) before each collective.
for case in "2 0" "4 2"; do
    set -- $case
    np=$1 slow=$2
    LLMBENCH_TEST_DELAY_US=$slow:5000 tap_mpirun 120 -np $np "$LLMBENCH" --phases comm --quick --quiet \
        --sizes 8:4K:8 --min-iters 20 --collectives allreduce,alltoall --groups world --no-link-matrix \
        --output "$out/d$np" --tag d$np >"$out/d$np.log" 2>&1
    rc=$?
    f=$(ls "$out/d$np"/*-d$np-*.json 2>/dev/null | head -n 1)
    if [ $rc -eq 0 ] && [ -n "$f" ] && "$PYTHON3" - "$f" "$slow" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); slow = int(sys.argv[2])
c = d["phases"]["comm"]
assert c["timing"]["injection"]["delay_rank"] == slow
# Over all timed iterations the delayed rank arrives last more than 80% of the time; over the
# points (median across them, robust to a point the scheduler disturbed on a busy machine) it
# spends the least time inside the collective while the others wait for it about the delay.
from statistics import median
npts = last = iters = 0
inside, wait, late, skew = {}, {}, [], []
for s in c["sweeps"]:
    for p in s["points"]:
        npts += 1
        pr = {r["rank"]: r for r in p["per_rank"]}
        assert p["iters"] >= 20
        last += pr[slow]["last_frac"] * p["iters"]
        iters += p["iters"]
        for r, x in pr.items():
            inside.setdefault(r, []).append(x["inside_median_s"])
            wait.setdefault(r, []).append(x["wait_median_s"])
        late.append(pr[slow]["lateness_mean_s"])
        skew.append(p["arrival_skew"]["median_s"])
assert npts >= 8, npts
assert last / iters > 0.8, ("last", last / iters)
med_inside = {r: median(v) for r, v in inside.items()}
assert min(med_inside, key=med_inside.get) == slow, ("shortest inside", med_inside)
assert all(median(v) > 1e-3 for r, v in wait.items() if r != slow), ("others wait", wait)
assert median(late) > 1e-3 and median(skew) > 1e-3, ("lateness, skew", late, skew)
PY
    then tap_ok "np=$np: delayed rank $slow arrives last (>80%) and has the shortest time inside"
    else tap_not_ok "np=$np: delayed rank $slow arrives last and has the shortest time inside (rc=$rc)"
         tap_diag "$(tail -n 5 "$out/d$np.log")"; fi
done
