/**
 * watch's alert latency under load: a daemon whose busy loop makes thousands of events a second
 * (opens and writes of its state file, the same values as in its baseline) and, every 250 ms,
 * writes a file it never wrote before: each such write is a new value, an alert. Measures, for
 * every alert, the time from the event (its `time`, the sensor's clock) to the line read on
 * watch's stdout, and the session's events per second. As root for eBPF (the default sensors).
 * Usage: node dist/bench/watch-latency.js [SECONDS=30] [SENSORS=auto] [REWRITES_PER_BEAT=2000]
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
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-watch-"));
try {
  const daemon = path.join(dir, "daemon.sh");
  // Busy: REWRITES_PER_BEAT rewrites of its state per beat; every beat once it is watched (the marker file),
  // one write to a path of its own that is new each time.
  writeFileSync(
    daemon,
    `#!/bin/sh
i=0
while :; do
  n=0; while [ $n -lt ${perBeat} ]; do echo $n > ${dir}/state; n=$((n + 1)); done
  if [ -e ${dir}/watched ]; then i=$((i + 1)); echo x > ${dir}/new-$i; fi
  sleep 0.25
done
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
