/**
 * watch's alert latency under load: a daemon whose busy loop makes thousands of events a second
 * (the same values as in its baseline) and, every 250 ms, writes a file it never wrote before:
 * each such write is a new value, an alert. Measures, for every alert, the time from the event
 * (its `time`, the sensor's clock) to the line read on watch's stdout, and the session's events
 * per second. As root for eBPF (the default sensors).
 * Usage: node dist/bench/watch-latency.js [SECONDS=30] [SENSORS=auto] [N=2000] [LOAD=rewrites]
 *   LOAD rewrites: a shell rewrites its state file N times a beat (ptrace sees each write; eBPF
 *                  folds them, so this load tops out near 3k events/s)
 *   LOAD distinct: Python opens N distinct files read-only a beat; eBPF reports each path once a
 *                  second, so N=12000 makes about 12k events/s (use SENSORS=ebpf)
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { BIN } from "../src/testing/imd-process.js";

const seconds = Number(process.argv[2] ?? 30);
const sensors = process.argv[3] ?? "auto";
const perBeat = Number(process.argv[4] ?? 2000);
const load = process.argv[5] ?? "rewrites";
if (load !== "rewrites" && load !== "distinct") throw new Error(`LOAD: rewrites or distinct, not ${load}`);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-watch-"));
try {
  const daemon = path.join(dir, "daemon");
  // Busy: N actions per beat; every beat once it is watched (the marker file), one write to a path
  // of its own that is new each time.
  writeFileSync(
    daemon,
    load === "rewrites"
      ? `#!/bin/sh
i=0
while :; do
  n=0; while [ $n -lt ${perBeat} ]; do echo $n > ${dir}/state; n=$((n + 1)); done
  if [ -e ${dir}/watched ]; then i=$((i + 1)); echo x > ${dir}/new-$i; fi
  sleep 0.25
done
`
      : `#!/usr/bin/python3
import os, time
d = "${dir}/files"
os.makedirs(d, exist_ok=True)
names = [f"{d}/f{n}" for n in range(${perBeat})]
for p in names:
    if not os.path.exists(p):
        open(p, "w").close()
i = 0
while True:
    for p in names:
        os.close(os.open(p, os.O_RDONLY))
    if os.path.exists("${dir}/watched"):
        i += 1
        with open(f"${dir}/new-{i}", "w") as f:
            f.write("x")
    time.sleep(0.25)
`,
    { mode: 0o755 },
  );
  const base = path.join(dir, "base");
  const b = spawnSync(
    process.execPath,
    [BIN, "observe", "--sensors", sensors, "--duration", "8s", "--out", base, "--", daemon],
    {
      encoding: "utf8",
    },
  );
  if (b.status !== 0) throw new Error(`baseline failed: ${b.stderr}`);
  writeFileSync(path.join(dir, "watched"), "");
  const out = path.join(dir, "watch");
  const w = spawn(
    process.execPath,
    [
      BIN,
      "watch",
      "--baseline",
      base,
      "--sensors",
      sensors,
      "--duration",
      `${seconds}s`,
      "--out",
      out,
      "--",
      daemon,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let stderr = "";
  w.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const latencies: number[] = [];
  readline.createInterface({ input: w.stdout }).on("line", (line) => {
    const at = Date.now();
    const a = JSON.parse(line) as { time: string; output_fields: Record<string, string> };
    if (/\/new-\d+$/.test(a.output_fields["fd.name"] ?? "")) latencies.push(at - Date.parse(a.time));
  });
  const status = await new Promise<number | null>((r) => w.once("close", r));
  if (status !== 0) throw new Error(`watch failed: ${stderr}`);
  const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
    session: {
      events: number;
      started: string;
      ended: string;
      sensors: { name: string; events: number; dropped: number }[];
    };
  };
  const span = (Date.parse(report.session.ended) - Date.parse(report.session.started)) / 1000;
  latencies.sort((x, y) => x - y);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(
    `sensors ${report.session.sensors.map((s) => `${s.name} ${s.events} events, ${s.dropped} dropped`).join("; ")}`,
  );
  console.log(
    `${report.session.events} events in ${span.toFixed(1)} s: ${Math.round(report.session.events / span)} events/s`,
  );
  console.log(
    `${latencies.length} alerts; event to stdout: p50 ${q(0.5)} ms, p90 ${q(0.9)} ms, p99 ${q(0.99)} ms, max ${latencies.at(-1)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
