# Emulated-cluster scenario framework (sourced by tests/scenarios/scenario_*.sh).
#
# A scenario runs the same quick llmbench workload twice on an emulated
# cluster (llmbench-emulate session NODES RANKS): cluster A clean, cluster B
# with one cause injected (setup_b), then `llmbench-report --format json A B`,
# and asserts on the JSON with check_report.py (never on wording).
#
# The scenario script sets, before sourcing this file:
#   NODES, RANKS       the emulated cluster (nodes x ranks per node)
#   NP                 optional: run fewer ranks than NODES x RANKS (with a rankfile)
#   PHASES             llmbench phases the checks need (e.g. probe,comm,train)
#   WORKLOAD           extra llmbench options (added to --quick --quiet)
#   CHECKS             check_report.py checks (see there)
#   setup_a, setup_b   shell functions run before A and before B (may be empty)
#   RANKFILE_A/_B      optional rankfile contents for run A / run B
#   INJECTED           words for the cause (TAP descriptions)
# and then calls scenario_main "$@".
# Skips (never passes) without root / kernel features, without llmbench or
# llmbench-report, or while llmbench does not implement a needed phase yet.
# Environment: LLMBENCH_SCENARIO_TIMEOUT (seconds per run, default 90),
# LLMBENCH_SCENARIO_PHASES (override PHASES, for debugging),
# LLMBENCH_SCENARIO_KEEP=DIR keeps the results and the report there.

. "$(dirname "$0")/common.sh"

command -v setup_a >/dev/null 2>&1 || setup_a() { :; }
command -v setup_b >/dev/null 2>&1 || setup_b() { :; }
: "${RANKFILE_A=}" "${RANKFILE_B=}" "${WORKLOAD=}" "${INJECTED=the injected cause}" "${NP=}"
: "${LLMBENCH_SCENARIO_TIMEOUT:=90}"
PHASES=${LLMBENCH_SCENARIO_PHASES:-$PHASES}     # for debugging the framework

# Give every node its own core (cpuset), as real nodes have, when there are
# enough cores and the cpuset controller exists; otherwise nodes share cores.
own_cores() {
    [ "$NODES" -le "$(nproc)" ] || return 0
    [ -z "$(emu_require_cgroup cpuset)" ] || return 0
    _i=0
    while [ $_i -lt "$NODES" ]; do
        "$EMU" cpus $_i $_i || return 1
        _i=$((_i + 1))
    done
}

# Bind every node to one core, node i to core i mod cores (cpuset), so that
# ranks are bound (not floating) and the load is even; nodes may share cores.
spread_cores() {
    [ -z "$(emu_require_cgroup cpuset)" ] || return 0
    _i=0 _n=$(nproc)
    while [ $_i -lt "$NODES" ]; do
        "$EMU" cpus $_i $((_i % _n)) || return 1
        _i=$((_i + 1))
    done
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# run_cluster A|B : one llmbench run on the current cluster; sets RESULT
run_cluster() {
    tag=$1
    mkdir -p "$WORK/$tag"
    set -- --timeout "$LLMBENCH_SCENARIO_TIMEOUT" --bin "$LLMBENCH"
    [ -n "$NP" ] && set -- "$@" --np "$NP"
    rf=
    [ "$tag" = A ] && rf=$RANKFILE_A
    [ "$tag" = B ] && rf=$RANKFILE_B
    if [ -n "$rf" ]; then
        printf '%s\n' "$rf" > "$WORK/rankfile.$tag"
        set -- "$@" --rankfile "$WORK/rankfile.$tag"
    fi
    t0=$(now)
    # shellcheck disable=SC2086
    "$EMU" run "$@" -- --phases "$PHASES" --quick --quiet $WORKLOAD \
        --output "$WORK/$tag" --tag "$tag" > "$WORK/$tag.log" 2>&1
    rc=$?
    RUN_S=$(elapsed "$t0")
    RESULT=$(ls "$WORK/$tag"/*.json 2>/dev/null | head -1)
    return $rc
}

# phases of PHASES that the results file does not list as completed
missing_phases() {
    "$PYTHON3" - "$1" "$PHASES" <<'EOF'
import json, sys
try:
    done = set(json.load(open(sys.argv[1])).get("phases_completed") or [])
except Exception:
    done = set()
print(",".join(p for p in sys.argv[2].split(",") if p not in done))
EOF
}

keep() {
    [ -n "${LLMBENCH_SCENARIO_KEEP:-}" ] || return 0
    d=$LLMBENCH_SCENARIO_KEEP/$(basename "$0" .sh)
    mkdir -p "$d" && cp -r "$WORK/A" "$WORK/B" "$WORK"/*.log "$WORK"/report.* "$d"/ 2>/dev/null
    diag "kept in $d"
}

scenario_inner() {
    nchecks=$(echo $CHECKS | wc -w)
    plan=$((4 + nchecks))
    setup_a || { echo "Bail out! could not set up cluster A (setup_a)"; exit 1; }
    if ! run_cluster A || [ -z "$RESULT" ]; then
        echo "1..$plan"
        echo "not ok 1 - run A (clean, $NODES nodes x $RANKS ranks) exit $rc"
        tail -20 "$WORK/A.log" | sed 's/^/# /'
        n=1; while [ $n -lt $plan ]; do n=$((n + 1)); echo "ok $n # SKIP run A failed"; done
        keep
        return 0
    fi
    miss=$(missing_phases "$RESULT")
    [ -z "$miss" ] || skip_all "llmbench does not implement phase(s) $miss yet"
    echo "1..$plan"
    echo "ok 1 - run A (clean, $NODES nodes x $RANKS ranks${NP:+, $NP ranks in all}, phases $PHASES): ${RUN_S} s"
    setup_b || { echo "Bail out! could not inject the cause (setup_b)"; exit 1; }
    if run_cluster B && [ -n "$RESULT" ]; then
        echo "ok 2 - run B ($INJECTED): ${RUN_S} s"
    else
        echo "not ok 2 - run B ($INJECTED) exit $rc"
        tail -20 "$WORK/B.log" | sed 's/^/# /'
        n=2; while [ $n -lt $plan ]; do n=$((n + 1)); echo "ok $n # SKIP run B failed"; done
        keep
        return 0
    fi
    A=$(ls "$WORK"/A/*.json | head -1) B=$(ls "$WORK"/B/*.json | head -1)
    t0=$(now)
    "$LLMBENCH_REPORT" --format json --plots "$WORK/plots" "$A" "$B" > "$WORK/report.json" 2> "$WORK/report.err"
    rc=$?
    if [ $rc = 0 ]; then
        echo "ok 3 - llmbench-report --format json A B: exit 0 ($(elapsed "$t0") s)"
    else
        echo "not ok 3 - llmbench-report --format json A B: exit $rc"
        tail -20 "$WORK/report.err" | sed 's/^/# /'
    fi
    if "$PYTHON3" -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(not (isinstance(d.get("findings"), list) and isinstance(d.get("attribution"), dict)))' "$WORK/report.json" 2>/dev/null; then
        echo "ok 4 - report JSON has findings and an attribution"
    else
        echo "not ok 4 - report JSON has findings and an attribution"
        head -c 2000 "$WORK/report.json" | sed 's/^/# /'
    fi
    # shellcheck disable=SC2086
    "$PYTHON3" "$SCEN_DIR/check_report.py" --start 5 "$WORK/report.json" $CHECKS || keep
    return 0
}

scenario_main() {
    if [ "${1:-}" = --inner ]; then
        scenario_inner
        exit 0
    fi
    emu_require
    [ -x "$LLMBENCH" ] || skip_all "llmbench not built ($LLMBENCH)"
    [ -x "$LLMBENCH_REPORT" ] || skip_all "llmbench-report not built yet ($LLMBENCH_REPORT)"
    command -v "$PYTHON3" >/dev/null 2>&1 || skip_all "python3 not found (needed to read the report JSON)"
    emu_test_lock
    emu_wait_clean
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/llmbe-scenario.XXXXXX")
    export WORK
    trap 'rm -rf "$WORK"' EXIT
    t0=$(now)
    "$EMU" session "$NODES" "$RANKS" -- "$0" --inner 2> "$WORK/session.err"
    rc=$?
    diag "scenario took $(elapsed "$t0") s"
    [ $rc = 0 ] || { echo "Bail out! session failed (rc $rc)"; sed 's/^/# /' "$WORK/session.err"; exit 1; }
    left=$(emu_leftovers)
    [ -z "$left" ] || { echo "Bail out! left behind: $left"; exit 1; }
    exit 0
}
