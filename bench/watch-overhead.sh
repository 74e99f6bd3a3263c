#!/bin/bash
# Overhead of `watch` (eBPF, each recorded event checked against a baseline as it comes) on the
# reference syscall-heavy workload (../shared/bench/workload.c), against `observe --sensors ebpf`
# of the same command and bare; rounds interleaved (watch and observe take turns going first),
# median of R. The baseline is one observed run of the same command, so a watch that works says
# nothing (the alerts are counted and printed: they should be 0).
# Run from the repo root, as root:  R=5 bash bench/watch-overhead.sh
# Prints "bare=..ms observe=..ms (ratio) watch=..ms (ratio) alerts=N", then the median of each
# round's own ratios: a round's three runs follow each other within seconds, so a slow stretch of
# this VM (bare alone spreads 534-708 ms in one run) weighs on all three alike.
set -u
here=$(cd "$(dirname "$0")" && pwd)
N=${N:-100000}; K=${K:-500}; R=${R:-5}
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
gcc -O2 -o "$t/workload" "$here/../../shared/bench/workload.c" || { echo "gcc failed"; exit 1; }
bin/shadow-signals observe --sensors ebpf --duration 240s --out "$t/base" -- "$t/workload" "$N" "$K" "$t/ms" >"$t/base.log" 2>&1 ||
  { echo "the baseline failed: $(tail -1 "$t/base.log")"; exit 1; }
run_observe() {
  rm -f "$t/ms"
  timeout 300 bin/shadow-signals observe --sensors ebpf --duration 240s --out "$t/o$r" -- "$t/workload" "$N" "$K" "$t/ms" >/dev/null 2>&1
  [ -s "$t/ms" ] || { echo "the workload did not finish under observe"; exit 1; }
  observed+="$(cat "$t/ms") "
}
run_watch() {
  rm -f "$t/ms"
  timeout 300 bin/shadow-signals watch --baseline "$t/base" --sensors ebpf --duration 240s --out "$t/w$r" \
    -- "$t/workload" "$N" "$K" "$t/ms" >"$t/alerts$r" 2>"$t/wlog$r"
  [ -s "$t/ms" ] || { echo "the workload did not finish under watch: $(tail -1 "$t/wlog$r")"; exit 1; }
  watched+="$(cat "$t/ms") "
  alerts=$((alerts + $(wc -l <"$t/alerts$r")))
}
bare=""; observed=""; watched=""; alerts=0
for r in $(seq "$R"); do
  bare+="$("$t/workload" "$N" "$K") "
  if [ $((r % 2)) = 1 ]; then run_observe; run_watch; else run_watch; run_observe; fi
done
med() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b=$(med "$bare"); o=$(med "$observed"); w=$(med "$watched")
echo "bare=${b}ms observe=${o}ms ($(awk -v o="$o" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x) watch=${w}ms ($(awk -v o="$w" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x) alerts=$alerts"
echo "rounds: bare $bare| observe $observed| watch $watched" >&2
# A baseline of the same command should give no alert: any that came are shown, rule and output.
[ "$alerts" = 0 ] || cat "$t"/alerts* | node -e 'for (const l of require("fs").readFileSync(0, "utf8").split("\n").filter(Boolean)) { const a = JSON.parse(l); console.error(`alert: ${a.rule}: ${a.output}`); }'
paired() { paste -d' ' <(printf '%s\n' $bare) <(printf '%s\n' $1) | awk '{print $2 / $1}'; }
echo "paired by round: observe $(med "$(paired "$observed")" | xargs printf '%.2f')x, watch $(med "$(paired "$watched")" | xargs printf '%.2f')x"
