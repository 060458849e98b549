#!/bin/sh
# The replica check fails loudly: with LLMBENCH_TEST_CORRUPT_RANK=2 (test-only) rank 2 changes
# one parameter after the last step; at -np 3 the phase must fail (exit 1), name rank 2, say
# checksum.equal false and count one differing rank in errors.wrong_elements.
. "$top_srcdir/tests/tap.sh"
. "$top_srcdir/tests/train/common.sh"
tap_plan 3
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
LLMBENCH_TEST_CORRUPT_RANK=2; export LLMBENCH_TEST_CORRUPT_RANK
train_run bad 3
rc=$?
if [ "$rc" -eq 1 ]; then tap_ok "corrupted replica: exit status 1"; else tap_not_ok "corrupted replica: exit status 1 (got $rc)"; tap_diag "$(tail -n 10 "$out/bad.log")"; fi
if grep -q "parameters differ .*ranks 2)" "$out/bad.log"; then tap_ok "corrupted replica: the message names rank 2"; else tap_not_ok "corrupted replica: the message names rank 2"; tap_diag "$(cat "$out/bad.log")"; fi
if [ -n "$f" ] && "$PYTHON3" - "$f" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["phases"]["train"]
assert d["status"] == "failed" and t["status"] == "failed", (d["status"], t["status"])
c = t["checksum"]
assert c["equal"] is False and c["values"][0] == c["values"][1] != c["values"][2], c
assert d["errors"]["wrong_elements"] == 1, d["errors"]
PY
then tap_ok "corrupted replica: results say checksum unequal, one wrong rank"; else tap_not_ok "corrupted replica: results say checksum unequal, one wrong rank"; fi
