#!/bin/bash
# What `--publish` costs the observed target: the reference C workload (../shared/bench/workload.c:
# N open/read/close, a fork+exec every K) under `observe --sensors S`, local only and with
# --publish to a nats-server -js on loopback, rounds interleaved, median of R; ratios to the bare
# loop and publish/local. Run from the repo root: bash bench/publish-overhead.sh [SENSOR=ebpf]
set -u
S=${1:-ebpf}
N=${N:-100000}; K=${K:-500}; R=${R:-5}
t=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null; rm -rf "$t"; }
trap cleanup EXIT
gcc -O2 -o "$t/workload" ../shared/bench/workload.c || { echo "gcc failed"; exit 1; }
nats-server -js -a 127.0.0.1 -p -1 -sd "$t/store" 2>"$t/server.log" &
server=$!
for _ in $(seq 50); do port=$(grep -o 'client connections on 127.0.0.1:[0-9]*' "$t/server.log" | grep -o '[0-9]*$'); [ -n "$port" ] && break; sleep 0.1; done
[ -n "$port" ] || { echo "nats-server did not start"; exit 1; }
bare=""; local=""; pub=""; events=""
run() { # $1 out name, rest: extra observe args
  local name=$1; shift
  rm -f "$t/ms"
  timeout 300 bin/shadow-signals observe --sensors "$S" --duration 240s --out "$t/$name" "$@" -- "$t/workload" "$N" "$K" "$t/ms" >"$t/$name.log" 2>&1
  [ -s "$t/ms" ] || { echo "the workload did not finish under observe: $(tail -1 "$t/$name.log")" >&2; exit 1; }
  cat "$t/ms"
}
for r in $(seq "$R"); do
  bare+="$("$t/workload" "$N" "$K") "
  local+="$(run "l$r") "
  pub+="$(run "p$r" --publish "nats://127.0.0.1:$port" --host bench) "
  events+="$(grep -o 'published [0-9]*' "$t/p$r.log" | grep -o '[0-9]*') "
done
med() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
b=$(med "$bare"); l=$(med "$local"); p=$(med "$pub")
echo "$S bare=${b}ms local=${l}ms ($(awk -v o="$l" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x) publish=${p}ms ($(awk -v o="$p" -v b="$b" 'BEGIN{printf "%.2f", o/b}')x) publish/local=$(awk -v p="$p" -v l="$l" 'BEGIN{printf "%.3f", p/l}') events published per session: $events"
