/** A strace log captured elsewhere: what it tells about credentials is used, and said to be inferred. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
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

/** The evidence of child-without-isolation in an analysed log ("" when it is not reported). */
function childWithoutIsolation(log: string, dir: string): string {
  const out = path.join(dir, `out-${path.basename(log)}`);
  const r = runCli(["analyze", log, "--out", out]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
  const f = report.findings.find((x) => x.behavior === "child-without-isolation");
  return (f?.evidence ?? []).map((e) => e.summary).join("\n");
}

const LOGS = fileURLToPath(new URL("../../test/fixtures/", import.meta.url));

test("cron running a root job (capset of root's whole set, setgid(0), setgroups, setuid(0)): the job keeps full privilege", () =>
  withTmpDir("log-", (dir) => {
    // Captured with: unshare -m (bind mounts of a private /etc/cron.d with
    // `* * * * * root /bin/sh -c "date >> …/job.out; id > /dev/null"`), then
    // strace -f -ttt -yy -s 256 -o cron-root-job.strace.log cron -f -L 15, for one job.
    const cited = childWithoutIsolation(path.join(LOGS, "cron-root-job.strace.log"), dir);
    assert.match(cited, /\/bin\/sh \(pid 6497\)/, cited);
    assert.match(cited, /\/usr\/bin\/id/, cited);
  }));

test("a daemon started through `ip netns exec`: its helpers share the namespace it entered, no isolation of theirs", () =>
  withTmpDir("log-", (dir) => {
    // Captured with: ip netns add NS; strace -f -ttt -yy -s 256 -o ip-netns-exec.strace.log
    // ip netns exec NS /bin/sh -c 'for i in 1 2 3 4; do helper.sh; uname -n; sleep 0.5; done'.
    const cited = childWithoutIsolation(path.join(LOGS, "ip-netns-exec.strace.log"), dir);
    assert.match(cited, /helper\.sh/, cited);
    assert.match(cited, /\/usr\/bin\/uname/, cited);
  }));
