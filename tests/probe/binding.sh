#!/bin/sh
# Real bindings under mpirun at -np 2 (tests/env.sh sets the binding policy to none, so every
# line passes --bind-to itself): bound per core, unbound, and two ranks forced onto one core.
. "$top_srcdir/tests/tap.sh"
tap_plan 9
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT

# probe NAME [mpirun args...]: sets $rc and $f.
probe() {
    name=$1; shift
    tap_mpirun 120 -np 2 "$@" "$LLMBENCH" --phases probe --output "$out/$name" >"$out/$name.out" 2>"$out/$name.err"
    rc=$?
    f=$(ls "$out/$name"/*.json 2>/dev/null | head -n 1)
    [ "$rc" -eq 0 ] || tap_diag "mpirun $* -> $rc" "$(tail -n 5 "$out/$name.err")"
}
check() { # check DESCRIPTION PYTHON-ASSERTIONS (p = phases.probe, r = ranks, w = warnings)
    d=$1
    if [ -n "$f" ] && msg=$("$PYTHON3" -c "
import json, sys
p = json.load(open(sys.argv[1]))['phases']['probe']
r = p['ranks']; w = p['warnings']; ids = [x['id'] for x in w]
$2
" "$f" 2>&1); then tap_ok "$d"; else tap_not_ok "$d"; tap_diag "$msg"; fi
}
npus=$(getconf _NPROCESSORS_ONLN)

probe core --bind-to core --map-by core
tap_check "--bind-to core: exits 0" test "$rc" -eq 0
check "--bind-to core: each rank bound to one PU of its own, no overlap, one thread, no binding warning" "
assert [x['bound'] for x in r] == [True, True], r
assert [x['pus'] for x in r] == [1, 1] and [x['threads'] for x in r] == [1, 1], r
assert r[0]['cpuset'] != r[1]['cpuset'], r
assert [x['overlaps'] for x in r] == [[], []], r
assert not [i for i in ids if i.startswith('binding.')], w
"

probe none --bind-to none
tap_check "--bind-to none: exits 0" test "$rc" -eq 0
check "--bind-to none: both ranks unbound on all $npus PUs, overlapping, threads shared (PUs / 2 ranks)" "
assert [x['bound'] for x in r] == [False, False], r
assert [x['pus'] for x in r] == [$npus, $npus] and [x['threads'] for x in r] == [max(1, $npus // 2)] * 2, r
assert r[0]['cpuset'] == r[1]['cpuset'], r
assert [x['overlaps'] for x in r] == [[1], [0]], r
"
check "--bind-to none: binding.unbound names ranks 0 and 1, no shared_core warning" "
u = [x for x in w if x['id'] == 'binding.unbound']
assert len(u) == 1 and u[0]['ranks'] == [0, 1] and u[0]['nodes'] == [0], w
assert 'binding.shared_core' not in ids, w
"

probe one --cpu-set 0 --bind-to core:overload-allowed
tap_check "two ranks on one core: exits 0" test "$rc" -eq 0
check "two ranks on one core: both bound to PU 0, each overlapping the other" "
assert [x['bound'] for x in r] == [True, True], r
assert [x['cpuset'] for x in r] == ['0', '0'], r
assert [x['overlaps'] for x in r] == [[1], [0]], r
assert [x['threads'] for x in r] == [1, 1], r
"
check "two ranks on one core: binding.shared_core names ranks 0 and 1" "
s = [x for x in w if x['id'] == 'binding.shared_core']
assert len(s) == 1 and s[0]['ranks'] == [0, 1], w
assert 'rank 0' in s[0]['message'] and 'rank 1' in s[0]['message'], s
"
if grep -q 'warning \[binding.shared_core\]: .*ranks 0,1 share a core' "$out/one.out"; then
    tap_ok "two ranks on one core: the console summary warns, naming both ranks"
else
    tap_not_ok "two ranks on one core: the console summary warns, naming both ranks"; tap_diag "$(cat "$out/one.out")"
fi
