#!/usr/bin/env bash
# Overhead of each sensor on the syscall-heavy workload, as a ratio to the bare run, in one run.
# Usage: bash bench/overhead.sh [ITERATIONS=200000]   (root for ptrace on another user's process)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
PY=$(command -v python3)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
bare=$(t "$PY" bench/workload.py "$N")
procfs=$(t bin/shadow-signals observe --duration 10m --sensors procfs --out "$tmp/procfs" -- "$PY" bench/workload.py "$N")
ptrace=$(t bin/shadow-signals observe --duration 10m --sensors ptrace --out "$tmp/ptrace" -- "$PY" bench/workload.py "$N")
plain=$(t strace -f --seccomp-bpf -e trace=openat,execve,clone -o "$tmp/plain.log" "$PY" bench/workload.py "$N")
printf '%-28s %8s s  %5s\n' "bare" "$(printf %.2f "$bare")" "1.00x"
for row in "procfs:$procfs" "ptrace (shadow-signals):$ptrace" "plain strace --seccomp-bpf:$plain"; do
  name=${row%%:*}; v=${row##*:}
  printf '%-28s %8s s  %5sx\n' "$name" "$(printf %.2f "$v")" "$(echo "$v / $bare" | bc -l | xargs printf %.2f)"
done
echo "(observe includes ~0.6 s of session start-up and report writing in its wall time)"
