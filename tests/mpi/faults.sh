#!/bin/sh
# Faults lose no finished result: an output directory without room is refused before anything
# is measured (status 2, one line, every rank); a write that fails later (the disk filled up)
# stops the run with status 1 and keeps the last complete file; a rank killed with SIGKILL in
# the middle of a phase makes mpirun exit non-zero and the file holds every phase completed
# before.
. "$top_srcdir/tests/tap.sh"
tap_plan 5
out=$(tap_tmpdir)
tiny="$out/tiny"
cleanup() { mountpoint -q "$tiny" 2>/dev/null && umount "$tiny"; rm -rf "$out"; }
trap cleanup EXIT
completed() { # file -> the phases it holds as completed, comma-separated
    "$PYTHON3" -c 'import json,sys; print(",".join(json.load(open(sys.argv[1]))["phases_completed"]))' "$1"
}

# 1. a full disk: a 1 MiB tmpfs (root only; skipped where it cannot be mounted)
mkdir -p "$tiny"
if mount -t tmpfs -o size=1m tmpfs "$tiny" 2>/dev/null; then
    tap_mpirun 60 -np 2 "$LLMBENCH" --phases probe --quiet --output "$tiny/r" >"$out/o1" 2>"$out/e1"
    rc=$?
    if [ $rc -eq 2 ] && [ "$(grep -c 'llmbench:' "$out/e1")" -eq 1 ] && grep -q 'MB free' "$out/e1" &&
        [ -z "$(ls "$tiny/r" 2>/dev/null)" ]; then
        tap_ok "output without room: status 2, one line naming the free space, no file"
    else
        tap_not_ok "output without room: status $rc"; tap_diag "$(cat "$out/e1")"
    fi
    umount "$tiny"
else
    tap_skip "output without room: cannot mount a tmpfs here"
fi

# 2. a disk that fills up after the first phase: a 24 MiB tmpfs passes the check before the run;
#    once the probe's file is there, the rest of the disk is filled, so the compute phase's
#    write fails (root only; skipped where a tmpfs cannot be mounted)
if mount -t tmpfs -o size=24m tmpfs "$tiny" 2>/dev/null; then
    tap_mpirun 180 -np 2 "$LLMBENCH" --quick --model tiny --phases probe,compute --quiet \
        --output "$tiny/r2" >"$out/o2" 2>"$out/e2" &
    job=$!
    for i in $(seq 1 300); do
        f=$(ls "$tiny"/r2/*.json 2>/dev/null | head -n 1)
        if [ -n "$f" ] && completed "$f" 2>/dev/null | grep -q probe; then
            dd if=/dev/zero of="$tiny/fill" bs=4k 2>/dev/null
            break
        fi
        sleep 0.1
    done
    wait $job
    rc=$?
    if [ $rc -eq 1 ] && grep -q 'cannot write the results of phase compute' "$out/e2"; then
        tap_ok "a failed write stops the run with status 1, naming the phase"
    else
        tap_not_ok "a failed write: status $rc"; tap_diag "$(tail -n 5 "$out/e2")"
    fi
    f=$(ls "$tiny"/r2/*.json 2>/dev/null | head -n 1)
    if [ -n "$f" ] && [ "$(completed "$f")" = "probe" ] &&
        [ -z "$(ls -A "$tiny"/r2 | grep -v '[.]json$')" ]; then
        tap_ok "the last complete file stays: it parses and holds the probe (no temporary file left)"
    else
        tap_not_ok "the last complete file stays"; tap_diag "$(ls -la "$tiny"/r2 2>&1)"
    fi
    umount "$tiny"
else
    tap_skip "a failed write: cannot mount a tmpfs here"
    tap_skip "the last complete file stays: cannot mount a tmpfs here"
fi

# 3. SIGKILL to rank 1 during the comm phase, after probe and compute completed
tap_mpirun 300 -np 2 "$LLMBENCH" --quick --model tiny --phases probe,compute,comm \
    --time-per-point 0.3 --quiet --tag killme --output "$out/r3" >"$out/o3" 2>"$out/e3" &
job=$!
victim=
for i in $(seq 1 600); do
    f=$(ls "$out"/r3/*.json 2>/dev/null | head -n 1)
    if [ -n "$f" ] && completed "$f" 2>/dev/null | grep -q compute; then
        for p in $(pgrep -f -- '--tag killme'); do
            if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx 'OMPI_COMM_WORLD_RANK=1'; then
                victim=$p
            fi
        done
        break
    fi
    sleep 0.2
done
[ -n "$victim" ] && kill -KILL "$victim"
wait $job
rc=$?
if [ -n "$victim" ] && [ $rc -ne 0 ]; then
    tap_ok "rank 1 killed in the comm phase: mpirun exits $rc"
else
    tap_not_ok "rank 1 killed in the comm phase (victim '$victim'): mpirun exits $rc"
    tap_diag "$(tail -n 5 "$out/e3")"
fi
f=$(ls "$out"/r3/*.json 2>/dev/null | head -n 1)
if [ -n "$f" ] && [ "$(completed "$f")" = "probe,compute" ]; then
    tap_ok "the file holds every phase completed before the kill (probe, compute)"
else
    tap_not_ok "the file after the kill: $( [ -n "$f" ] && completed "$f")"
fi
