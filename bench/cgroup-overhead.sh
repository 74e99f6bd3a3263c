#!/bin/bash
# Overhead of `observe --cgroup` (eBPF scoped to a cgroup v2 subtree in the kernel) on the reference
# syscall-heavy workload (../shared/bench/workload.c) moved into a cgroup, against the same workload
# under `observe --sensors ebpf -- CMD` and bare; rounds interleaved (the two observed runs take turns going first), median of R.
# Run from the repo root, as root:  R=5 bash bench/cgroup-overhead.sh
# Prints "bare=..ms launch=..ms (ratio) cgroup=..ms (ratio)".
set -u
here=$(cd "$(dirname "$0")" && pwd)
N=${N:-100000}; K=${K:-500}; R=${R:-5}
root=$(awk '$9 == "cgroup2" && $4 == "/" {print $5; exit}' /proc/self/mountinfo)
[ -n "$root" ] || { echo "no cgroup v2 hierarchy"; exit 1; }
t=$(mktemp -d); cg="$root/system.slice/ss-bench-$$.service"; made_slice=""
[ -d "$root/system.slice" ] || { mkdir "$root/system.slice"; made_slice=1; }
mkdir "$cg"
hold=""
cleanup() {
  [ -n "$hold" ] && kill "$hold" 2>/dev/null
  echo 1 > "$cg/cgroup.kill" 2>/dev/null; sleep 0.3; rmdir "$cg" 2>/dev/null
  [ -n "$made_slice" ] && rmdir "$root/system.slice" 2>/dev/null
  rm -rf "$t"
}
trap cleanup EXIT
gcc -O2 -o "$t/workload" "$here/../../shared/bench/workload.c" || { echo "gcc failed"; exit 1; }
# A member that holds the cgroup (and stands for it) while workloads come and go.
sh -c "echo \$\$ > $cg/cgroup.procs; exec sleep 100000" & hold=$!
sleep 0.3
run_launch() {
  rm -f "$t/ms"
  timeout 300 bin/shadow-signals observe --sensors ebpf --duration 240s --out "$t/l$r" -- "$t/workload" "$N" "$K" "$t/ms" > /dev/null 2>&1
  launch+="$(cat "$t/ms") "
}
run_scoped() {
  rm -f "$t/ms"
  timeout 300 bin/shadow-signals observe --sensors ebpf --cgroup "${cg#$root/}" --duration 240s --out "$t/c$r" > /dev/null 2>&1 & obs=$!
  sleep 3 # attached well before the workload starts
  sh -c "echo \$\$ > $cg/cgroup.procs; exec $t/workload $N $K $t/ms" > /dev/null
  kill -INT "$obs"; wait "$obs"
  scoped+="$(cat "$t/ms") "
  grep -q '"kind":"exec"' "$t/c$r/events.jsonl" || { echo "the cgroup session saw no exec"; exit 1; }
}
bare=""; launch=""; scoped=""
for r in $(seq "$R"); do
  bare+="$("$t/workload" "$N" "$K") "
  # The second observe of a round runs slower (measured: 1.2x vs 1.3x whichever it is), so the
  # two take turns going first.
  if [ $((r % 2)) = 1 ]; then run_launch; run_scoped; else run_scoped; run_launch; fi
done
med() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b=$(med "$bare"); l=$(med "$launch"); c=$(med "$scoped")
echo "bare=${b}ms launch=${l}ms ($(awk -v o="$l" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x) cgroup=${c}ms ($(awk -v o="$c" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x)"
