#!/bin/bash
# survey host-wide for DUR with the lab (IMD observed by its own session) and two real daemons
# (nginx, monit) running beside it as services of their own. Measures:
#  - the survey's RSS every 10 s, and its least-squares slope after minute 2 ("flat");
#  - the cost on the reference workload (../shared/bench/workload.c) run outside any surveyed
#    service (from this script, whose own top-level service is excluded), during the survey (R runs
#    after minute 1 and R more two thirds in), against runs before and after it with everything
#    else the same: the lab runs 4 minutes longer than the survey, so that the runs after the
#    survey still have it beside them (median of R each);
#  - events and drops per service, from survey.json;
#  - the survey's memory by kind (V8 heap, external buffers, native), from bench/mem-usage.ts.
# Run from the repo root, as root, after a build:  DUR=10m R=5 bash bench/survey-soak.sh
# LAB=0 leaves the lab out (the survey's own share of the workload's cost, without the lab's).
# KEEP=DIR keeps the memory logs and survey.json in DIR, which must not exist.
set -u
DUR=${DUR:-10m}; R=${R:-5}; N=${N:-100000}; K=${K:-500}; LAB=${LAB:-1}; KEEP=${KEEP:-}
[ -z "$KEEP" ] || [ ! -e "$KEEP" ] || { echo "KEEP=$KEEP exists" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
t=$(mktemp -d); chmod 755 "$t"
nginx_pid=""; monit_pid=""; lab_pid=""; survey_pid=""
cleanup() {
  for p in $survey_pid $lab_pid; do kill -INT "$p" 2>/dev/null; done
  [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null
  [ -n "$monit_pid" ] && kill "$monit_pid" 2>/dev/null
  sleep 2
  if [ -n "$KEEP" ]; then
    mkdir -m 700 "$KEEP" && cp "$t/mem.csv" "$t/rss.csv" "$KEEP/" 2>/dev/null
    cp "$t/survey/survey.json" "$KEEP/" 2>/dev/null; echo "kept in $KEEP"
  fi
  rm -rf "$t"
}
trap cleanup EXIT
gcc -O2 -o "$t/workload" "$here/../../shared/bench/workload.c" || { echo "gcc failed"; exit 1; }
# This script's own service: its top-level ancestor (a child of pid 1), left out of the survey.
p=$$; while [ "$(awk '{print $4}' /proc/$p/stat)" != 1 ]; do p=$(awk '{print $4}' /proc/$p/stat); done
own=$(cat /proc/$p/comm)
# Two real daemons, each daemonising itself (a child of pid 1: a service of its own).
port=$((40000 + RANDOM % 20000))
mkdir -p "$t/nginx"
printf 'worker_processes 2;\npid %s/nginx.pid;\nerror_log %s/nginx/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log %s/nginx/access.log;\n  client_body_temp_path %s/nginx/cb; proxy_temp_path %s/nginx/p; fastcgi_temp_path %s/nginx/f; uwsgi_temp_path %s/nginx/u; scgi_temp_path %s/nginx/s;\n  server { listen 127.0.0.1:%s; location / { return 200 "ok\\n"; } }\n}\n' "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$t" "$port" > "$t/nginx.conf"
nginx -c "$t/nginx.conf" && sleep 0.5 && nginx_pid=$(cat "$t/nginx.pid")
printf 'set daemon 5\nset pidfile %s/monit.pid\nset idfile %s/monit.id\nset statefile %s/monit.state\nset log %s/monit.log\ncheck program probe with path "/bin/sh -c '"'"'date > /dev/null'"'"'"\n  if status != 0 then alert\n' "$t" "$t" "$t" "$t" > "$t/monitrc"
chmod 600 "$t/monitrc"
monit -c "$t/monitrc" && sleep 0.5 && monit_pid=$(cat "$t/monit.pid")
# The lab, double-forked so that pid 1 adopts it: a service of its own, running as long as the survey.
if [ "$LAB" = 1 ]; then
  lab_s=$(( $(node -e 'const m=/^(\d+)(s|m)?$/.exec(process.argv[1]); console.log(m[2]==="m"?m[1]*60:+m[1])' "$DUR") + 240 ))
  setsid sh -c "bin/shadow-signals lab --duration ${lab_s}s --root $t/imd-root --out $t/lab > $t/lab.log 2>&1 & echo \$! > $t/lab.pid" < /dev/null
  sleep 1; lab_pid=$(cat "$t/lab.pid")
  sleep 8 # the lab's IMD is up
fi
med() { printf '%s\n' $1 | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
runs() { local out=""; for _ in $(seq "$R"); do out+="$("$t/workload" "$N" "$K") "; done; echo "$out"; }
before=$(runs)
# Its memory by kind every 10 s (bench/mem-usage.ts): V8's heap apart from native memory.
MEM_LOG="$t/mem.csv" NODE_OPTIONS="--import $PWD/dist/bench/mem-usage.js" \
  bin/shadow-signals survey --duration "$DUR" --exclude "$own" --out "$t/survey" > "$t/survey.log" 2>&1 &
survey_pid=$!
echo "seconds,survey_rss_kib" > "$t/rss.csv"
dur_s=$(node -e 'const m=/^(\d+)(s|m)?$/.exec(process.argv[1]); console.log(m[2]==="m"?m[1]*60:+m[1])' "$DUR")
start=$(date +%s); early=""; late=""
while kill -0 "$survey_pid" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  echo "$now,$(awk '/^VmRSS:/ {print $2}' /proc/$survey_pid/status 2>/dev/null || echo 0)" >> "$t/rss.csv"
  # The workload, outside every surveyed service, once the survey has run a minute, and again two
  # thirds in (a cost that grows with the session shows there).
  if [ "$now" -ge 60 ] && [ -z "$early" ]; then early=$(runs); fi
  if [ "$now" -ge $((dur_s * 2 / 3)) ] && [ -z "$late" ] && [ -n "$early" ]; then late=$(runs); fi
  sleep 10
done
wait "$survey_pid"; status=$?
after=$(runs)
if [ -n "$lab_pid" ]; then kill -INT "$lab_pid" 2>/dev/null; while kill -0 "$lab_pid" 2>/dev/null; do sleep 1; done; lab_pid=""; fi
[ "$status" = 0 ] || { echo "survey failed: $(tail -3 "$t/survey.log")"; exit 1; }
b=$(med "$before $after"); d=$(med "$early $late")
ratio() { awk -v o="$1" -v b="$b" 'BEGIN{printf "%.2f", o/b}'; }
echo "workload outside the survey: without it ${b}ms (before: $before| after: $after)"
echo "  during it: ${d}ms ($(ratio "$d")x); after minute 1 $(med "$early")ms ($(ratio "$(med "$early")")x), two thirds in $(med "$late")ms ($(ratio "$(med "$late")")x)"
awk -F, 'NR > 1 && $1 >= 120 && $2 > 0 { n++; sx += $1; sy += $2; sxx += $1*$1; sxy += $1*$2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
  END { if (n > 1) printf "survey RSS after minute 2: %d samples, %d-%d KiB, slope %.2f KiB/min\n", n, min, max, 60 * (n*sxy - sx*sy) / (n*sxx - sx*sx) }' "$t/rss.csv"
awk -F, 'NR > 1 && $1 < 120 && $2 > 0 { if ($2 > max) max = $2 } END { printf "survey RSS before minute 2: peak %d KiB\n", max }' "$t/rss.csv"
# The same from minute 2 by kind (V8 heap, external, native), and the heap's troughs.
awk -F, -v from=120 -v window=120 -v end="$dur_s" -f "$here/mem-kinds.awk" "$t/mem.csv"
node -e '
const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
console.log(`sensor ${s.sensor.name}: ${s.sensor.events} events, ${s.sensor.dropped} dropped; ${s.unrouted} unrouted`);
for (const x of s.services) console.log(`  ${x.rank}. ${x.name}: ${x.events} events, ${x.dropped} dropped, ${x.findings.length} findings (worst ${x.worst})`);
' "$t/survey/survey.json"
