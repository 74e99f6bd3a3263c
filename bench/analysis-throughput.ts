/**
 * analyze throughput: writes an events.jsonl of N synthetic events (a mix of the kinds a daemon
 * produces), then times `analyze` on it in this process and reports events/s and peak RSS.
 * Usage: node dist/bench/analysis-throughput.js [N=1000000]
 */
import { createOwnDir } from "../src/util/safe-fs.js";
import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { analyzeSession, importAndAnalyze } from "../src/analysis/run.js";

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-analyze-"));
const input = path.join(dir, "events.jsonl");
const fd = openSync(input, "w");
let buf = "";
for (let i = 0; i < n; i++) {
  const ts = 1_700_000_000_000 + i * 2;
  const pid = 1000 + (i % 50);
  const base = `"ts":${ts},"seq":${i + 1},"pid":${pid},"comm":"d","sensor":"ptrace"`;
  switch (i % 8) {
    case 0:
      buf += `{"kind":"exec",${base},"path":"/usr/bin/uname","argv":["uname","-a"]}\n`;
      break;
    case 1:
      buf += `{"kind":"open",${base},"path":"/etc/d/${i % 100}.conf","flags":["O_RDONLY"],"fd":3}\n`;
      break;
    case 2:
      buf += `{"kind":"write",${base},"path":"/var/lib/d/state","fd":4,"bytes":64}\n`;
      break;
    case 3:
      buf += `{"kind":"connect",${base},"family":"inet","address":"127.0.0.1","port":${6000 + (i % 10)}}\n`;
      break;
    case 4:
      buf += `{"kind":"fork",${base},"child":${pid + 100}}\n`;
      break;
    case 5:
      buf += `{"kind":"exit",${base},"code":${i % 3}}\n`;
      break;
    case 6:
      buf += `{"kind":"rename",${base},"from":"/tmp/x${i % 10}","to":"/etc/d/d.conf"}\n`;
      break;
    default:
      buf += `{"kind":"open",${base},"path":"/tmp/p${i % 20}","flags":["O_WRONLY","O_CREAT"],"fd":5}\n`;
  }
  if (buf.length > 1 << 20) {
    writeSync(fd, buf);
    buf = "";
  }
}
writeSync(fd, buf);
closeSync(fd);

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
