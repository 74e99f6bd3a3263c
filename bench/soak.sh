#!/bin/bash
# Soak: the lab (IMD observed with every usable sensor) for MINUTES, RSS of the tool's own process
# (and of its sensor processes) sampled every 10 s. Prints the samples as CSV, then a verdict:
# the slope of the tool's RSS over the steady part (after the first 2 minutes, by least squares),
# its range, and the drops every sensor reported. Run as root from the repo root, after a build:
#   bash bench/soak.sh [MINUTES=30] > soak.csv
# KEEP=DIR keeps the session (report, session.db, lab.log, samples) in DIR, which must not exist:
# a sensor that failed partway says why there.
set -euo pipefail
M=${1:-30}
KEEP=${KEEP:-}
[ -z "$KEEP" ] || [ ! -e "$KEEP" ] || { echo "KEEP=$KEEP exists" >&2; exit 2; }
t=$(mktemp -d)
cleanup() { if [ -n "$KEEP" ]; then mv "$t" "$KEEP" && echo "# kept in $KEEP" >&2; else rm -rf "$t"; fi; }
trap cleanup EXIT
chmod 755 "$t"
here=$(cd "$(dirname "$0")" && pwd)
# The tool's memory by kind every 10 s (bench/mem-usage.ts): V8's heap apart from native memory.
MEM_LOG="$t/mem.csv" NODE_OPTIONS="--import $PWD/dist/bench/mem-usage.js" \
  bin/shadow-signals lab --duration "${M}m" --root "$t/imd-root" --out "$t/out" >"$t/lab.log" 2>&1 &
lab=$!
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
child() { for p in $(pgrep -P "$lab" 2>/dev/null); do [ "$(cat /proc/$p/comm 2>/dev/null)" = "$1" ] && { echo "$p"; return; }; done; echo 0; }
echo "seconds,tool_kib,bpftrace_kib,strace_kib"
start=$(date +%s)
while kill -0 "$lab" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  b=$(child bpftrace); s=$(child strace)
  echo "$now,$(rss "$lab"),$( [ "$b" = 0 ] && echo 0 || rss "$b"),$( [ "$s" = 0 ] && echo 0 || rss "$s")" | tee -a "$t/samples.csv"
  sleep 10
done
wait "$lab" || { echo "lab failed: $(tail -3 "$t/lab.log")" >&2; exit 1; }
# "Flat": the least-squares slope of the tool's RSS during the session (the final write, when the
# analysis runs, is left out), from minute 2 and from minute 10 (V8's heap and SQLite's page cache
# grow to their size in the first minutes), and the lowest sample of each 5-minute window (GC makes
# a sawtooth; the troughs show what stays).
for from in 120 600; do
  awk -F, -v from=$from -v end=$((M * 60)) '
    $1 >= from && $1 < end && $2 > 0 { n++; sx += $1; sy += $2; sxx += $1*$1; sxy += $1*$2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
    END {
      if (n < 3) exit;
      slope = (n*sxy - sx*sy) / (n*sxx - sx*sx);
      printf "# tool RSS from %d s: %d samples, %.1f to %.1f MiB, slope %.3f MiB per 10 min\n", from, n, min/1024, max/1024, slope*600/1024
    }' "$t/samples.csv" >&2
done
awk -F, -v end=$((M * 60)) '$1 >= 300 && $1 < end && $2 > 0 { w = int($1 / 300); if (!(w in m) || $2 < m[w]) m[w] = $2 }
  END { for (w = 1; w in m; w++) s = s sprintf(" %.1f", m[w] / 1024); print "# 5-minute troughs (MiB):" s }' "$t/samples.csv" >&2
# By kind from minute 10, with the heap's troughs per 10 minutes.
awk -F, -v from=600 -v window=600 -v end=$((M * 60)) -f "$here/mem-kinds.awk" "$t/mem.csv" >&2
node -e '
  const r = require(process.argv[1]);
  const s = r.session.sensors.map(
    (x) => `${x.name} ${x.status}${x.status === "failed" ? ` (${x.reason})` : ""} ${x.events} events ${x.dropped} dropped`,
  );
  console.error(`# sensors: ${s.join("; ")}; findings: ${r.findings.length}`);
' "$t/out/report.json"
