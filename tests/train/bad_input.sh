#!/bin/sh
# Bad input to the train phase at -np 2: a model or a batch that cannot fit a rank's memory is
# refused before allocation with the estimate and MemAvailable, exit status 2 on every rank and
# no hang; an unknown preset is refused with the list of known ones.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/train/common.sh"
tap_plan 7
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
train_run big 2 --model gpt3-175b --layers 96  # --quick alone would take 2 layers
rc=$?
if [ "$rc" -eq 2 ]; then tap_ok "gpt3-175b: exit status 2"; else tap_not_ok "gpt3-175b: exit status 2 (got $rc)"; tap_diag "$(tail -n 5 "$out/big.log")"; fi
if grep -q "does not fit" "$out/big.log" && grep -q "weights" "$out/big.log" \
    && grep -q "optimizer state" "$out/big.log" && grep -q "activations" "$out/big.log" \
    && grep -q "MemAvailable" "$out/big.log"; then
    tap_ok "gpt3-175b: the message gives the estimate and the memory available"
else
    tap_not_ok "gpt3-175b: the message gives the estimate and the memory available"; tap_diag "$(cat "$out/big.log")"
fi
if [ "$(grep -c 'does not fit' "$out/big.log")" -eq 1 ]; then tap_ok "gpt3-175b: one line (one node)"; else tap_not_ok "gpt3-175b: one line (one node)"; fi
if [ -n "$f" ] && "$PYTHON3" - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["phases"]["train"]
assert d["status"] == "input-error" and t["status"] == "input-error", (d["status"], t["status"])
m = t["memory"]
assert m["weights_bytes"] > 6e11 and m["optimizer_bytes"] == 2 * m["weights_bytes"] and m["per_rank_bytes"] > m["weights_bytes"] * 4 > 0
assert m["ranks_on_node"] == 2 and m["mem_available_bytes"] > 0
PY
then tap_ok "gpt3-175b: results file says input-error, with the estimate"; else tap_not_ok "gpt3-175b: results file says input-error, with the estimate"; fi
train_run bigbatch 2 --model gpt2-124m --batch 60000
rc=$?
if [ "$rc" -eq 2 ] && grep -q "does not fit" "$out/bigbatch.log"; then tap_ok "gpt2-124m --batch 60000: refused, exit 2"; else tap_not_ok "gpt2-124m --batch 60000: refused, exit 2 (got $rc)"; tap_diag "$(tail -n 5 "$out/bigbatch.log")"; fi
train_run unknown 2 --model gpt9
rc=$?
if [ "$rc" -eq 2 ]; then tap_ok "unknown preset: exit status 2"; else tap_not_ok "unknown preset: exit status 2 (got $rc)"; fi
if grep -q "gpt9" "$out/unknown.log" && grep -q "gpt2-124m" "$out/unknown.log"; then tap_ok "unknown preset: names it and lists the known ones"; else tap_not_ok "unknown preset: names it and lists the known ones"; tap_diag "$(cat "$out/unknown.log")"; fi
