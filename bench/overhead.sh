#!/usr/bin/env bash
# Overhead of each sensor on the syscall-heavy workload, as a ratio to the bare run, in one run.
# The workload times its own loop, so session start-up is not counted. Run as root for ebpf.
# Usage: [REPS=3] bash bench/overhead.sh [ITERATIONS=200000]   (each row: median of REPS runs)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200000}
PY=$(python3 -c 'import sys; print(sys.executable)')
W="bench/workload.py"
tmp=$(mktemp -d)
bt_pid=""
cleanup() { [ -n "$bt_pid" ] && kill -INT "$bt_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
REPS=${REPS:-3}
# The median of REPS runs of the workload's own loop time.
loop() {
  for _ in $(seq "$REPS"); do "$@" 2>/dev/null | sed -n 's/^loop //p' | tail -1; done | sort -n | sed -n "$(((REPS + 1) / 2))p"
}

# A fresh out dir for every run of a sensor.
observe_with() { bin/shadow-signals observe --duration 10m --sensors "$1" --out "$(mktemp -d -p "$tmp")/s" -- "$PY" $W "$N"; }
declare -a names times
add() { names+=("$1"); times+=("$2"); }
add "bare" "$(loop "$PY" $W "$N")"
for s in procfs ptrace ebpf; do
  if bin/shadow-signals sensors --json | grep -A1 "\"name\": \"$s\"" | grep -q '"usable": true'; then
    add "observe --sensors $s" "$(loop observe_with "$s")"
  fi
done
# Attached by pid: the workload sleeps 3 s first, so the sensor is attached before its loop starts.
attach_with() {
  "$PY" $W "$N" 3 & local w=$!
  "$@" "$w" >/dev/null 2>&1 & local a=$!
  wait "$w"; wait "$a" || true
}
observe_pid() { bin/shadow-signals observe --duration 10m --sensors ptrace --out "$(mktemp -d -p "$tmp")/s" --pid "$1"; }
strace_pid() { strace -f -q -ttt -yy -s 256 -e trace=execve,clone,clone3,fork,vfork,openat,open,write -o "$tmp/s4.log" -p "$1"; }
if command -v strace >/dev/null; then
  add "observe --sensors ptrace --pid (attached)" "$(loop attach_with observe_pid)"
  add "strace -p (same options), unpinned" "$(loop attach_with strace_pid)"
fi
add "strace (same options as ptrace)" "$(loop strace -f -q -ttt -yy -s 256 --seccomp-bpf -e trace=execve,clone,clone3,fork,vfork,openat,open,write -o "$tmp/s1.log" "$PY" $W "$N")"
add "strace (same options), pinned to 1 CPU" "$(loop taskset -c "$(($(nproc) - 1))" strace -f -q -ttt -yy -s 256 --seccomp-bpf -e trace=execve,clone,clone3,fork,vfork,openat,open,write -o "$tmp/s3.log" "$PY" $W "$N")"
add "strace --seccomp-bpf, 3 syscalls" "$(loop strace -f --seccomp-bpf -e trace=openat,execve,clone -o "$tmp/s2.log" "$PY" $W "$N")"
if command -v bpftrace >/dev/null && [ "$(id -u)" = 0 ]; then
  bpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%d %s\n", pid, str(args->filename)); }' >"$tmp/bt.out" 2>/dev/null &
  bt_pid=$!
  sleep 4 # let bpftrace attach
  REPS=1 add "plain bpftrace printing every openat" "$(REPS=1 loop "$PY" $W "$N")"
  kill -INT "$bt_pid"; wait "$bt_pid" 2>/dev/null || true; bt_pid=""
fi
bare=${times[0]}
for i in "${!names[@]}"; do
  printf '%-40s %8.3f s  %6.2fx\n' "${names[$i]}" "${times[$i]}" "$(echo "${times[$i]} / $bare" | bc -l)"
done
