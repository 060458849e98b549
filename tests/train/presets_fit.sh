#!/bin/sh
# The large presets of issue 15 are for --describe-model and llmbench-size: running one that
# does not fit is refused before allocation with one line and exit status 2 (compute phase:
# its GEMM operands; train phase: its training state), and a mixture-of-experts preset is
# refused by the phases that run kernels (dense only), also with one line and status 2.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/train/common.sh"
tap_plan 4
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
# 8 x 131072 tokens: the LM head's output alone is 538 GB per rank
tap_mpirun 60 -np 2 "$LLMBENCH" --phases compute --quiet --model llama3.1-405b --batch 8 \
    --seq 131072 --output "$out/c" > "$out/c.log" 2>&1
rc=$?
if [ "$rc" -eq 2 ] && [ "$(grep -c 'compute: model llama3.1-405b does not fit' "$out/c.log")" -eq 1 ] \
    && grep -q "MemAvailable" "$out/c.log"
then tap_ok "compute, llama3.1-405b: one line, exit 2"
else tap_not_ok "compute, llama3.1-405b: one line, exit 2 (got $rc)"; tap_diag "$(tail -n 5 "$out/c.log")"; fi
train_run t 2 --model llama3.1-405b --layers 126
rc=$?
if [ "$rc" -eq 2 ] && [ "$(grep -c 'does not fit' "$out/t.log")" -eq 1 ]
then tap_ok "train, llama3.1-405b: one line, exit 2"
else tap_not_ok "train, llama3.1-405b: one line, exit 2 (got $rc)"; tap_diag "$(tail -n 5 "$out/t.log")"; fi
for ph in compute train; do
    tap_mpirun 60 -np 2 "$LLMBENCH" --phases "$ph" --quiet --model mixtral-8x7b \
        --output "$out/m" > "$out/m-$ph.log" 2>&1
    rc=$?
    if [ "$rc" -eq 2 ] && [ "$(grep -c 'mixture-of-experts' "$out/m-$ph.log")" -ge 1 ] \
        && ! grep -v "mixture-of-experts" "$out/m-$ph.log" | grep -q "llmbench:"
    then tap_ok "$ph, mixtral-8x7b: refused (dense kernels only), exit 2"
    else tap_not_ok "$ph, mixtral-8x7b: refused (dense kernels only), exit 2 (got $rc)"; tap_diag "$(cat "$out/m-$ph.log")"; fi
done
