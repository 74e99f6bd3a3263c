/**
 * How a target starts is not its behaviour: wrappers that start it (runuser, timeout, env, nice)
 * and the PATH search for its name are the target starting, not external programs or failures.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { hasStrace, isRoot, runCli, withTmpDir } from "../src/testing/cli.js";

const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).stdout.trim();
// Debian's python3, which nobody may run (a pyenv under /root would fail for runuser's child).
const DEBIAN_PYTHON = "/usr/bin/python3";
interface Report {
  findings: { behavior: string; claim: string; evidence: { summary: string }[] }[];
}
const findings = (out: string) =>
  (JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report).findings;
const QUIET = "import time\nfor _ in range(8): time.sleep(0.2)\n";
const RUNS_ID =
  "import subprocess, time\ntime.sleep(0.5)\nsubprocess.run(['/usr/bin/id', '-u'], stdout=subprocess.DEVNULL)\ntime.sleep(0.5)\n";

test(
  "wrappers that start the target (timeout, env, nice) are not external programs; what it runs still is",
  {
    skip: !hasStrace ? "strace is missing" : !PYTHON ? "python3 is missing" : false,
    timeout: 90_000,
  },
  () =>
    withTmpDir("start-", (dir) => {
      const chain = ["timeout", "30", "env", "LANG=C", "nice", "-n", "1", PYTHON, "-c"];
      const quiet = path.join(dir, "quiet");
      const r = runCli([
        "observe",
        "--sensors",
        "ptrace,procfs",
        "--duration",
        "20",
        "--out",
        quiet,
        "--",
        ...chain,
        QUIET,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const external = findings(quiet).find((f) => f.behavior === "external-binary-execution");
      assert.equal(external, undefined, JSON.stringify(external?.evidence));
      const busy = path.join(dir, "busy");
      const b = runCli([
        "observe",
        "--sensors",
        "ptrace,procfs",
        "--duration",
        "20",
        "--out",
        busy,
        "--",
        ...chain,
        RUNS_ID,
      ]);
      assert.equal(b.status, 0, b.stderr);
      const found = findings(busy).find((f) => f.behavior === "external-binary-execution");
      assert.ok(found, "the daemon's own exec of id is still found");
      assert.match(found.claim, /\(1 execution: 1 system utility\)/);
    }),
);

test(
  "runuser -u nobody -- DAEMON: runuser's child starting the daemon is the target starting",
  {
    skip: !isRoot
      ? "needs root for runuser"
      : !hasStrace
        ? "strace is missing"
        : !existsSync(DEBIAN_PYTHON)
          ? `${DEBIAN_PYTHON} is missing`
          : false,
    timeout: 90_000,
  },
  () =>
    withTmpDir("start-", (dir) => {
      const out = path.join(dir, "out");
      const r = runCli([
        "observe",
        "--sensors",
        "ptrace,procfs",
        "--duration",
        "20",
        "--out",
        out,
        "--",
        "runuser",
        "-u",
        "nobody",
        "--",
        DEBIAN_PYTHON,
        "-c",
        QUIET,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const external = findings(out).find((f) => f.behavior === "external-binary-execution");
      assert.equal(external, undefined, JSON.stringify(external?.evidence));
    }),
);

test(
  "a target started by name through a PATH with missing dirs: no failed exec is reported",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  () =>
    withTmpDir("start-", (dir) => {
      mkdirSync(path.join(dir, "bin"));
      const probe = path.join(dir, "bin", "ss-probe");
      // It also runs a program by name through the same PATH, as execvp does.
      writeFileSync(probe, "#!/bin/sh\nsleep 0.5\nexec sleep 0.5\n");
      chmodSync(probe, 0o755);
      const env = { ...process.env, PATH: `/nonexistent-a:/nonexistent-b:${dir}/bin:/usr/bin:/bin` };
      const out = path.join(dir, "out");
      const r = runCli(
        ["observe", "--sensors", "ptrace,procfs", "--duration", "20", "--out", out, "--", "ss-probe"],
        60_000,
        env,
      );
      assert.equal(r.status, 0, r.stderr);
      const silent = findings(out).find((f) => f.behavior === "silent-failure-fallback");
      assert.equal(silent, undefined, JSON.stringify(silent?.evidence));
      const missing = runCli(
        ["observe", "--duration", "5", "--out", path.join(dir, "o2"), "--", "no-such-program-xyz"],
        30_000,
        env,
      );
      assert.equal(missing.status, 2, missing.stderr);
      assert.match(missing.stderr, /no-such-program-xyz: command not found/);
    }),
);
