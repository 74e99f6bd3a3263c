#!/usr/bin/env bash
# Builds build/shadow-ebpf-hot, the eBPF sensor's hot path (native/ebpf-hot): a CO-RE program on
# the sys_enter/sys_exit raw tracepoints and its libbpf loader. Needs clang, bpftool, libbpf-dev,
# gcc and a kernel with BTF. Without it the sensor runs every probe through bpftrace, and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/ebpf-hot
out=build/ebpf-hot
mkdir -p "$out"
[ "$(uname -m)" = x86_64 ] || { echo "build-ebpf-hot: x86_64 only (syscall numbers)" >&2; exit 1; }
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out/vmlinux.h"
clang -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I "$out" -I "$src" -c "$src/hot.bpf.c" -o "$out/hot.bpf.o"
bpftool gen skeleton "$out/hot.bpf.o" name hot_bpf > "$out/hot.skel.h"
cc -O2 -Wall -Wextra -I "$out" -I "$src" -o build/shadow-ebpf-hot.tmp "$src/hot.c" -lbpf -lelf -lz
mv build/shadow-ebpf-hot.tmp build/shadow-ebpf-hot
