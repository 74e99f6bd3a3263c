/** A program without a path (memfd + fexecve) is named from what the kernel knows, and called fileless. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { hasStrace, runCli, withTmpDir } from "../src/testing/cli.js";
import { readSessionEvents } from "../src/testing/session-files.js";

const DAEMON = fileURLToPath(new URL("../../test/daemons/memfd-exec.py", import.meta.url));

test(
  "fexecve of a memfd: every sensor names the program, the report says fileless, no false reparenting",
  {
    skip: !hasStrace
      ? "strace is missing"
      : !existsSync("/usr/bin/python3")
        ? "/usr/bin/python3 is missing"
        : false,
    timeout: 60_000,
  },
  () =>
    withTmpDir("fileless-", (dir) => {
      const out = path.join(dir, "out");
      const r = runCli(["observe", "--duration", "15", "--out", out, "--", "/usr/bin/python3", DAEMON]);
      assert.equal(r.status, 0, r.stderr);
      const execs = readSessionEvents(out).filter((e) => e.kind === "exec" && e.argv[0] === "[kworker/0:1]");
      assert.ok(execs.length > 0, "the exec through the fd was seen");
      for (const e of execs) {
        assert.ok(e.kind === "exec" && e.path.startsWith("/memfd:kworker"), JSON.stringify(e));
        assert.notEqual(e.comm, "", JSON.stringify(e));
      }
      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
        findings: { behavior: string; evidence: { comm: string; summary: string }[] }[];
      };
      const orphan = report.findings.find((f) => f.behavior === "hidden-orphan-process");
      assert.ok(
        orphan?.evidence.some((e) => /fileless program \(memfd "kworker"\)/.test(e.summary)),
        JSON.stringify(orphan),
      );
      for (const f of report.findings)
        for (const e of f.evidence) {
          assert.notEqual(e.comm, "", `${f.behavior}: ${e.summary}`);
          assert.doesNotMatch(e.summary, /reparented away from its creator pid (\d+) to pid \1\b/);
        }
    }),
);
