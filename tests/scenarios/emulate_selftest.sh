#!/bin/sh
# Self-test of the emulated cluster (cluster/emulate/llmbench-emulate), TAP.
# Needs root and netns/veth/bridge/tbf; otherwise the whole test is skipped.
# Uses a tiny MPI program (emulate_probe.c, compiled here with mpicc), not llmbench.
. "$(dirname "$0")/common.sh"
PLAN=24

if [ "${1:-}" = --inner ]; then
    # ---- inside 'llmbench-emulate session 3 2': the cluster is up ----------
    P=$WORK/probe
    out=$WORK/out

    # topology and isolation
    check "3 nodes and the switch namespace exist" \
        test "$(ip netns list | awk '$1 ~ /^llmbe-(sw|n[0-2])$/' | wc -l)" -eq 4
    good=1
    for i in 0 1 2; do
        links=$(ip -n llmbe-n$i -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | tr '\n' ' ')
        [ "$links" = "llmbe-eth lo " ] || { diag "llmbe-n$i links: $links"; good=0; }
        addr=$(ip -n llmbe-n$i -4 -o addr show dev llmbe-eth | awk '{ print $4 }')
        [ "$addr" = "10.231.0.$((i + 1))/24" ] || { diag "llmbe-n$i addr: $addr"; good=0; }
        [ -z "$(ip -n llmbe-n$i route show default)" ] || { diag "llmbe-n$i has a default route"; good=0; }
    done
    check "each node has only lo + llmbe-eth, a 10.231.0.x/24 address, no default route" test $good = 1
    check "the root namespace has no address of the emulated subnet" \
        test -z "$(ip -4 -o addr show | grep ' 10\.231\.0\.')"

    # a tiny run: hostnames and MPI_COMM_TYPE_SHARED groups per emulated node
    "$EMU" run --timeout 60 --bin "$P" 1 2 > "$out" 2>&1
    rc=$?
    check "run: probe over 3 nodes x 2 ranks exits 0" test $rc = 0
    good=1
    for i in 0 1 2; do
        [ "$(grep -c "host=llmbe-n$i shm=[01]/2 " "$out")" = 2 ] || good=0
    done
    [ "$(grep -c '^rank ' "$out")" = 6 ] || good=0
    check "run: every node has its hostname and a shared-memory group of 2" test $good = 1
    [ $good = 1 ] || sed 's/^/# /' "$out"

    # shaping one link makes the allreduce slower, both directions are shaped
    "$EMU" run --timeout 60 --bin "$P" 2 3 > "$out" 2>&1
    t0=$(sed -n 's/.*allreduce_s=\([0-9.]*\).*/\1/p' "$out")
    "$EMU" shape 1 200mbit
    shaped=$(tc -n llmbe-n1 qdisc show dev llmbe-eth | grep -c tbf)
    shaped=$((shaped + $(tc -n llmbe-sw qdisc show dev llmbe-p1 | grep -c tbf)))
    check "shape: tbf on both ends of llmbe-n1's link" test "$shaped" = 2
    "$EMU" run --timeout 60 --bin "$P" 2 3 > "$out" 2>&1
    t1=$(sed -n 's/.*allreduce_s=\([0-9.]*\).*/\1/p' "$out")
    diag "allreduce 2 MiB, 3 nodes x 2 ranks: unshaped ${t0:-?} s, llmbe-n1 at 200mbit ${t1:-?} s"
    check "shape: allreduce at least 2x slower with one link at 200mbit" \
        "$PYTHON3" -c "import sys; sys.exit(not (float('${t1:-0}') >= 2 * float('${t0:-1}')))"
    "$EMU" shape 1 off
    check "shape off: no qdisc left on the link" \
        test -z "$(tc -n llmbe-n1 qdisc show dev llmbe-eth | grep tbf)$(tc -n llmbe-sw qdisc show dev llmbe-p1 | grep tbf)"

    # CPU quota: 2 nodes x 1 rank; the node under quota is the slow one
    "$EMU" up 2 1 2>/dev/null
    check "up again inside the session: 2 nodes x 1 rank" \
        test "$(ip netns list | awk '$1 ~ /^llmbe-n/' | wc -l)" -eq 2
    why=$(emu_require_cgroup cpu)
    if [ -z "$why" ]; then
        "$EMU" quota 1 20
        check "quota: cgroup llmbe_n1 limits to 20% of a core" \
            test "$(cat /sys/fs/cgroup/cpu/llmbe_n1/cpu.cfs_quota_us 2>/dev/null)" = 2000
        "$EMU" run --timeout 60 --bin "$P" 1 3 25 > "$out" 2>&1
        w1=$(sed -n 's/.*work_max_s=\([0-9.]*\).*/\1/p' "$out")
        w0=$(sed -n 's/.*work_min_s=\([0-9.]*\).*/\1/p' "$out")
        wr=$(sed -n 's/.*work_rank=\([0-9]*\).*/\1/p' "$out")
        diag "compute 3x25M mul-adds, llmbe-n1 at 20%: fastest rank ${w0:-?} s, slowest ${w1:-?} s (rank ${wr:-?})"
        check "quota: the rank on llmbe-n1 is the slowest" test "${wr:-x}" = 1
        check "quota: its compute at least 1.8x slower than the other rank's" \
            "$PYTHON3" -c "import sys; sys.exit(not (float('${w1:-0}') >= 1.8 * float('${w0:-1}')))"
        "$EMU" quota 1 off
        check "quota off: cgroup removed" test ! -d /sys/fs/cgroup/cpu/llmbe_n1
    else
        skip "quota: $why"; skip "quota: $why"; skip "quota: $why"; skip "quota: $why"
    fi

    why=$(emu_require_cgroup cpuset)
    if [ -z "$why" ] && [ "$(nproc)" -ge 2 ]; then
        "$EMU" cpus 0 0 && "$EMU" cpus 1 1
        "$EMU" run --timeout 60 --bin "$P" 1 1 > "$out" 2>&1
        check "cpus: llmbe-n0 runs on core 0, llmbe-n1 on core 1" \
            test "$(grep -c -e 'host=llmbe-n0 .* cpu=0$' -e 'host=llmbe-n1 .* cpu=1$' "$out")" = 2
        "$EMU" cpus 0 off     # llmbe_n1 stays: the end of the session must remove it
        check "cpus off: cgroup removed" test ! -d /sys/fs/cgroup/cpuset/llmbe_n0 -a -d /sys/fs/cgroup/cpuset/llmbe_n1
    else
        skip "cpus: ${why:-needs 2 cores}"; skip "cpus: ${why:-needs 2 cores}"
    fi

    # a rankfile puts two ranks on one core
    "$EMU" up 2 2 2>/dev/null
    printf 'rank 0=llmbe-n0 slot=0\nrank 1=llmbe-n0 slot=0\nrank 2=llmbe-n1 slot=0\nrank 3=llmbe-n1 slot=1\n' > "$WORK/rankfile"
    "$EMU" run --timeout 60 --rankfile "$WORK/rankfile" --bin "$P" 1 1 > "$out" 2>&1
    check "rankfile: ranks 0 and 1 both on core 0 of llmbe-n0" \
        test "$(grep -c -e '^rank [01]/4 host=llmbe-n0 .* cpu=0$' "$out")" = 2
    exit 0
fi

# ---- outside any session ---------------------------------------------------
emu_require
emu_test_lock
emu_wait_clean
tap_init $PLAN
WORK=$(mktemp -d "${TMPDIR:-/tmp}/llmbe-selftest.XXXXXX")
export WORK
trap 'rm -rf "$WORK"; tap_done' EXIT

left=$(emu_leftovers)
check "no llmbench-emulate objects before the test" test -z "$left"
[ -z "$left" ] || { diag "$left"; tap_fill $PLAN "objects of an earlier cluster exist"; exit 0; }

MPICC=${MPICC:-mpicc}
if ! "$MPICC" -O2 -o "$WORK/probe" "$SCEN_DIR/emulate_probe.c" 2> "$WORK/cc.err"; then
    not_ok "compile emulate_probe.c with $MPICC"
    sed 's/^/# /' "$WORK/cc.err"
    tap_fill $PLAN "probe did not compile"
    exit 0
fi
ok "compile emulate_probe.c"

start=$(date +%s)
"$EMU" session 3 2 -- "$0" --inner
rc=$?
check "session 3 2: inner checks ran and the session exited 0 (rc $rc)" test $rc = 0
left=$(emu_leftovers)
check "after the session: no namespace, cgroup or state file left" test -z "$left"
[ -z "$left" ] && diag "session took $(($(date +%s) - start)) s" || diag "$left"

# a session killed by a signal still removes everything; a second instance is refused
"$EMU" session 2 1 -- sleep 120 &
spid=$!
n=0
while [ $n -lt 100 ] && ! ip netns list | grep -q '^llmbe-n1'; do sleep 0.1; n=$((n + 1)); done
LLMBENCH_EMULATE_WAIT=1 "$EMU" up 2 2>/dev/null
check "a second instance is refused while a session holds the cluster (exit 4)" test $? = 4
kill -TERM $spid
wait $spid
check "a session killed by SIGTERM removes everything it created" test -z "$(emu_leftovers)"

# plain up/down, idempotent
"$EMU" up 2 2>/dev/null && "$EMU" up 2 2>/dev/null
check "up twice leaves one 2-node cluster" \
    test "$(ip netns list | awk '$1 ~ /^llmbe-/' | wc -l)" -eq 3
"$EMU" down && "$EMU" down
check "down twice succeeds and leaves nothing" test $? = 0 -a -z "$(emu_leftovers)"
