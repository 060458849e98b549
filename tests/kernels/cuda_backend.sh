#!/bin/sh
# The CUDA backend at run time.  Built without CUDA: every test skipped.  Built with CUDA:
# without a device, --backend cuda (and each precision) is refused with one line and status 2 on
# every rank, and --backend auto falls back to cpu; the device tests are skipped, not passed.
# With a device (/dev/nvidia0): the compute phase on it validates every kernel (status 0, every
# rel L2 error within its tolerance) and auto picks cuda.
. "$top_srcdir/tests/tap.sh"
tap_plan 7
if ! "$LLMBENCH" --version | grep -q '^cuda toolkit'; then
    for i in 1 2 3 4 5 6 7; do tap_skip "configure found no CUDA toolkit"; done
    exit 0
fi
out=$(tap_tmpdir)
trap 'rm -rf "$out"' EXIT
device=no
ls /dev/nvidia[0-9]* >/dev/null 2>&1 && device=yes

refused() { # np backend
    tap_mpirun 60 -np "$1" "$LLMBENCH" --backend "$2" --phases probe --quiet \
        --output "$out/r" >"$out/stdout" 2>"$out/stderr"
    rc=$?
    lines=$(grep -c 'llmbench:' "$out/stderr")
    if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ] &&
        grep -q -- "--backend: bad value '$2'.*no CUDA device (cudaGetDeviceCount: " "$out/stderr"; then
        tap_ok "no device: np=$1 --backend $2: status 2, one line"
    else
        tap_not_ok "no device: np=$1 --backend $2: status $rc, $lines lines"
        tap_diag "$(cat "$out/stderr")"
    fi
}

# which backend a compute run used ("" when it did not run)
compute_backend() { # np backend dir -> prints phases.compute.backend and checks tolerances
    tap_mpirun 600 -np "$1" "$LLMBENCH" --backend "$2" --phases compute --quick --quiet \
        --model tiny --output "$3" >"$3.log" 2>&1 || { tail -n 5 "$3.log" >&2; return; }
    "$PYTHON3" - "$3"/*.json <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["phases"]["compute"]
for r in c["ranks"]:
    for k in r["gemm"] + r["kernels"] + r["step_kernels"]:
        tol = c["tolerance_rel_l2_gemm"] if k.get("kernel", "gemm") in ("gemm", "matmul", "attention") else c["tolerance_rel_l2"]
        assert 0 <= k["rel_l2_err"] <= tol, k
print(c["backend"])
PY
}

if [ $device = no ]; then
    refused 1 cuda
    refused 2 cuda
    refused 2 cuda-fp32
    b=$(compute_backend 1 auto "$out/auto")
    if [ "$b" = cpu ]; then tap_ok "no device: --backend auto runs on cpu"; else tap_not_ok "no device: --backend auto ran on '$b'"; fi
    for t in "compute on the GPU, bf16" "compute on the GPU, fp32" "auto picks cuda"; do
        tap_skip "no CUDA device: $t"
    done
else
    for i in 1 2 3 4; do tap_skip "a CUDA device is present: the no-device refusals"; done
    b=$(compute_backend 1 cuda "$out/bf16")
    if [ "$b" = cuda-bf16 ]; then tap_ok "compute on the GPU, bf16"; else tap_not_ok "compute on the GPU, bf16 ('$b')"; fi
    b=$(compute_backend 1 cuda-fp32 "$out/fp32")
    if [ "$b" = cuda-fp32 ]; then tap_ok "compute on the GPU, fp32"; else tap_not_ok "compute on the GPU, fp32 ('$b')"; fi
    b=$(compute_backend 1 auto "$out/auto")
    if [ "$b" = cuda-bf16 ]; then tap_ok "auto picks cuda"; else tap_not_ok "auto picks cuda ('$b')"; fi
fi
