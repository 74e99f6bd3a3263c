/**
 * "Have I observed long enough?", live: a daemon whose job runs at once and then every 10 s,
 * observed for 5 s (one beat: every executable it ran was seen once) and for 35 s (four beats:
 * nothing new after the first). The report, report.json and report.html say which; harden and
 * survey carry it on (their own tests).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hasStrace, runCliAsync, withTmpDir } from "../src/testing/cli.js";

interface CoverageJson {
  verdict: string;
  sentence: string;
  dimensions: { dimension: string; verdict: string; singletons: number; actions: number; sentence: string }[];
}

async function observeJob(
  dir: string,
  seconds: number,
): Promise<{ c: CoverageJson; md: string; html: string }> {
  const daemon = path.join(dir, "job.sh");
  writeFileSync(daemon, `#!/bin/sh\nwhile :; do date > ${dir}/state; sleep 10; done\n`, { mode: 0o755 });
  const out = path.join(dir, `s${seconds}`);
  const r = await runCliAsync(
    ["observe", "--sensors", "ptrace,procfs", "--duration", `${seconds}s`, "--out", out, "--", daemon],
    120_000,
  );
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
    coverage: CoverageJson;
  };
  return {
    c: report.coverage,
    md: readFileSync(path.join(out, "report.md"), "utf8"),
    html: readFileSync(path.join(out, "report.html"), "utf8"),
  };
}

const executables = (c: CoverageJson) => c.dimensions.find((d) => d.dimension === "executables")!;

describe("coverage, live", { concurrency: 2 }, () => {
  test(
    "a 5 s session of a daemon with a 10 s job: observe longer",
    { skip: hasStrace ? false : "strace is not installed", timeout: 120_000 },
    () =>
      withTmpDir("coverage-short-", async (dir) => {
        const { c, md, html } = await observeJob(dir, 5);
        assert.equal(c.verdict, "observe-longer", c.sentence);
        const ex = executables(c);
        assert.equal(ex.verdict, "observe-longer", ex.sentence);
        assert.equal(ex.singletons, ex.actions, "date and sleep ran once each");
        assert.match(md, /### Coverage: was this session long enough\?\n\nObserve longer: executables/);
        assert.match(html, /<section class="panel wide" id="coverage">.*Observe longer/s);
      }),
  );

  test(
    "a 35 s session of the same daemon: good",
    { skip: hasStrace ? false : "strace is not installed", timeout: 120_000 },
    () =>
      withTmpDir("coverage-long-", async (dir) => {
        const { c } = await observeJob(dir, 35);
        assert.equal(c.verdict, "good", `${c.sentence}\n${c.dimensions.map((d) => d.sentence).join("\n")}`);
        const ex = executables(c);
        assert.equal(ex.singletons, 0, ex.sentence);
        // Sampled after its start-up (the first beat): the beats at about 10, 20 and 30 s.
        assert.ok(ex.actions >= 4, `the beats after its start-up, date and sleep each: ${ex.sentence}`);
      }),
  );
});
