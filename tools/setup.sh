#!/bin/sh
# Install what is missing (Debian 12, as root), then configure and build llmbench in build/.
# Idempotent: packages already present are not touched; an existing build is reused.
set -eu
cd "$(dirname "$0")/.."
PKGS="gcc make git pkg-config autoconf automake libtool autoconf-archive
      openmpi-bin libopenmpi-dev hwloc libhwloc-dev libjansson-dev libcmocka-dev
      libopenblas-dev gnuplot-nox python3 iproute2 util-linux clang libclang-rt-dev"
missing=
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "setup: installing:$missing"
    if [ "$(id -u)" != 0 ]; then
        echo "setup: run as root (or install these packages first):$missing" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
    autoreconf -fi >/dev/null
fi
mkdir -p build
cd build
if [ ! -f Makefile ]; then
    ../configure -q ${LLMBENCH_CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)" >/dev/null
echo "setup: built build/llmbench and build/llmbench-report"
