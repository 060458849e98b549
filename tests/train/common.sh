# Shared by the train-phase tests (sourced after tests/tap.sh).
# train_run NAME NP [llmbench options...]: runs the train phase of the tiny model (few steps,
# several gradient buckets, one thread per rank) into $out/NAME; sets $f to the results file and
# returns llmbench's exit status.  The log is in $out/NAME.log.
TRAIN_OPTS="--phases train --quick --quiet --model tiny --seq 32 --warmup 1 --steps 3 --threads 1 --bucket-size 16K"
train_run() {
    _tr_name=$1; _tr_np=$2; shift 2
    # shellcheck disable=SC2086
    tap_mpirun 60 -np "$_tr_np" "$LLMBENCH" $TRAIN_OPTS --output "$out/$_tr_name" \
        --tag "$_tr_name" "$@" >"$out/$_tr_name.log" 2>&1
    _tr_rc=$?
    f=$(ls "$out/$_tr_name"/*-"$_tr_name"-*.json 2>/dev/null | head -n 1)
    return $_tr_rc
}
# train_ok DESCRIPTION NAME NP [options...]: one TAP line for "exits 0".
train_ok() {
    _tr_d=$1; shift
    if train_run "$@"; then tap_ok "$_tr_d"; else tap_not_ok "$_tr_d"; tap_diag "$(tail -n 20 "$out/$1.log")"; fi
}
