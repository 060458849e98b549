#!/bin/sh
# The probe on hand-written topologies (no GPU needed): GPU/NIC discovery, PCIe path classes,
# NUMA placement and warnings against tests/topo/*.expect.json; XML given by option and by
# HWLOC_XMLFILE; the exported topology re-analysed; bad XML refused with status 2 on every rank.
. "$top_srcdir/tests/tap.sh"
tap_plan 17
topo="$top_srcdir/tests/topo"
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT

# run NAME XML [mpirun args...]: llmbench --phases probe at -np 2 (ranks on PUs 0 and 1);
# sets $rc and $f (the results file).
run() {
    name=$1 xml=$2; shift 2
    tap_mpirun 120 -np 2 "$@" "$LLMBENCH" --phases probe --quiet --output "$out/$name" --tag "$name" \
        ${xml:+--topology-xml "$xml"} >"$out/$name.out" 2>"$out/$name.err"
    rc=$?
    f=$(ls "$out/$name"/*.json 2>/dev/null | head -n 1)
}
subset() { # subset EXPECTED: compare $f
    if [ -n "$f" ] && why=$("$PYTHON3" "$topo/subset.py" "$1" "$f"); then return 0; fi
    tap_diag "$why"; return 1
}

for node in node8gpu node1pkg; do
    run $node "$topo/$node.xml" --bind-to core --map-by core
    tap_check "$node: exits 0" test "$rc" -eq 0
    tap_check "$node: probe matches $node.expect.json" subset "$topo/$node.expect.json"
done
tap_check "node8gpu: the ASPEED BMC VGA is not counted as a GPU and the exported XML keeps it" \
    "$PYTHON3" -c "
import json, sys
n = json.load(open(sys.argv[1]))['phases']['probe']['nodes'][0]
assert not any(g['vendor_id'] == '1a03' for g in n['gpus'])
assert any(p['vendor_id'] == '1a03' for p in n['pci'])
assert '1a03:2000' in n['topology_xml']
" "$(ls "$out"/node8gpu/*.json)"

# Re-analysis: the exported topology_xml of a run, loaded again, gives the same devices.
"$PYTHON3" -c "
import json, sys
n = json.load(open(sys.argv[1]))['phases']['probe']['nodes'][0]
open(sys.argv[2], 'w').write(n['topology_xml'])
" "$(ls "$out"/node8gpu/*.json)" "$out/exported.xml"
first=$(ls "$out"/node8gpu/*.json)
run reload "$out/exported.xml" --bind-to core --map-by core
tap_check "exported XML: exits 0" test "$rc" -eq 0
tap_check "exported XML: same GPUs, NICs, paths and warnings as the original" "$PYTHON3" -c "
import json, sys
a, b = (json.load(open(p))['phases']['probe'] for p in sys.argv[1:3])
for k in ('gpus', 'nics', 'pci', 'packages', 'numa_nodes', 'cores', 'pus'):
    assert a['nodes'][0][k] == b['nodes'][0][k], k
assert [(w['id'], w['ranks']) for w in a['warnings']] == [(w['id'], w['ranks']) for w in b['warnings']]
" "$first" "$f"

# HWLOC_XMLFILE instead of the option: same facts; the binding is still the real one.
name=envxml
tap_mpirun 120 -np 2 --bind-to core --map-by core -x HWLOC_XMLFILE="$topo/node1pkg.xml" "$LLMBENCH" --phases probe \
    --quiet --output "$out/$name" >"$out/$name.out" 2>"$out/$name.err"
rc=$?
f=$(ls "$out/$name"/*.json 2>/dev/null | head -n 1)
tap_check "HWLOC_XMLFILE: exits 0" test "$rc" -eq 0
tap_check "HWLOC_XMLFILE: probe matches node1pkg.expect.json" subset "$topo/node1pkg.expect.json"

# --backend cpu: the node's GPUs are still described, but no rank is given one.
tap_mpirun 120 -np 2 --bind-to core --map-by core "$LLMBENCH" --phases probe --quiet --backend cpu \
    --output "$out/cpu2" --topology-xml "$topo/node8gpu.xml" >/dev/null 2>"$out/cpu2.err"
rc=$?
f=$(ls "$out/cpu2"/*.json 2>/dev/null | head -n 1)
tap_check "--backend cpu: exits 0, 8 GPUs listed, ranks have no GPU, only the SYS warning" \
    "$PYTHON3" -c "
import json, sys
p = json.load(open(sys.argv[1]))['phases']['probe']
assert len(p['nodes'][0]['gpus']) == 8
assert [r['gpu'] for r in p['ranks']] == [None, None]
assert [w['id'] for w in p['warnings']] == ['placement.gpu_nic_sys'], p['warnings']
" "$f"

# Bad topology XML: one line with hwloc's reason, status 2 on every rank, no hang.
printf 'this is not XML\n' > "$out/garbage.xml"
printf '<?xml version="1.0"?>\n<topology version="2.0"><object type="Machine"' > "$out/truncated.xml"
for bad in missing garbage truncated; do
    run "bad-$bad" "$out/$bad.xml"
    tap_check "$bad XML: exit status 2" test "$rc" -eq 2
    lines=$(grep -c 'llmbench:' "$out/bad-$bad.err")
    if [ "$lines" -eq 1 ] && grep -q "llmbench: --topology-xml: topology XML '$out/$bad.xml'" "$out/bad-$bad.err"; then
        tap_ok "$bad XML: one line naming the file: $(grep llmbench: "$out/bad-$bad.err")"
    else
        tap_not_ok "$bad XML: one line naming the file"; tap_diag "$(cat "$out/bad-$bad.err")"
    fi
done
grep -q 'No such file or directory' "$out/bad-missing.err" && tap_ok "missing XML: strerror(ENOENT) in the message" ||
    tap_not_ok "missing XML: strerror(ENOENT) in the message"
