#!/usr/bin/env bash
# Builds build/shadow-ebpf, the eBPF sensor's own program (native/ebpf): a CO-RE program on BTF raw
# tracepoints and its libbpf loader. Needs clang, bpftool, libbpf-dev, cc and a kernel with BTF.
# Without it the eBPF sensor runs its probes through bpftrace (slower on a busy target), and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
src=native/ebpf
out=build/ebpf
[ "$(uname -m)" = x86_64 ] || { echo "build-ebpf: x86_64 only (syscall numbers and registers)" >&2; exit 1; }
mkdir -p "$out"
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$out/vmlinux.h"
clang -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I "$out" -I "$src" -c "$src/shadow.bpf.c" -o "$out/shadow.bpf.o"
bpftool gen skeleton "$out/shadow.bpf.o" name shadow_bpf > "$out/shadow.skel.h"
cc -O2 -Wall -Wextra -I "$out" -I "$src" -o build/shadow-ebpf.tmp "$src/loader.c" -lbpf -lelf -lz
mv build/shadow-ebpf.tmp build/shadow-ebpf
