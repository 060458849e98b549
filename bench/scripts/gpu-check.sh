#!/bin/bash
# bench/scripts/gpu-check.sh - the device check of the CUDA backend, on the GPU machine, from the
# repository root of a working tree (under 5 minutes on one H200):
#   0. says what the machine has (GPU, driver, nvcc, compilers, MPI, pkg-config, Python, NCCL);
#   1. unpacks gpu-deps/ (tools/gpu-deps.sh, run beforehand on a machine with Debian's mirror:
#      Open MPI, hwloc, jansson, OpenBLAS, pkg-config) into $WORK/root and points PATH,
#      LD_LIBRARY_PATH, PKG_CONFIG_* and OPAL_PREFIX at it, when the machine lacks them;
#   2. configures (the generated build system from gpu-deps/autotools.tar when the tree has no
#      configure) and builds llmbench out of tree in $WORK/build, CUDA for the GPU's
#      architecture, NCCL from PyTorch's wheels when there is no other;
#   3. runs, one rank on the GPU: the compute phase of gpt2-124m with each CUDA table (every GEMM
#      and kernel validated against the CPU reference before it is timed: a wrong one fails the
#      phase), the train phase with the default table, and the comm phase (the backend's
#      collectives, each result checked);
#   4. prints one table: status, worst error / tolerance, peaks, bandwidths, step times.
# Exit status: 0 when every run passed, 1 when one failed, 2 when the build failed.
#
# Environment: WORK (default ${TMPDIR:-/tmp}/llmb-gpu-check), BACKENDS (default "cuda cuda-tf32
# cuda-fp32 cuda-fp16"; the first also runs train and comm), CUDA_ARCH (default: the GPU's,
# from nvidia-smi; else 80,90), QUICK=1 (--quick everywhere: a smoke test of this script, e.g.
# BACKENDS=cpu QUICK=1 on a machine without a GPU), BATCH, SEQ (default 8, 1024), STEPS (10),
# BUDGET_S (default 285: every run's timeout is cut to what is left of it, a run with under 15 s
# left is not started and counts as failed, so the script ends within 5 minutes).
set -u
t_start=$(date +%s)
top=$(pwd)
[ -f "$top/bench/main.c" ] || { echo "gpu-check: run me from the repository root" >&2; exit 2; }
WORK=${WORK:-${TMPDIR:-/tmp}/llmb-gpu-check}
BACKENDS=${BACKENDS:-cuda cuda-tf32 cuda-fp32 cuda-fp16}
BATCH=${BATCH:-8}
SEQ=${SEQ:-1024}
STEPS=${STEPS:-10}
BUDGET_S=${BUDGET_S:-285}
QUICK=${QUICK:-0}
jobs=$(nproc 2>/dev/null || echo 4)
mkdir -p "$WORK"
log=$WORK/gpu-check.log
: >"$log"
say() { printf '%s\n' "$*" | tee -a "$log"; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---- 0. what is here ----
say "== gpu-check $(date -u +%FT%TZ) in $top, work $WORK"
say "os: $(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME"), $(uname -rm), $jobs cores"
if have nvidia-smi; then
    say "gpu: $(nvidia-smi --query-gpu=name,pci.bus_id,driver_version,memory.total,compute_cap \
        --format=csv,noheader 2>&1 | head -n 4 | tr '\n' ';')"
else
    say "gpu: no nvidia-smi"
fi
cuda_home=${CUDA_HOME:-/usr/local/cuda}
nvcc=$(command -v nvcc || echo "$cuda_home/bin/nvcc")
[ -x "$nvcc" ] && cuda_home=$(dirname "$(dirname "$nvcc")")
say "nvcc: $("$nvcc" --version 2>/dev/null | tail -n 1 || echo none) ($cuda_home)"
for t in gcc g++ cc mpicc mpirun pkg-config pkgconf dpkg-deb ar tar xz zstd python3 autoreconf; do
    printf '%s=%s ' "$t" "$(command -v "$t" >/dev/null && echo yes || echo no)"
done | tee -a "$log"
echo | tee -a "$log"
py_nccl=$(python3 -c 'import nvidia.nccl, os; print(os.path.dirname(nvidia.nccl.__file__))' 2>/dev/null \
    || python3 -c 'import nvidia.nccl, os; print(list(nvidia.nccl.__path__)[0])' 2>/dev/null || true)
say "python: $(python3 -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)," \
    "torch $(python3 -c 'import torch; print(torch.__version__, "cuda", torch.version.cuda)' 2>/dev/null || echo none)," \
    "nccl wheel: ${py_nccl:-none}"

# ---- 1. dependencies ----
root=$WORK/root
lib=$root/usr/lib/x86_64-linux-gnu
if [ -d "$top/gpu-deps/debs" ]; then
    rm -rf "$root"
    mkdir -p "$root"
    for deb in "$top"/gpu-deps/debs/*.deb; do
        if have dpkg-deb; then
            dpkg-deb -x "$deb" "$root"
        else # a .deb is an ar archive holding data.tar.{xz,zst,gz}
            member=$(ar t "$deb" | grep '^data\.tar')
            case $member in
            *.xz) ar p "$deb" "$member" | tar -xJ -C "$root" ;;
            *.zst) ar p "$deb" "$member" | zstd -dc | tar -x -C "$root" ;;
            *.gz) ar p "$deb" "$member" | tar -xz -C "$root" ;;
            *) ar p "$deb" "$member" | tar -x -C "$root" ;;
            esac
        fi || { say "gpu-check: cannot unpack $deb"; exit 2; }
    done
    # the links Debian's alternatives would make, and the tool names configure looks for
    mkdir -p "$WORK/bin"
    for pair in mpicc:mpicc.openmpi mpirun:mpirun.openmpi mpiexec:mpiexec.openmpi \
        pkg-config:pkgconf; do
        [ -e "$root/usr/bin/${pair#*:}" ] && ln -sf "$root/usr/bin/${pair#*:}" "$WORK/bin/${pair%%:*}"
    done
    [ -e "$lib/openblas-pthread/libopenblas.so.0" ] && ln -sf openblas-pthread/libopenblas.so.0 "$lib/libopenblas.so.0"
    export PATH="$WORK/bin:$root/usr/bin:$PATH"
    export LD_LIBRARY_PATH="$lib:$lib/openmpi/lib:$lib/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export OPAL_PREFIX="$root/usr" OPAL_LIBDIR="$lib/openmpi/lib" OPAL_PKGDATADIR="$root/usr/share/openmpi"
    export OMPI_MCA_mca_base_component_path="$lib/openmpi/lib/openmpi3"
    export OMPI_MCA_mca_base_component_show_load_errors=0
    # Debian's PMIx (libpmix2) looks for its plugins under its compiled-in /usr/lib/.../pmix2
    export PMIX_MCA_mca_base_component_path="$lib/pmix2/lib/pmix"
    export PKG_CONFIG_LIBDIR="$lib/pkgconfig:$root/usr/share/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root"
    dep_cppflags="-I$root/usr/include -I$root/usr/include/x86_64-linux-gnu/openblas-pthread"
    dep_ldflags="-L$lib -L$lib/openblas-pthread -Wl,-rpath,$lib -Wl,-rpath,$lib/openblas-pthread"
    say "deps: $(ls "$top"/gpu-deps/debs/*.deb | wc -l) packages unpacked into $root"
else
    dep_cppflags= ; dep_ldflags=
    say "deps: no gpu-deps/ (tools/gpu-deps.sh): using what the machine has"
fi
say "mpicc: $(mpicc --showme 2>&1 | head -n 1)"
say "mpirun: $(mpirun --version 2>&1 | head -n 1)"
if ! mpirun --version >/dev/null 2>&1; then # e.g. Debian 12's libevent wants glibc 2.36
    say "gpu-check: mpirun does not run here (glibc $(ldd --version 2>&1 | head -n 1 | awk '{print $NF}');" \
        "gpu-deps/ is for glibc >= 2.36): $(mpirun --version 2>&1 | grep -m 1 -i 'error\|not found')"
    exit 2
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
export OMPI_MCA_plm_rsh_agent=

# NCCL: a toolkit's own, else the PyTorch wheel's (which has libnccl.so.2 but no libnccl.so)
nccl_opt=
if [ ! -e "$cuda_home/include/nccl.h" ] && [ -n "$py_nccl" ] && [ -e "$py_nccl/include/nccl.h" ]; then
    mkdir -p "$WORK/nccl/lib"
    ln -sfn "$py_nccl/include" "$WORK/nccl/include"
    so=$(ls "$py_nccl"/lib/libnccl.so* | head -n 1)
    ln -sf "$so" "$WORK/nccl/lib/libnccl.so"
    export LD_LIBRARY_PATH="$py_nccl/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    nccl_opt="--with-nccl=$WORK/nccl"
fi

# ---- 2. build ----
if [ -z "${CUDA_ARCH:-}" ]; then
    CUDA_ARCH=$(nvidia-smi --query-gpu=compute_cap --format=csv,noheader 2>/dev/null | head -n 1 | tr -d '. ')
    CUDA_ARCH=${CUDA_ARCH:-80,90}
fi
if [ ! -x "$top/configure" ]; then
    if [ -f "$top/gpu-deps/autotools.tar" ]; then
        tar -xf "$top/gpu-deps/autotools.tar" -C "$top"
    elif have autoreconf; then
        (cd "$top" && autoreconf -fi) >>"$log" 2>&1
    fi
fi
[ -x "$top/configure" ] || { say "gpu-check: no configure (run tools/gpu-deps.sh, or autoreconf -fi)"; exit 2; }
build=$WORK/build
mkdir -p "$build"
t_build=$(date +%s)
cuda_opt="--with-cuda=$cuda_home --with-cuda-arch=$CUDA_ARCH"
[ -x "$nvcc" ] || cuda_opt="--without-cuda"
# shellcheck disable=SC2086
if ! (cd "$build" && "$top/configure" -q CC=mpicc CPPFLAGS="$dep_cppflags" \
        LDFLAGS="$dep_ldflags" $cuda_opt $nccl_opt >>"$log" 2>&1 &&
      make llmb_version.h >>"$log" 2>&1 && make -j"$jobs" llmbench >>"$log" 2>&1); then
    say "gpu-check: the build failed; the end of $log:"
    tail -n 30 "$log"
    exit 2
fi
say "built in $(($(date +%s) - t_build)) s: $("$build/llmbench" --version | tr '\n' ';')"

# ---- 3. runs ----
quick=
[ "$QUICK" = 1 ] && quick=--quick
shape="--model gpt2-124m --batch $BATCH --seq $SEQ"
[ "$QUICK" = 1 ] && shape="--model gpt2-124m"
status=0
run() { # name timeout-s args...: one rank; its results in $WORK/res/name
    name=$1 t=$2
    shift 2
    rm -rf "$WORK/res/$name"
    left=$((t_start + BUDGET_S - $(date +%s)))
    [ "$t" -le "$left" ] || t=$left
    if [ "$t" -lt 15 ]; then
        status=1; echo 124 >"$WORK/res-$name.rc"
        say "run $name: not started: ${left} s left of the ${BUDGET_S} s budget"
        return
    fi
    timeout -k 10 "$t" mpirun -np 1 "$build/llmbench" --quiet --output "$WORK/res/$name" "$@" \
        >"$WORK/res-$name.log" 2>&1
    rc=$?
    echo "$rc" >"$WORK/res-$name.rc"
    [ "$rc" -eq 0 ] || { status=1; say "run $name: status $rc: $(grep -m 3 'llmbench:' "$WORK/res-$name.log" | tr '\n' ' ')"; }
}
mkdir -p "$WORK/res"
first=
for b in $BACKENDS; do
    if [ -z "$first" ]; then
        first=$b
        run "compute-$b" 150 --backend "$b" --phases compute $quick $shape
    else # the other precisions: validation and timing at the preset's own small shapes
        run "compute-$b" 60 --backend "$b" --phases compute --quick --model gpt2-124m
    fi
done
# train and comm run the backend's collectives on device memory: NCCL's, or without NCCL MPI's,
# which Debian's Open MPI (not CUDA-aware) cannot do (it would crash on the device pointers)
if [ "$first" = cpu ] || "$build/llmbench" --version | grep -q 'NCCL'; then
    run "train-$first" 90 --backend "$first" --phases train $quick $shape --steps "$STEPS"
    run "comm-$first" 60 --backend "$first" --phases comm --quick
else
    say "train, comm: SKIPPED: built without NCCL (no nccl.h in $cuda_home nor in a PyTorch NCCL wheel)"
fi

# ---- 4. the table ----
python3 - "$WORK" "$first" $BACKENDS <<'PY' | tee -a "$log"
import glob, json, os, sys
work, first, backends = sys.argv[1], sys.argv[2], sys.argv[3:]

def load(name):
    files = sorted(glob.glob(os.path.join(work, "res", name, "*.json")))
    rc = open(os.path.join(work, "res-%s.rc" % name)).read().strip() if os.path.exists(os.path.join(work, "res-%s.rc" % name)) else "?"
    try:
        return (json.load(open(files[-1])) if files else None), rc
    except ValueError:
        return None, rc

def g(x, fmt="%.0f"):
    return fmt % x if isinstance(x, (int, float)) else "-"

print("%-10s %-4s %-9s %-17s %-19s %-8s %-8s %-15s %-15s" % (
    "compute", "rc", "precision", "worst err / tol", "peak GFLOP/s meas.", "nominal", "triad",
    "d2d GB/s", "h2d / d2h GB/s"))
for b in backends:
    d, rc = load("compute-" + b)
    c = (d or {}).get("phases", {}).get("compute")
    if not c:
        print("%-10s %-4s (no results)" % (b, rc))
        continue
    r = c["ranks"][0]
    worst, wtol = 0.0, 0.0
    for k in r.get("gemm", []) + r.get("kernels", []) + r.get("step_kernels", []):
        tol = c.get("tolerance_rel_l2_gemm", c["tolerance_rel_l2"]) if k.get("kernel", "gemm") in ("gemm", "matmul", "attention") else c["tolerance_rel_l2"]
        e = k.get("rel_l2_err", -1)
        if e < 0 or e / tol > worst / (wtol or 1):
            worst, wtol = (e if e >= 0 else float("inf")), tol
    print("%-10s %-4s %-9s %-17s %-19s %-8s %-8s %-15s %-15s" % (
        b, rc, c.get("precision", "?"), "%.1e / %.0e" % (worst, wtol), g(r.get("measured_peak_gflops")),
        g(r.get("nominal_peak_gflops")), g(r.get("stream_triad_gbs"), "%.0f"),
        g(r.get("device_copy_gbs"), "%.0f"),
        "%s / %s" % (g(r.get("h2d_gbs"), "%.1f"), g(r.get("d2h_gbs"), "%.1f"))))
    ms = r.get("model_step") or {}
    if ms.get("summary"):
        print("%-10s      model step %s layers x %s x %s: median %.4f s (kernels predict %s s), %s tokens/s, %.0f%% of the measured peak" % (
            "", ms.get("layers"), ms.get("batch"), ms.get("seq"), ms["summary"].get("median_s", 0),
            g(ms.get("predicted_from_kernels_s"), "%.4f"), g(ms.get("tokens_per_s")),
            100 * (ms.get("fraction_of_measured_peak") or 0)))
d, rc = load("train-" + first)
t = (d or {}).get("phases", {}).get("train")
if t and t.get("step_time"):
    print("train %-10s rc %s: step median %.4f s, %s tokens/s, MFU %s (nominal) %s (measured), loss %s -> %s" % (
        first, rc, t["step_time"].get("median_s", 0), g(t.get("tokens_per_s")),
        g(t.get("mfu_nominal"), "%.3f"), g(t.get("mfu_measured"), "%.3f"),
        g((t.get("loss") or [None])[0], "%.3f"), g((t.get("loss") or [None])[-1], "%.3f")))
else:
    print("train %-10s rc %s: no results" % (first, rc))
d, rc = load("comm-" + first)
cm = (d or {}).get("phases", {}).get("comm")
print("comm  %-10s rc %s: %s" % (first, rc, "results written" if cm else "no results"))
PY
say "gpu-check: $( [ $status -eq 0 ] && echo passed || echo FAILED ) in $(($(date +%s) - t_start)) s (log $log)"
exit $status
