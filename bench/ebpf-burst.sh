#!/usr/bin/env bash
# eBPF under a burst: a workload opening N distinct (missing) paths as fast as it can, so the
# kernel-side de-duplication cannot help. Shows the open rate, the events recorded, the events
# bpftrace lost, and that the session is still complete (report written, counts consistent).
# Usage (root): bash bench/ebpf-burst.sh [N=2000000]   (needs cc; the workload is bench/burst.c)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000000}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -o "$out/burst" bench/burst.c
bare=$("$out/burst" "$N" | sed -n 's/^loop //p')
loop=$(bin/shadow-signals observe --sensors ebpf --duration 5m --out "$out/s" -- "$out/burst" "$N" 2>/dev/null | sed -n 's/^loop //p')
node -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1] + "/report.json", "utf8"));
const s = r.session.sensors.find((x) => x.name === "ebpf");
const lines = require("fs").readFileSync(process.argv[1] + "/events.jsonl", "utf8").trim().split("\n").length;
const n = Number(process.argv[2]), loop = Number(process.argv[3]);
console.log(`opens: ${n}; bare ${Number(process.argv[4]).toFixed(2)} s (${Math.round(n / Number(process.argv[4])).toLocaleString("en")}/s); under ebpf ${loop.toFixed(2)} s (${Math.round(n / loop).toLocaleString("en")}/s)`);
console.log(`ebpf: ${s.events} events recorded, ${s.dropped} lost (counted by bpftrace), status ${s.status}`);
console.log(`events.jsonl lines: ${lines} (${lines === r.session.events ? "matches" : "DIFFERS FROM"} the report: ${r.session.events})`);
console.log(`report note: ${s.reason}`);
' "$out/s" "$N" "$loop" "$bare"
