/**
 * survey of a host with three services of the test's own making: two units (cgroups made under
 * the v2 root, as systemd would) and one plain daemon (double-forked, a child of pid 1). It must
 * write three ranked session dirs, and our own processes must be in none.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../src/events/schema.js";
import { cgroupsUnavailable, TestCgroup } from "../src/testing/cgroups.js";
import { runCli, servedUrl, startCli, withTmpDir } from "../src/testing/cli.js";
import { BIN } from "../src/testing/imd-process.js";
import { isAlive, sleep, waitFor } from "../src/testing/processes.js";
import { readSessionEvents } from "../src/testing/session-files.js";

interface Survey {
  nice?: number;
  services: {
    name: string;
    kind: string;
    rank: number;
    worst: string;
    dir: string;
    events: number;
    findings: { behavior: string }[];
  }[];
}

test(
  "survey: two units and a plain daemon, three ranked session dirs, none holding our own processes",
  { skip: cgroupsUnavailable(), timeout: 120_000 },
  () =>
    withTmpDir("survey-", async (dir) => {
      const tag = `${process.pid % 100_000}`;
      const busy = new TestCgroup(`system.slice/ss-survey-a-${tag}.service`);
      const quiet = new TestCgroup(`system.slice/ss-survey-b-${tag}.service`);
      const script = path.join(dir, `ss-svc-${tag}`);
      writeFileSync(script, "#!/bin/sh\nwhile :; do cat /etc/hostname > /dev/null; sleep 0.5; done\n", {
        mode: 0o755,
      });
      const pidFile = path.join(dir, "daemon.pid");
      let daemon = 0;
      try {
        busy.start([
          "/bin/sh",
          "-c",
          "while :; do /usr/bin/uname -n > /dev/null; /usr/bin/id > /dev/null; sleep 0.5; done",
        ]);
        quiet.start(["sleep", "600"]);
        // The plain daemon: started in the background by a shell that exits, so pid 1 adopts it.
        assert.equal(
          spawnSync("/bin/sh", ["-c", `setsid ${script} > /dev/null 2>&1 < /dev/null & echo $! > ${pidFile}`])
            .status,
          0,
        );
        daemon = await waitFor(
          "the daemon's pid",
          () => Number(readFileSync(pidFile, "utf8")) || undefined,
          5000,
        );
        await waitFor(
          "pid 1 to adopt the daemon",
          () => /\) \S+ 1 /.test(readFileSync(`/proc/${daemon}/stat`, "utf8")) || undefined,
          5000,
        );
        const out = path.join(dir, "out");
        const cli = spawn(
          process.execPath,
          [
            BIN,
            "survey",
            "--duration",
            "8",
            "--out",
            out,
            "--include",
            `ss-survey-*-${tag}.service`,
            "--include",
            `ss-svc-${tag}`,
          ],
          { stdio: ["ignore", "pipe", "pipe"] },
        );
        let stderr = "";
        cli.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
        const code = await new Promise<number | null>((r) => cli.once("exit", r));
        assert.equal(code, 0, stderr);
        const summary = JSON.parse(readFileSync(path.join(out, "survey.json"), "utf8")) as Survey;
        assert.deepEqual(
          summary.services.map((s) => s.name).sort(),
          [`ss-survey-a-${tag}.service`, `ss-survey-b-${tag}.service`, `ss-svc-${tag}`].sort(),
        );
        assert.equal(summary.services[0]!.name, `ss-survey-a-${tag}.service`, "the busy unit ranks first");
        assert.equal(summary.services.at(-1)!.name, `ss-survey-b-${tag}.service`, "the quiet one last");
        assert.ok(summary.services[0]!.findings.some((f) => f.behavior === "external-binary-execution"));
        const md = readFileSync(path.join(out, "survey.md"), "utf8");
        for (const s of summary.services) {
          assert.ok(existsSync(path.join(out, s.dir, "report.json")), s.dir);
          assert.ok(md.includes(`](${s.dir}/report.md)`), `survey.md links ${s.dir}`);
          const events = readSessionEvents(path.join(out, s.dir));
          const theirs = events.filter(
            (e: ShadowEvent) => e.pid === cli.pid || /shadow-ebpf|node/.test(e.comm),
          );
          assert.deepEqual(theirs, [], `${s.name} holds our own processes`);
        }
        assert.equal(summary.nice, 10, "the survey yields the CPU by default (--nice 10)");
        const plain = summary.services.find((s) => s.name === `ss-svc-${tag}`)!;
        assert.equal(plain.kind, "daemon");
        assert.ok(plain.events > 0, "the plain daemon's events");
        assert.ok(existsSync(path.join(out, "survey.html")));
        // serve lists the survey with its ranking, each service linked to its report.
        const server = startCli(["serve", dir, "--port", "0"]);
        try {
          const url = await servedUrl(server);
          const surveys = (await (await fetch(url + "api/surveys")).json()) as {
            services: { rank: number; name: string }[];
          }[];
          assert.deepEqual(
            surveys[0]!.services.map((s) => s.name),
            summary.services.map((s) => s.name),
          );
          const page = await (await fetch(url)).text();
          assert.match(page, /<h2>Surveys<\/h2>/);
          assert.match(page, new RegExp(`href="/session/\\d+/report\\.html">ss-survey-a-${tag}\\.service`));
        } finally {
          server.child.kill("SIGTERM");
          await server.exited;
        }
      } finally {
        if (daemon && isAlive(daemon)) process.kill(daemon, "SIGKILL");
        await busy.remove();
        await quiet.remove();
        await sleep(600); // the daemon's last sleep ends on its own
      }
    }),
);

test("survey --nice: a niceness outside 0–19 is a usage error, nothing written", () =>
  withTmpDir("survey-nice-", (dir) => {
    const r = runCli(["survey", "--nice", "25", "--duration", "1s", "--out", path.join(dir, "out")]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--nice: a niceness from 0 to 19, not '25'/);
    assert.equal(existsSync(path.join(dir, "out")), false);
  }));
