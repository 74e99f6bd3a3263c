/** Noise the tool must not make itself: a lingering zombie, and the wait at our launch gate. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { runCli, withTmpDir } from "../src/testing/cli.js";
import { readSessionEvents } from "../src/testing/session-files.js";

const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).stdout.trim();

test(
  "procfs reports a child that lingers as a zombie as ended once, not every scan",
  {
    skip: PYTHON ? false : "python3 is missing",
    timeout: 60_000,
  },
  () =>
    withTmpDir("noise-", (dir) => {
      const out = path.join(dir, "out");
      // The child exits at once; the parent reaps it only 3 s later.
      const script =
        "import os, time\npid = os.fork()\nif pid == 0:\n    time.sleep(0.5)\n    os._exit(0)\ntime.sleep(3.5)\nos.waitpid(pid, 0)\n";
      const r = runCli([
        "observe",
        "--sensors",
        "procfs",
        "--duration",
        "20",
        "--out",
        out,
        "--",
        PYTHON,
        "-c",
        script,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const events = readSessionEvents(out);
      const root = events.find((e) => e.kind === "exec")!.pid;
      const child = events.find((e) => e.kind === "fork" && e.pid === root);
      assert.ok(child && child.kind === "fork", "the child was seen");
      const exits = events.filter((e) => e.kind === "exit" && e.pid === child.child);
      assert.equal(exits.length, 1, JSON.stringify(exits));
    }),
);
