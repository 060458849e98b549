#!/bin/sh
# The comm phase at -np 2 and 4 (--quick, small sizes): every collective verifies (wrong_total 0,
# exit 0) and the results carry the phases.comm fields of doc/results-schema.md; sizes that
# cannot fit in memory and bad test-injection values are refused with exit status 2.
. "$top_srcdir/tests/tap.sh"
tap_plan 9
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
for np in 2 4; do
    d="$out/np$np"
    if tap_mpirun 120 -np $np "$LLMBENCH" --phases comm --quick --quiet --sizes 8:4K:8 \
        --output "$d" --tag v$np >"$out/log$np" 2>&1; then
        tap_ok "np=$np: comm exits 0"
    else
        tap_not_ok "np=$np: comm exits 0"; tap_diag "$(tail -n 20 "$out/log$np")"
    fi
    f=$(ls "$d"/*-v$np-*.json 2>/dev/null | head -n 1)
    if [ -n "$f" ] && "$PYTHON3" - "$f" "$np" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n = int(sys.argv[2])
c = d["phases"]["comm"]
assert d["status"] == "complete" and c["status"] == "ok", (d["status"], c["status"])
assert c["wrong_total"] == 0 and d["errors"]["wrong_elements"] == 0
colls = set(d["options"]["collectives"])  # every collective of the registry (the default)
assert len(colls) >= 6, colls
seen = {(s["collective"], s["group"], s["placement"]) for s in c["sweeps"]}
assert {x for x, gg, p in seen if gg == "world"} == colls, seen
assert ("allreduce", "world", "in") in seen
# one node: intra is the world communicator (measured once, as world); inter has one rank
assert [s["group"] for s in c["skipped"]] == ["intra", "inter"], c["skipped"]
for s in c["sweeps"]:
    assert s["nranks"] == n and s["ranks"] == list(range(n)), s["ranks"]
    assert [p["bytes"] for p in s["points"]] == sorted({p["bytes"] for p in s["points"]})
    assert len(s["points"]) >= 3
    for p in s["points"]:
        assert p["wrong"] == 0 and p["iters"] >= 5
        assert p["op"]["n"] == p["iters"] and p["op"]["median_s"] > 0, p["op"]
        assert p["algbw_gbs"] > 0 and p["busbw_gbs"] > 0 and p["arrival_skew"]["median_s"] >= 0
        f = {"allreduce": 2 * (n - 1) / n, "broadcast": 1, "sendrecv": 1}.get(s["collective"], (n - 1) / n)
        assert abs(p["busbw_gbs"] - p["algbw_gbs"] * f) < 1e-6 * p["algbw_gbs"]
        # median_s is written to the nanosecond (the clock's digits), algbw from the exact median
        med = p["op"]["median_s"]
        assert abs(p["algbw_gbs"] - p["bytes"] / med / 1e9) <= (0.51e-9 / med + 1e-6) * p["algbw_gbs"]
        assert [r["rank"] for r in p["per_rank"]] == list(range(n))
        assert abs(sum(r["last_frac"] for r in p["per_rank"]) - 1) < 1e-6  # 9 significant digits in the file
        for r in p["per_rank"]:
            assert r["wait_median_s"] >= 0 and r["inside_median_s"] > 0
        sm = p["samples"]
        assert len(sm["op_s"]) == p["iters"] and len(sm["arrive_s"]) == n and len(sm["exit_s"]) == n
        assert all(len(a) == sm["kept_iters"] for a in sm["arrive_s"])
        assert min(min(a) for a in sm["arrive_s"]) == 0
        # operation time of the first iteration from the raw samples: last exit - last arrival
        k0 = max(e[0] for e in sm["exit_s"]) - max(a[0] for a in sm["arrive_s"])
        assert abs(k0 - sm["op_s"][0]) < 1e-6, (k0, sm["op_s"][0])
lm = c["link_matrix"]
assert lm["level"] == "rank" and len(lm["names"]) == n and lm["rounds"] == (n if n % 2 else n - 1)
for i in range(n):
    for j in range(n):
        assert (lm["bw_gbs"][i][j] is None) == (i == j) and (lm["lat_s"][i][j] is None) == (i == j)
        assert i == j or (lm["bw_gbs"][i][j] > 0 and lm["lat_s"][i][j] > 0)
assert lm["wrong"] == 0
# two passes by default (--link-passes), each measures every pair; bw_gbs / lat_s are their best
assert lm["passes"] == 2 and len(lm["pass_bw_gbs"]) == 2 and len(lm["pass_lat_s"]) == 2
assert len(lm["pass_s"]) == 2 and all(x > 0 for x in lm["pass_s"])
for i in range(n):
    for j in range(n):
        if i != j:
            assert all(m[i][j] > 0 for m in lm["pass_bw_gbs"] + lm["pass_lat_s"])
            assert lm["bw_gbs"][i][j] == max(m[i][j] for m in lm["pass_bw_gbs"])
            assert lm["lat_s"][i][j] == min(m[i][j] for m in lm["pass_lat_s"])
ck = c["clock"]
assert len(ck["offsets_s"]) == n and len(ck["residual_s"]) == n and ck["offsets_s"][0] == 0
assert c["timing"]["mode"] == "barrier-separated" and "nccl-tests" in c["timing"]["size_convention"]
PY
    then tap_ok "np=$np: every collective verified; results have the phases.comm fields"
    else tap_not_ok "np=$np: every collective verified; results have the phases.comm fields"; fi
    if grep -q '^# allreduce  world  out-of-place' "$out/log$np"; then
        tap_not_ok "np=$np: --quiet silences the console table"
    else tap_ok "np=$np: --quiet silences the console table"; fi
done

# The console table without --quiet.
tap_mpirun 60 -np 2 "$LLMBENCH" --phases comm --quick --sizes 8:64:8 --collectives allreduce \
    --groups world --no-link-matrix --output "$out/t" >"$out/table" 2>&1
if grep -q '^# allreduce  world  out-of-place' "$out/table" && grep -q '#wrong' "$out/table" &&
   [ "$(grep -c '^ *64 ' "$out/table")" -eq 2 ]; then
    tap_ok "console table per sweep (out and in place)"
else tap_not_ok "console table per sweep"; tap_diag "$(cat "$out/table")"; fi

# Sizes whose buffers cannot fit: refused before the sweep, status 2, size and memory named.
tap_mpirun 60 -np 2 "$LLMBENCH" --phases comm --quick --sizes 8:4096G --output "$out/big" >"$out/big.log" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q 'size 4 TiB needs 8 TiB of buffers per rank' "$out/big.log" &&
   grep -q 'available per rank' "$out/big.log" && [ "$(grep -c 'size 4 TiB' "$out/big.log")" -eq 1 ]; then
    tap_ok "sizes beyond memory refused with status 2, naming the size and the memory"
else
    tap_not_ok "sizes beyond memory refused (rc=$rc)"; tap_diag "$(cat "$out/big.log")"
fi
# A bad test-injection value: status 2 on every rank.
LLMBENCH_TEST_DELAY_US=one:2000 tap_mpirun 60 -np 2 "$LLMBENCH" --phases comm --quick --output "$out/bad" >"$out/bad.log" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "LLMBENCH_TEST_DELAY_US: bad value 'one:2000'" "$out/bad.log"; then
    tap_ok "bad LLMBENCH_TEST_DELAY_US refused with status 2"
else tap_not_ok "bad LLMBENCH_TEST_DELAY_US refused (rc=$rc)"; tap_diag "$(cat "$out/bad.log")"; fi
