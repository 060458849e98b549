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

# Delay: the straggler sleeps 2000 us before each collective.
for case in "2 0" "4 2"; do
    set -- $case
    np=$1 slow=$2
    LLMBENCH_TEST_DELAY_US=$slow:2000 tap_mpirun 120 -np $np "$LLMBENCH" --phases comm --quick --quiet \
        --sizes 8:4K:8 --min-iters 20 --collectives allreduce,alltoall --groups world --no-link-matrix \
        --output "$out/d$np" --tag d$np >"$out/d$np.log" 2>&1
    rc=$?
    f=$(ls "$out/d$np"/*-d$np-*.json 2>/dev/null | head -n 1)
    if [ $rc -eq 0 ] && [ -n "$f" ] && "$PYTHON3" - "$f" "$slow" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); slow = int(sys.argv[2])
c = d["phases"]["comm"]
assert c["timing"]["injection"]["delay_rank"] == slow
# Over all timed iterations the delayed rank arrives last more than 80% of the time, and at
# (nearly) every point it spends the least time inside; one point in ten may be hit by the
# scheduler on this oversubscribed machine.
npts = last = iters = shortest = waited = 0
for s in c["sweeps"]:
    for p in s["points"]:
        npts += 1
        pr = {r["rank"]: r for r in p["per_rank"]}
        assert p["iters"] >= 20
        last += pr[slow]["last_frac"] * p["iters"]
        iters += p["iters"]
        inside = {r: x["inside_median_s"] for r, x in pr.items()}
        shortest += min(inside, key=inside.get) == slow
        # the others wait for it: about the delay, and it is the latest by about the delay
        waited += (all(x["wait_median_s"] > 1e-3 for r, x in pr.items() if r != slow)
                   and pr[slow]["lateness_mean_s"] > 1e-3 and p["arrival_skew"]["median_s"] > 1e-3)
assert npts >= 8, npts
assert last / iters > 0.8, ("last", last / iters)
assert shortest >= 0.9 * npts, ("shortest inside", shortest, npts)
assert waited >= 0.9 * npts, ("others wait", waited, npts)
PY
    then tap_ok "np=$np: delayed rank $slow arrives last (>80%) and has the shortest time inside"
    else tap_not_ok "np=$np: delayed rank $slow arrives last and has the shortest time inside (rc=$rc)"
         tap_diag "$(tail -n 5 "$out/d$np.log")"; fi
done
