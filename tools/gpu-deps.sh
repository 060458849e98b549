#!/bin/sh
# tools/gpu-deps.sh - prepare gpu-deps/ (git-ignored) for a build on a GPU machine that has nvcc,
# cuBLAS, a C compiler and Python but no Open MPI, hwloc, jansson, OpenBLAS, pkg-config,
# autotools or package registry (bench/scripts/gpu-check.sh builds from it there):
#   gpu-deps/debs/*.deb      Debian packages (apt-get download, this machine's suite) of those
#                            libraries, headers and tools; gpu-check.sh unpacks them (dpkg-deb
#                            -x, or ar + tar) on the GPU machine.  Carried as .deb files: unpacked,
#                            OpenBLAS alone is 90 MB, over the 64 MiB a device run may carry.
#   gpu-deps/autotools.tar   configure, Makefile.in, config.h.in, aclocal.m4, build-aux/: the
#                            generated build system (autoreconf here), for a tree without them
# Usage: tools/gpu-deps.sh [DIR]   (DIR defaults to gpu-deps in the source tree; run from it)
# Prints the folder's size and fails when it is over 60 MiB.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$top/gpu-deps}
mkdir -p "$dir/debs"
# runtime libraries and their non-base dependencies, the -dev packages for headers, .so links
# and .pc files, pkg-config itself; the GPU machine is assumed to have libc, libstdc++, zlib, and
# a glibc at least as new as this suite's (Debian 12: 2.36, which its libevent needs; Ubuntu
# 22.04's 2.35 is too old: gpu-check.sh then stops with that line)
pkgs="openmpi-bin openmpi-common libopenmpi3 libopenmpi-dev
      libevent-core-2.1-7 libevent-pthreads-2.1-7 libevent-dev libpmix2 libmunge2
      libhwloc15 libhwloc-dev libudev1 libjansson4 libjansson-dev
      libopenblas0-pthread libopenblas-pthread-dev libopenblas-dev libgfortran5 libquadmath0
      pkgconf pkgconf-bin libpkgconf3"
# shellcheck disable=SC2086
(cd "$dir/debs" && apt-get download $pkgs >/dev/null 2>"$dir/debs.err") || {
    echo "gpu-deps: apt-get download failed:" >&2; cat "$dir/debs.err" >&2; exit 1; }
rm -f "$dir/debs.err"
for p in $pkgs; do
    ls "$dir/debs/${p}_"*.deb >/dev/null 2>&1 || { echo "gpu-deps: $p was not downloaded" >&2; exit 1; }
done
# the generated build system, made afresh (a configure older than configure.ac would travel)
(cd "$top" && autoreconf -fi >/dev/null)
(cd "$top" && tar -cf "$dir/autotools.tar" configure config.h.in aclocal.m4 build-aux Makefile.in)
kib=$(du -sk "$dir" | cut -f1)
echo "gpu-deps: $dir: $(ls "$dir/debs" | wc -l) packages + autotools.tar, $((kib / 1024)) MiB"
[ "$kib" -le $((60 * 1024)) ] || { echo "gpu-deps: $dir is over 60 MiB: a device run cannot carry it" >&2; exit 1; }
