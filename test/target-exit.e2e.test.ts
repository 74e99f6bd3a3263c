/** A target that dies early is said to have died, in every output, and `observe` exits 3. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { runCli, withTmpDir } from "../src/testing/cli.js";

interface Report {
  session: { targetExit?: { code?: number; signal?: string; failed: boolean; afterMs: number } };
}

test(
  "a target that fails at once: status and time in report.json, report.md and the summary; exit 3",
  { timeout: 60_000 },
  () =>
    withTmpDir("exit-", (dir) => {
      const out = path.join(dir, "out");
      const r = runCli([
        "observe",
        "--sensors",
        "procfs",
        "--duration",
        "20",
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        "sleep 0.3; exit 7",
      ]);
      assert.equal(r.status, 3, r.stderr);
      const rep = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
      assert.equal(rep.session.targetExit?.code, 7, JSON.stringify(rep.session));
      assert.equal(rep.session.targetExit?.failed, true);
      assert.ok(rep.session.targetExit.afterMs < 5000);
      assert.match(
        readFileSync(path.join(out, "report.md"), "utf8"),
        /The target ended on its own .* exited with status 7/,
      );
      assert.match(r.stdout, /Target: The target ended on its own/);
      assert.match(r.stderr, /the target failed: it exited with status 7/);
    }),
);

test(
  "a target killed by a signal says so; a target that runs the whole duration has no targetExit",
  { timeout: 60_000 },
  () =>
    withTmpDir("exit-", (dir) => {
      const killed = path.join(dir, "killed");
      const r = runCli([
        "observe",
        "--sensors",
        "procfs",
        "--duration",
        "20",
        "--out",
        killed,
        "--",
        "/bin/sh",
        "-c",
        "sleep 0.3; kill -SEGV $$",
      ]);
      assert.equal(r.status, 3, r.stderr);
      const rep = JSON.parse(readFileSync(path.join(killed, "report.json"), "utf8")) as Report;
      assert.equal(rep.session.targetExit?.signal, "SIGSEGV");
      const full = path.join(dir, "full");
      const ok = runCli([
        "observe",
        "--sensors",
        "procfs",
        "--duration",
        "2",
        "--out",
        full,
        "--",
        "sleep",
        "30",
      ]);
      assert.equal(ok.status, 0, ok.stderr);
      assert.equal(
        (JSON.parse(readFileSync(path.join(full, "report.json"), "utf8")) as Report).session.targetExit,
        undefined,
      );
    }),
);
