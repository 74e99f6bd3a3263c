/**
 * analyze throughput: writes an events.jsonl of N synthetic events (a mix of the kinds a daemon
 * produces), then times `analyze` on it in this process and reports events/s and peak RSS.
 * Usage: node dist/bench/analysis-throughput.js [N=1000000]
 */
import { createOwnDir } from "../src/util/safe-fs.js";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { analyzeSession, importAndAnalyze } from "../src/pipeline/analyze-session.js";
import { writeSyntheticEvents } from "./synthetic-events.js";

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-analyze-"));
const input = path.join(dir, "events.jsonl");
writeSyntheticEvents(input, n);

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
// End to end, as `analyze events.jsonl` does it: one pass that imports and analyses.
const t0 = performance.now();
// The session dir is made first, as the CLI makes every out dir: 0700, ours.
const { model } = await importAndAnalyze(input, createOwnDir(path.join(dir, "session")), () => undefined);
const t1 = performance.now();
// Analysing the session just written again, as `analyze SESSION_DIR` does.
await analyzeSession(path.join(dir, "session"));
const t2 = performance.now();
clearInterval(sampler);
peakRss = Math.max(peakRss, process.memoryUsage().rss);
const single = (t1 - t0) / 1000;
const again = (t2 - t1) / 1000;
console.log(
  `events: ${n}  analyze events.jsonl: ${single.toFixed(2)} s  analyze session dir: ${again.toFixed(2)} s`,
);
console.log(
  `throughput: ${Math.round(n / single).toLocaleString("en")} events/s (analyze events.jsonl, one pass), ${Math.round(n / again).toLocaleString("en")} events/s (analyze session dir)`,
);
console.log(`peak RSS: ${(peakRss / 1048576).toFixed(0)} MiB  findings: ${model.findings.length}`);
rmSync(dir, { recursive: true, force: true });
