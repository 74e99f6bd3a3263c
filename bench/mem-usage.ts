/**
 * Preloaded into a process under test (`NODE_OPTIONS="--import ./dist/bench/mem-usage.js"`,
 * MEM_LOG=FILE): its process.memoryUsage() every 10 s as CSV, so that a soak can tell V8's heap
 * (used, and what it holds in reserve) from native memory (SQLite's caches, buffers, code): RSS
 * alone mixes a GC sawtooth with growth.
 */
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

const file = process.env.MEM_LOG;
// Only this process logs: the processes it starts (the lab's IMD, a launched target) inherit
// NODE_OPTIONS, and would write to the same file.
delete process.env.MEM_LOG;
// Worker threads load it too (NODE_OPTIONS reaches them): the survey's analysis workers at its end
// truncated the log of a 30-minute run. The main thread's memoryUsage() covers the whole process.
if (file && isMainThread) {
  const t0 = Date.now();
  const mib = (x: number) => (x / 1048576).toFixed(1);
  writeFileSync(
    file,
    "seconds,rss_mib,heap_total_mib,heap_used_mib,external_mib,native_mib,anon_mib,file_mib\n",
    { mode: 0o600 },
  );
  // RSS split by what backs it: anonymous memory (heaps, caches) and pages of mapped files (the
  // node binary's code, paged in as new paths run: it grows without anything leaking).
  const kib = (status: string, field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+)`, "m").exec(status)?.[1] ?? 0) * 1024;
  setInterval(() => {
    const m = process.memoryUsage();
    // What is neither V8's heap nor the buffers it tracks: the rest of the process.
    const native = m.rss - m.heapTotal - m.external;
    const s = Math.round((Date.now() - t0) / 1000);
    const status = readFileSync("/proc/self/status", "utf8");
    const values = [m.rss, m.heapTotal, m.heapUsed, m.external, native];
    values.push(kib(status, "RssAnon"), kib(status, "RssFile"));
    appendFileSync(file, `${s},${values.map(mib).join(",")}\n`);
  }, 10_000).unref();
}
