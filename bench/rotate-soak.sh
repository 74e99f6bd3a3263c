#!/bin/bash
# A long session under a disk bound: a busy daemon (forks and execs of date and mv, a write and a
# rename, about 80 times a second) observed for MINUTES with --rotate 1MiB --max-disk 6MiB, so that
# parts rotate out, are compressed and dropped all along. Samples every 10 s: the tool's RSS and
# what the events take on disk (their bytes, as the bound counts them; du's blocks round up).
# Prints the RSS slope from minute 2 and from minute 10 (least squares), the most the events ever
# took on disk against the bound, and the events rotated and dropped (report.json). Run as root
# from the repo root, after a build:
#   bash bench/rotate-soak.sh [MINUTES=60] [SENSORS=ebpf,procfs] > rotate-soak.csv
set -euo pipefail
M=${1:-60}; S=${2:-ebpf,procfs}
t=$(mktemp -d); trap 'rm -rf "$t"' EXIT
cat > "$t/busy.sh" <<DAEMON
#!/bin/sh
while :; do date > $t/state.new; mv $t/state.new $t/state; sleep 0.01; done
DAEMON
chmod 755 "$t/busy.sh"
bin/shadow-signals observe --sensors "$S" --duration "${M}m" --rotate 1MiB --max-disk 6MiB --out "$t/out" \
  -- "$t/busy.sh" >"$t/observe.log" 2>&1 &
obs=$!
echo "seconds,tool_kib,events_disk_kib"
start=$(date +%s)
while kill -0 "$obs" 2>/dev/null; do
  now=$(( $(date +%s) - start ))
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$obs/status" 2>/dev/null || echo 0)
  disk=$( (du -k -c --apparent-size "$t"/out/events*.jsonl* 2>/dev/null || true) | awk 'END {print $1}')
  echo "$now,$rss,${disk:-0}" | tee -a "$t/samples.csv"
  sleep 10
done
wait "$obs" || { echo "observe failed: $(tail -3 "$t/observe.log")" >&2; exit 1; }
for from in 120 600; do
  awk -F, -v from=$from -v end=$((M * 60)) '
    $1 >= from && $1 < end && $2 > 0 { n++; sx += $1; sy += $2; sxx += $1*$1; sxy += $1*$2; if (min == "" || $2 < min) min = $2; if ($2 > max) max = $2 }
    END { if (n < 3) exit; slope = (n*sxy - sx*sy) / (n*sxx - sx*sx);
      printf "# tool RSS from %d s: %d samples, %.1f to %.1f MiB, slope %.3f MiB per 10 min\n", from, n, min/1024, max/1024, slope*600/1024 }' "$t/samples.csv" >&2
done
awk -F, 'NR > 0 && $3 > max { max = $3 } END { printf "# events on disk: at most %.1f MiB (bound 6 MiB)\n", max / 1024 }' "$t/samples.csv" >&2
node -e '
  const r = require(process.argv[1]);
  const d = r.session.eventsDropped;
  const s = r.session.sensors.map((x) => `${x.name} ${x.events} events ${x.dropped} dropped`).join("; ");
  console.error(`# sensors: ${s}; analysed ${r.session.events} events; dropped under --max-disk: ${d ? `${d.events} events in ${d.parts} parts, up to ${d.until}` : "none"}`);
' "$t/out/report.json"
echo "# parts on disk at the end: $(ls "$t"/out/events-*.jsonl.gz 2>/dev/null | wc -l); grep 'dropped the oldest' in stderr: $(grep -c 'dropped the oldest' "$t/observe.log")" >&2
