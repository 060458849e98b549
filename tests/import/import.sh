#!/bin/sh
# llmbench-import on sample outputs written after each tool's documented format
# (tests/import/samples: nccl-tests text with srun --label and mpirun --tag-output prefixes, also
# inside rows, NCCL INFO lines, an old layout cut mid-table, -J JSON; OSU collectives and point
# to point, plain and -f; IMB-MPI1), then llmbench-report on what it wrote: the round trip, the
# findings that apply, and two offers compared.  Bad input: one line naming file:line, status 2.
. "$top_srcdir/tests/tap.sh"
I=${LLMBENCH_IMPORT:-$top_builddir/llmbench-import}
R=${LLMBENCH_REPORT:-$top_builddir/llmbench-report}
PY=${PYTHON3:-python3}
S=$top_srcdir/tests/import/samples
tap_plan 28
t=$(tap_tmpdir)
trap 'rm -rf "$t"' EXIT

# imp OUT ARGS...: import into $t/OUT.json (stdout $t/o.txt, stderr $t/err.txt), status in $rc
imp() { o=$1; shift; "$I" -o "$t/$o.json" "$@" > "$t/o.txt" 2> "$t/err.txt"; rc=$?; }
# py FILE CODE: run CODE with d = the JSON of FILE
py() { "$PY" - "$1" <<PY
import json, sys
d = json.load(open(sys.argv[1]))
$2
PY
}
# bad FILE:LINE PATTERN ARGS...: status 2, one line naming FILE:LINE and PATTERN, no file written
bad() { want=$1; pat=$2; shift 2; imp bad "$@"
    [ $rc -eq 2 ] && [ "$(wc -l < "$t/err.txt")" -eq 1 ] && grep -q "^llmbench-import: .*$want: .*$pat" "$t/err.txt" &&
        [ ! -e "$t/bad.json" ]; }

n=$(ldd "$I" | grep -c mpi)
tap_check "llmbench-import links no MPI library" [ "$n" -eq 0 ]

imp a "$S/nccl-8xh100-srun.log"
tap_check "nccl-tests, srun --label, NCCL INFO lines (one inside a row), two tests in one log: imported" sh -c "[ $rc -eq 0 ]" &&
tap_check "... 8 ranks on one host, H100 named, 4 sweeps of 19 sizes, averages agree, no disagreement" py "$t/a.json" '
s = d["source"]; w = d["world"]; sw = d["phases"]["comm"]["sweeps"]
assert w["ranks"] == 8 and w["nodes"] == 1 and w["node_names"] == ["gpu-a01"], w
assert s["tool"] == "nccl-tests" and s["version"] == "2.17.6" and s["device_names"] == ["NVIDIA H100 80GB HBM3"], s
assert s["nccl_version"] == "2.28.3+cuda12.9" and s["fabric"].startswith("NET/IB"), s
assert [(x["collective"], x["placement"], len(x["points"])) for x in sw] == [("allreduce", "out", 19), ("allreduce", "in", 19), ("reduce_scatter", "out", 19), ("reduce_scatter", "in", 19)], sw
assert s["disagreements"] == 0 and all(a["agree"] for a in s["averages"]) and len(s["averages"]) == 2, s
p = sw[0]["points"][-1]
assert p["bytes"] == 268435456 and abs(p["busbw_gbs"] - p["tool"]["busbw_gbs"]) < 0.01 and p["iters"] == 20, p
assert not s["truncated"] and any("compute phase" in x for x in s["absent"])
assert sw[0]["points"][0]["bytes"] == 1024 and any("1 row printed in parts with NCCL lines between them" in n for n in s["notes"]), s["notes"]'

imp r "$S/nccl-rooted-2n.log"
tap_check "nccl-tests 2.19: reduce_perf, gather_perf, scatter_perf, hypercube_perf, alltoallv_perf imported, none left out" py "$t/r.json" '
s = d["source"]; sw = d["phases"]["comm"]["sweeps"]
assert [(x["collective"], x["placement"], len(x["points"])) for x in sw] == [(c, p, 19) for c in ("reduce", "gather", "scatter", "hypercube", "alltoallv") for p in ("out", "in")], sw
assert s["not_imported"] == [] and s["disagreements"] == 0 and len(s["averages"]) == 5 and all(a["agree"] for a in s["averages"]), s
assert d["world"]["ranks"] == 8 and d["world"]["node_names"] == ["gpu-c01", "gpu-c02"], d["world"]
# the size nccl-tests prints is S; busbw = S / t x factor (reduce 1; the others 7/8 for 8 ranks)
for w in sw:
    f = 1.0 if w["collective"] == "reduce" else 7 / 8
    assert w["busbw_factor"] == f, w
    for p in w["points"]:
        assert p["bytes"] == p["tool"]["size_bytes"] and p["osu_bytes"] == (p["bytes"] if f == 1 else p["bytes"] // 8), p
        assert abs(p["busbw_gbs"] - p["bytes"] / p["op"]["mean_s"] / 1e9 * f) < 1e-6 * p["busbw_gbs"], p
        assert abs(p["busbw_gbs"] - p["tool"]["busbw_gbs"]) <= 0.005 + 1e-4 * p["busbw_gbs"], p
# hypercube_perf prints algbw = S (n-1)/n / t (= its busbw); llmbench'"'"'s algbw is S / t
h = sw[6]["points"][-1]
assert h["bytes"] == 268435456 and h["tool"]["algbw_gbs"] == h["tool"]["busbw_gbs"] == 43.34, h
assert abs(h["algbw_gbs"] - 268435456 / 5419.86e-6 / 1e9) < 1e-6 and abs(h["busbw_gbs"] - 43.3371) < 1e-3, h'

sed 's/  5419\.86   43\.34 /  5419.86   49.53 /' "$S/nccl-rooted-2n.log" > "$t/hc.log"
imp hc "$t/hc.log"
tap_check "hypercube_perf: an algbw printed as S / t (not S (n-1)/n / t as the tool defines it) is flagged" py "$t/hc.json" '
s = d["source"]
assert s["disagreements"] == 1 and any("the tool'"'"'s definition), 49.53 printed" in n for n in s["notes"]), s["notes"]'

"$PY" - "$S/nccl-8xh100.json" "$t/hcj.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); d["args"][0] = "./build/hypercube_perf"
json.dump(d, open(sys.argv[2], "w"))
PY
imp hj "$t/hcj.json"
tap_check "nccl-tests -J of hypercube_perf: imported as hypercube" py "$t/hj.json" '
sw = d["phases"]["comm"]["sweeps"]
assert [x["collective"] for x in sw] == ["hypercube", "hypercube"] and d["source"]["not_imported"] == [], sw'

"$I" --collective bogus x > "$t/o.txt" 2> "$t/names.txt"
docs_list_the_table() {
    "$PY" - "$t/names.txt" "$top_srcdir/doc" <<'PY'
import re, sys
names = open(sys.argv[1]).read().split("expected one of ")[1].strip().split(", ")
assert len(names) == 11 and names[-5:] == ["reduce", "gather", "scatter", "hypercube", "alltoallv"], names
d = sys.argv[2]
schema = [l for l in open(d + "/results-schema.md") if l.startswith("| `sweeps[].collective`")][0]
assert schema.split(" | ")[2].split(" (")[0].split(", ") == names, schema
design = open(d + "/design.md").read().split("### Collective sizes")[1].split("\n\n")[2]
assert [r.split(" | ")[0][2:].split(" (")[0] for r in design.split("\n")[2:]] == names, design
man = " ".join(open(d + "/llmbench-import.1").read().split("collective \" NAME\"")[1].split(".TP")[0].split())
assert man.endswith(", ".join(names[:-1]) + " or " + names[-1] + "."), man
PY
}
tap_check "the collectives of doc/results-schema.md, design.md and llmbench-import(1) are the table's" docs_list_the_table

sed 's/^\([0-9]*: \)#/\1/' "$S/nccl-8xh100-srun.log" > "$t/nohash.log"
imp nh "$t/nohash.log"
tap_check "the same log without the leading '#': the same sweeps and averages" py "$t/nh.json" '
a = json.load(open(sys.argv[1].replace("nh.json", "a.json")))
key = lambda x: [(w["collective"], w["placement"], [(p["bytes"], p["busbw_gbs"]) for p in w["points"]]) for w in x["phases"]["comm"]["sweeps"]]
assert key(d) == key(a) and d["source"]["averages"] == a["source"]["averages"] and d["world"] == a["world"]'

imp b "$S/nccl-old-tagged-cut.log"
bad_ok=$(grep -c "give --collective" "$t/err.txt")
imp b --collective allreduce "$S/nccl-old-tagged-cut.log"
tap_check "old layout (no program line, error column, [0x..] bus ids), tag-output inside rows, cut mid-row: rows kept, cut said" py "$t/b.json" '
s = d["source"]; sw = d["phases"]["comm"]["sweeps"]
assert '"$bad_ok"' == 1 and d["world"]["ranks"] == 16 and d["world"]["nodes"] == 2, d["world"]
assert s["truncated"] and any("cut short" in n for n in s["notes"]) and any("inside a row" in n for n in s["notes"]), s["notes"]
assert [len(x["points"]) for x in sw] == [17, 17] and sw[0]["truncated"], [len(x["points"]) for x in sw]
assert sw[0]["points"][5]["tool"]["error"] == 0 and sw[0]["points"][5]["iters"] == 3, sw[0]["points"][5]
assert s["device_names"] == ["Tesla V100-SXM2-32GB"] and s["devices"][9]["pci"] == "0x16", s["devices"][9]'

imp c "$S/nccl-8xh100.json"
tap_check "nccl-tests -J JSON: args as the command line, devices, average checked" py "$t/c.json" '
s = d["source"]; sw = d["phases"]["comm"]["sweeps"]
assert s["command_line"].startswith("./build/all_reduce_perf -b 1K"), s
assert len(sw) == 2 and len(sw[0]["points"]) == 19 and s["averages"][0]["agree"], s["averages"]'

imp d --ranks 8 --nodes 2 "$S/osu-collectives-8r2n.txt"
tap_check "OSU collectives (plain and -f): sizes S/n to S for allgather, alltoall, reduce_scatter; non-blocking not imported" py "$t/d.json" '
sw = {x["collective"]: x for x in d["phases"]["comm"]["sweeps"]}
assert sorted(sw) == ["allgather", "allreduce", "alltoall", "broadcast", "reduce_scatter"], sorted(sw)
ag = sw["allgather"]["points"][3]; ar = sw["allreduce"]["points"][3]
assert ag["osu_bytes"] == 8 and ag["bytes"] == 64 and ar["bytes"] == ar["osu_bytes"] == 8, (ag, ar)
assert abs(ag["busbw_gbs"] - 64 / ag["op"]["mean_s"] / 1e9 * 7 / 8) < 1e-9 * ag["busbw_gbs"] + 1e-12, ag
assert sw["allreduce"]["points"][-1]["iters"] == 3 and "min_s" in sw["allreduce"]["points"][-1]["op"]
assert sw["allgather"]["points"][0]["iters"] is None and d["source"]["command_line"] is None
assert any("Non-blocking" in x for x in d["source"]["not_imported"]) and d["world"]["node_names"] == ["node0", "node1"]'

imp e --nodes 2 "$S/osu-pt2pt-2n.txt"
tap_check "osu_latency, osu_bw, osu_bibw: sendrecv of 2 ranks; bibw counted per direction" py "$t/e.json" '
sw = d["phases"]["comm"]["sweeps"]
assert [x["program"] for x in sw] == ["osu_latency", "osu_bw", "osu_bibw"] and all(x["nranks"] == 2 for x in sw)
bw, bi = sw[1]["points"][-1], sw[2]["points"][-1]
assert abs(bw["busbw_gbs"] - bw["tool"]["mb_per_s"] / 1e3) < 1e-6 * bw["busbw_gbs"], bw
assert abs(bi["busbw_gbs"] - bi["tool"]["mb_per_s"] / 2e3) < 1e-6 * bi["busbw_gbs"], bi'

imp f --nodes 2 "$S/imb-mpi1-4r2n.txt"
tap_check "IMB-MPI1: the 4-process Allreduce kept (2 processes named), Barrier not imported, Mbytes/sec agree" py "$t/f.json" '
s = d["source"]; sw = d["phases"]["comm"]["sweeps"]
assert [x["program"] for x in sw] == ["IMB-MPI1 PingPong", "IMB-MPI1 Sendrecv", "IMB-MPI1 Allreduce", "IMB-MPI1 Allgather"], sw
assert sw[2]["nranks"] == 4 and d["world"]["ranks"] == 4 and s["disagreements"] == 0, s["notes"]
assert s["command_line"] == "./IMB-MPI1 PingPong Sendrecv Allreduce Allgather Barrier -npmin 2", s
assert any("2 processes" in x for x in s["not_imported"]) and any("Barrier" in x for x in s["not_imported"])
assert sw[3]["points"][0]["bytes"] == 4 * sw[3]["points"][0]["osu_bytes"]'

# a tool figure that the time does not give: flagged, not hidden
sed 's/  297\.60 /  207.60 /' "$S/nccl-8xh100-srun.log" > "$t/edited.log"
imp g "$t/edited.log"
tap_check "a busbw the printed time does not give is flagged with its line" py "$t/g.json" '
s = d["source"]
assert s["disagreements"] == 1 and any("207.6 printed" in n for n in s["notes"]), s["notes"]'

# bad input
tap_check "a garbled number inside a table: file:line, status 2, nothing written" bad "nccl-bad-row.log:32" 'bandwidth.*7\.1O' "$S/nccl-bad-row.log"
tap_check "OSU without --ranks: the rank count is asked for, status 2" bad "osu-collectives-8r2n.txt" "give --ranks" "$S/osu-collectives-8r2n.txt"
printf '# OSU MPI Allreduce Latency Test v7.3\n# Size       Avg Latency(us)\n4   1.50\n99999999999999999999   2.00\n' > "$t/huge.txt"
tap_check "a size beyond what a results file holds: file:line, status 2" bad "huge.txt:4" "beyond the 2^53 bytes" --ranks 4 --nodes 1 "$t/huge.txt"
printf 'hello\nworld\n' > "$t/text.txt"
tap_check "not a tool's output: one line, status 2" bad "text.txt" "not an nccl-tests, OSU or IMB-MPI1 output" "$t/text.txt"

# the round trip: the report explains what is in the file and says what it cannot judge
"$R" --no-plots --format json "$t/a.json" > "$t/ra.json" 2> "$t/err.txt"
tap_check "report of the vendor log: H100 matched by name, busbw below nominal and the size cliff fire" py "$t/ra.json" '
ids = [f["id"] for f in d["findings"]]
assert "comm.busbw_below_nominal" in ids and "comm.size_cliff" in ids, ids
r = d["runs"][0]; res = {x["name"]: x for x in r["resources"]}
assert res["intra-node busbw"]["nominal"] == 450 and "h100-sxm" in res["intra-node busbw"]["nominal_source"], res
assert r["source"]["tool"] == "nccl-tests" and "no compute phase" in r["source"]["cannot_judge"] and "no topology" in r["source"]["cannot_judge"], r["source"]
c = [f for f in d["findings"] if f["id"] == "comm.size_cliff"][0]
assert "allreduce world: 133 GB/s at 8 MiB, 37.3 GB/s at 16 MiB" in c["evidence"], c'
"$R" --no-plots "$t/b.json" > "$t/rb.txt" 2>&1
"$R" --no-plots --format json "$t/b.json" > "$t/rb.json" 2>&1
v100_ok() {
    grep -q 'devices: Tesla V100-SXM2-32GB' "$t/rb.txt" && grep -q 'input is cut short' "$t/rb.txt" &&
        grep -q 'cannot judge without the phases the import lacks' "$t/rb.txt" && py "$t/rb.json" '
r = d["runs"][0]
x = [v for v in r["resources"] if v["name"] == "intra-node busbw"][0]
assert x["nominal"] is None and "no spec lists device \"Tesla V100-SXM2-32GB\": kept as text" in x["nominal_source"], x
assert r["source"]["device"] == "Tesla V100-SXM2-32GB" and r["source"]["truncated"]'
}
tap_check "report of a V100 log: the device kept as text, no nominal figure, the cut said" v100_ok
"$R" --no-plots --format json "$t/d.json" > "$t/rd.json" 2> "$t/err.txt"
tap_check "report of OSU -f: stats.unreliable names the few iterations and the rank spread" py "$t/rd.json" '
f = [x for x in d["findings"] if x["id"] == "stats.unreliable"][0]
assert "fewer than 5 iterations" in f["evidence"] and "more than 2x the fastest" in f["evidence"], f'

"$R" --no-plots --format json --fabric ib-ndr "$t/d.json" > "$t/rdf.json" 2> "$t/err.txt"
tap_check "OSU on 2 nodes with --fabric ib-ndr: inter-node busbw critical against 50 GB/s" py "$t/rdf.json" '
f = [x for x in d["findings"] if x["id"] == "comm.busbw_below_nominal"][0]
assert f["severity"] == "critical" and "inter-node busbw 8.97 GB/s" in f["evidence"] and "of the nominal 50 GB/s (ib-ndr" in f["evidence"], f'

"$R" --no-plots --format json --fabric ib-ndr "$t/r.json" > "$t/rr.json" 2> "$t/err.txt"
tap_check "report of the rooted programs: busbw below nominal on reduce, a size cliff on gather" py "$t/rr.json" '
f = {x["id"]: x for x in d["findings"]}
assert "inter-node busbw 35.6 GB/s (reduce world, 8 ranks, plateau at 256 MiB) is 71% of the nominal 50 GB/s" in f["comm.busbw_below_nominal"]["evidence"], f
c = f["comm.size_cliff"]
assert "gather world: 27.1 GB/s at 4 MiB, 8.7 GB/s at 8 MiB" in c["evidence"] and "coll_tuned_gather_algorithm" in c["remedy"], c'
"$R" --no-plots --format json "$t/r.json" "$t/hc.json" > "$t/rhc.json" 2> "$t/err.txt"
tap_check "two offers of the rooted programs: every collective compared, in table order" py "$t/rhc.json" '
c = d["attribution"]["comm"]
assert [x["collective"] for x in c] == ["reduce", "gather", "scatter", "hypercube", "alltoallv"], c
assert all(abs(x["busbw_b_gbs"] / x["busbw_a_gbs"] - 1) < 1e-9 for x in c), c'

# two offers: a vendor nccl-tests log against another nccl-tests JSON; an OSU import against a full llmbench run
"$R" --no-plots --format json "$t/a.json" "$t/c.json" > "$t/ab.json" 2> "$t/err.txt"
tap_check "two offers (nccl-tests log vs nccl-tests JSON): allreduce busbw B/A at 256 MiB" py "$t/ab.json" '
c = d["attribution"]["comm"]
assert len(c) == 1 and c[0]["collective"] == "allreduce" and c[0]["max_bytes"] == 268435456, c
assert abs(c[0]["busbw_b_gbs"] / c[0]["busbw_a_gbs"] - 427.62 / 297.6) < 0.01, c'
imp h --nodes 1 "$S/osu-pt2pt-2n.txt"
"$R" --no-plots "$t/h.json" "$top_srcdir/tests/report/demo-2rank-avx512.json" > "$t/hb.txt" 2> "$t/err.txt"
tap_check "two offers (OSU import vs a full llmbench run of 2 ranks): sendrecv side by side, no attribution without train" sh -c \
    "grep -q 'Bus bandwidth, B against A' '$t/hb.txt' && grep -q '^  sendrecv *2 world / 2 world' '$t/hb.txt' && grep -q 'no attribution: train phase not in A' '$t/hb.txt'"

# hostile source blocks and point fields: one line naming the file and JSON path, status 2
"$PY" - "$t/a.json" "$t/h" <<'PY'
import copy, json, os, sys
d = json.load(open(sys.argv[1])); d.pop("checksum", None)
os.makedirs(sys.argv[2])
def put(name, edit):
    x = copy.deepcopy(d); edit(x)
    json.dump(x, open(os.path.join(sys.argv[2], name + ".json"), "w"))
put("tool", lambda x: x["source"].__setitem__("tool", 7))
put("notes", lambda x: x["source"]["notes"].append({"a": 1}))
put("trunc", lambda x: x["source"].__setitem__("truncated", "yes"))
put("names", lambda x: x["source"].__setitem__("device_names", ["x"] * 5000))
put("min", lambda x: x["phases"]["comm"]["sweeps"][0]["points"][2]["op"].__setitem__("min_s", -1))
put("ctl", lambda x: x["source"].__setitem__("device_names", ["NVIDIA \u001b[31mH100\n"]))
PY
hostile_ok() {
    for c in "tool:source.tool" "notes:source.notes\\[[0-9]*\\]" "trunc:source.truncated" \
             "names:source.device_names" "min:phases.comm.sweeps\\[0\\].points\\[2\\].op.min_s"; do
        f=${c%%:*}; p=${c#*:}
        "$R" --no-plots "$t/h/$f.json" > "$t/o.txt" 2> "$t/err.txt"; st=$?
        [ $st -eq 2 ] && [ "$(wc -l < "$t/err.txt")" -eq 1 ] && [ ! -s "$t/o.txt" ] &&
            grep -q "^llmbench-report: $t/h/$f.json: $p: " "$t/err.txt" || { cat "$t/err.txt"; return 1; }
    done
}
tap_check "hostile source blocks and op.min_s: status 2, one line naming file and JSON path" hostile_ok
"$R" --no-plots "$t/h/ctl.json" > "$t/o.txt" 2>&1
tap_check "a device name with control characters: printed escaped, on one line" sh -c \
    "grep -q 'devices: NVIDIA \\\\x1b\[31mH100\\\\n; device spec' '$t/o.txt' && ! grep -q \"\$(printf '\\033')\" '$t/o.txt'"
