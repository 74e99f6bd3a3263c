/**
 * report.html of a big session in Debian's chromium: writes N synthetic events, analyses them
 * (which writes report.html), then opens the page headless and reports its size, the browser's
 * first contentful paint and the time until the timeline is drawn.
 * Usage: node dist/bench/html-render.js [N=1000000]   (needs /usr/bin/chromium and playwright-core)
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { importAndAnalyze } from "../src/pipeline/analyze-session.js";
import { createOwnDir } from "../src/util/safe-fs.js";
import { writeSyntheticEvents } from "./synthetic-events.js";

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-html-"));
try {
  const input = path.join(dir, "events.jsonl");
  writeSyntheticEvents(input, n);
  const out = createOwnDir(path.join(dir, "session"));
  const t0 = performance.now();
  await importAndAnalyze(input, out, () => undefined);
  const analysed = performance.now() - t0;
  const html = path.join(out, "report.html");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  const rows: string[] = [];
  for (let round = 0; round < 3; round++) {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const start = Date.now();
    await page.goto(`file://${html}`);
    await page.waitForSelector("#timeline svg");
    const drawn = Date.now() - start;
    const fcp = await page.evaluate(
      () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
    );
    rows.push(`round ${round + 1}: first contentful paint ${fcp.toFixed(0)} ms, timeline drawn ${drawn} ms`);
    await page.close();
  }
  await browser.close();
  console.log(`${n} events; analysis (writes every report) ${(analysed / 1000).toFixed(1)} s`);
  console.log(`report.html: ${(statSync(html).size / 1024).toFixed(0)} KiB`);
  for (const r of rows) console.log(r);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
