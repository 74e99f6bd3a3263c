/**
 * Targets that already run: a cgroup and a unit (a cgroup made by the test under the v2 root, as
 * systemd would, with small daemons started in it), observed without being touched; a process
 * moved into the cgroup mid-session is seen, one outside is not; bad targets are usage errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../src/events/schema.js";
import { SessionStore } from "../src/session/store.js";
import { cgroupsUnavailable, TestCgroup } from "../src/testing/cgroups.js";
import { runCli, runCliAsync, withTmpDir } from "../src/testing/cli.js";
import { isAlive, sleep } from "../src/testing/processes.js";
import { readSessionEvents } from "../src/testing/session-files.js";

interface Report {
  target: { kind: string; label: string; cgroup?: string; unit?: string; pid?: number };
  session: { sensors: { name: string; status: string; reason?: string }[]; targetExit?: { afterMs: number } };
  findings: { behavior: string }[];
}
const report = (out: string) => JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
const skip = cgroupsUnavailable();

test(
  "observe --cgroup: members seen, a process moved in mid-session seen, one outside never; the target untouched",
  { skip, timeout: 90_000 },
  () =>
    withTmpDir("cg-", async (dir) => {
      const cg = new TestCgroup(`system.slice/ss-test-${process.pid}.service`);
      const outside = spawn("/bin/sh", ["-c", "while :; do /usr/bin/hostname > /dev/null; sleep 0.4; done"], {
        stdio: "ignore",
      });
      try {
        const daemon = cg.start([
          "/bin/sh",
          "-c",
          "while :; do /usr/bin/uname -n > /dev/null; sleep 0.5; done",
        ]);
        const mover = cg.own(
          spawn("/bin/sh", ["-c", "while :; do /usr/bin/id -u > /dev/null; sleep 0.4; done"], {
            stdio: "ignore",
          }),
        );
        await sleep(300);
        const out = path.join(dir, "out");
        const moved = sleep(3000).then(() => cg.move(mover.pid!));
        const r = await runCliAsync([
          "observe",
          "--cgroup",
          cg.path.slice(1),
          "--duration",
          "8",
          "--out",
          out,
        ]);
        await moved;
        assert.equal(r.status, 0, r.stderr);
        const rep = report(out);
        assert.equal(rep.target.kind, "cgroup");
        assert.equal(rep.target.cgroup, cg.path);
        assert.equal(rep.target.pid, daemon.pid);
        assert.match(r.stderr, /ptrace .*left out of a cgroup target/);
        const execs = readSessionEvents(out).filter(
          (e): e is Extract<ShadowEvent, { kind: "exec" }> => e.kind === "exec",
        );
        const seen = (p: string) => execs.filter((e) => e.path === p);
        assert.ok(seen("/usr/bin/uname").length >= 3, "the member's helpers");
        const ids = seen("/usr/bin/id");
        assert.ok(ids.length >= 3, `the process moved in: ${ids.length} execs of id`);
        // Moved in at 3 s: nothing of it before (the kernel filter is the cgroup, not a pid list).
        assert.equal(seen("/usr/bin/hostname").length, 0, "a process outside the cgroup");
        assert.ok(!execs.some((e) => /shadow-ebpf|node/.test(e.path)), "our own processes");
        assert.ok(isAlive(daemon.pid!) && isAlive(mover.pid!), "the target is never stopped");
      } finally {
        outside.kill("SIGKILL");
        await cg.remove();
      }
    }),
);

test(
  "observe --unit NAME without systemd: the cgroup */NAME.service; a target whose processes all end ends the session, and the report says when",
  { skip, timeout: 90_000 },
  () =>
    withTmpDir("unit-", async (dir) => {
      const name = `ss-unit-${process.pid}`;
      const cg = new TestCgroup(`system.slice/${name}.service`);
      try {
        cg.start([
          "/bin/sh",
          "-c",
          "i=0; while [ $i -lt 8 ]; do i=$((i+1)); /usr/bin/uname -n > /dev/null; sleep 0.5; done",
        ]);
        await sleep(300);
        const out = path.join(dir, "out");
        const started = Date.now();
        const r = await runCliAsync(["observe", "--unit", name, "--duration", "60", "--out", out]);
        assert.equal(r.status, 0, r.stderr);
        assert.ok(Date.now() - started < 30_000, "ended with its last process, not at the duration");
        const rep = report(out);
        assert.equal(rep.target.kind, "unit");
        assert.equal(rep.target.unit, `${name}.service`);
        assert.ok(rep.session.targetExit, JSON.stringify(rep.session));
        assert.match(readFileSync(path.join(out, "report.md"), "utf8"), /ended on its own/);
        assert.ok(rep.findings.some((f) => f.behavior === "external-binary-execution"));
        // harden checks its drop-in against the unit's own file, which systemd would have named
        // (FragmentPath): set here as `observe --unit` records it where there is one.
        const unitFile = path.join(dir, `${name}.service`);
        writeFileSync(unitFile, `[Unit]\nDescription=test\n[Service]\nExecStart=/bin/sh -c true\n`);
        SessionStore.update(path.join(out, "session.db"), (s) =>
          s.setMeta("target", { ...s.getMeta<object>("target"), unitFile }),
        );
        const h = runCli(["harden", out, "--out", path.join(dir, "harden"), "--format", "systemd"]);
        assert.equal(h.status, 0, h.stderr);
        assert.match(
          readFileSync(path.join(dir, "harden", "harden.md"), "utf8"),
          new RegExp(`Checked against ${unitFile.replace(/[.]/g, "\\.")} \\(the observed unit's own file\\)`),
        );
      } finally {
        await cg.remove();
      }
    }),
);

test("bad targets: a usage error naming them (exit 2), nothing written", { skip, timeout: 60_000 }, () =>
  withTmpDir("badtarget-", (dir) => {
    const cases: [string[], RegExp][] = [
      [["--cgroup", "system.slice/no-such-cgroup.service"], /no such cgroup/],
      [["--cgroup", "system.slice/../.."], /'\.' and '\.\.' are refused/],
      [["--cgroup", "/"], /below the v2 root/],
      [["--cgroup", "cgroup.procs"], /not a directory/],
      [["--unit", "no-such-unit-here"], /unit no-such-unit-here\.service is not running/],
      [["--unit", "x;rm -rf"], /not a unit name/],
      [["--container", "no-such-container-here"], /container no-such-container-here not found/],
      [["--pid", "1", "--cgroup", "x"], /give one target/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(dir, "out");
      // No container engine on PATH for the CLI: asked on the host, podman would make its state
      // under /var/lib/containers and /run (container.e2e.test.ts keeps it in a namespace).
      const env = args[0] === "--container" ? { ...process.env, PATH: "/nonexistent" } : process.env;
      const r = runCli(["observe", ...args, "--duration", "2", "--out", out], 90_000, env);
      assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(" "));
      // One line that names it, and the usual pointer to --help: no stack, no sensor started.
      const lines = r.stderr.trim().split("\n");
      assert.match(lines[0]!, message);
      assert.ok(lines.length <= 2 && /--help/.test(lines.at(-1)!), r.stderr);
      assert.ok(!existsSync(out), `${args.join(" ")} wrote ${out}`);
    }
  }),
);
