/** A strace log captured elsewhere: what it tells about credentials is used, and said to be inferred. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { hasStrace, isRoot, runCli, withTmpDir } from "../src/testing/cli.js";

interface Report {
  findings: { behavior: string; evidence: { summary: string }[] }[];
}

test(
  "a child that drops to nobody before it execs helpers: its helpers are not privileged children",
  {
    skip: !isRoot ? "needs root to drop privileges with setpriv" : !hasStrace ? "strace is missing" : false,
    timeout: 60_000,
  },
  () =>
    withTmpDir("log-", (dir) => {
      const log = path.join(dir, "exec-plugin.strace.log");
      // As collectd's exec plugin does: fork, setgroups/setgid/setuid(65534), exec a script that
      // runs hostname and id. And, as root, one helper that keeps root: that one must be found.
      const script =
        "setpriv --reuid=65534 --regid=65534 --clear-groups /bin/sh -c 'hostname >/dev/null; id >/dev/null'; /usr/bin/uname -a >/dev/null";
      const traced = spawnSync(
        "strace",
        ["-f", "-ttt", "-yy", "-s", "256", "-o", log, "/bin/sh", "-c", script],
        { timeout: 30_000 },
      );
      assert.equal(traced.status, 0, String(traced.stderr));
      const out = path.join(dir, "out");
      const r = runCli(["analyze", log, "--out", out]);
      assert.equal(r.status, 0, r.stderr);
      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
      const f = report.findings.find((x) => x.behavior === "child-without-isolation");
      const cited = (f?.evidence ?? []).map((e) => e.summary).join("\n");
      assert.doesNotMatch(cited, /hostname|\/id /, cited);
      assert.match(cited, /uname/, "the helper that kept root is still found");
      assert.match(cited, /inferred/);
    }),
);
