#!/bin/sh
# Overlap and no-overlap reduce the same buckets with the same non-blocking collectives, so they
# must give bit-identical parameters after the same steps: data parallel at -np 2 and 3 (a
# non-power-of-two count takes other reduction algorithms), sharded at -np 3 (chunks of unequal
# size).
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/train/common.sh"
tap_plan 9
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
for c in dp2 dp3 zero3; do
    np=${c#dp}; np=${np#zero}; mode=
    case $c in zero*) mode=--zero ;; esac
    train_ok "$c: overlap exits 0" "o$c" "$np" $mode
    fo=$f
    train_ok "$c: --no-overlap exits 0" "n$c" "$np" $mode --no-overlap
    fn=$f
    if [ -n "$fo" ] && [ -n "$fn" ] && "$PYTHON3" - "$fo" "$fn" "$np" <<'PY'
import json, sys
o = json.load(open(sys.argv[1]))["phases"]["train"]
n = json.load(open(sys.argv[2]))["phases"]["train"]
np_ = int(sys.argv[3])
assert o["overlap"] is True and n["overlap"] is False
assert o["buckets"] == n["buckets"]
assert o["checksum"]["equal"] and n["checksum"]["equal"]
assert len(o["checksum"]["values"]) == np_
assert o["checksum"]["values"] == n["checksum"]["values"], (o["checksum"], n["checksum"])
assert o["loss"] == n["loss"] and o["loss_warmup"] == n["loss_warmup"]
PY
    then tap_ok "$c: overlap and no-overlap parameters bit-identical"
    else tap_not_ok "$c: overlap and no-overlap parameters bit-identical"; fi
done
