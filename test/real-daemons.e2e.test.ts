/**
 * Real, unmodified daemons from Debian's packages (installed by scripts/setup.sh), each run in
 * the foreground with a minimal config written into the test's temp dir, each held to what must
 * be found and what must not. They run two at a time: cron needs two minutes of wall clock.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { hasStrace, isRoot, runCliAsync, startCli, withTmpDir } from "../src/testing/cli.js";
import { readProc, sleep, waitFor } from "../src/testing/processes.js";

interface Report {
  session: { targetExit?: { code?: number } };
  findings: { behavior: string; confidence: string; evidence: { summary: string }[] }[];
}
const report = (out: string) => JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
const behaviors = (r: Report) => new Set(r.findings.map((f) => f.behavior));
const has = (bin: string) => spawnSync("sh", ["-c", `command -v ${bin}`]).status === 0;
/** Why a daemon's test cannot run here, or false. */
const needs = (bin: string) =>
  !isRoot
    ? "needs root (the daemon drops privileges or runs jobs as root)"
    : !hasStrace
      ? "strace is missing"
      : !has(bin)
        ? `${bin} is not installed (scripts/setup.sh installs it)`
        : false;

function expect(r: Report, must: string[], mustNot: string[]): void {
  const found = behaviors(r);
  for (const b of must) assert.ok(found.has(b), `missing ${b}; found ${[...found].join(", ")}`);
  for (const b of mustNot)
    assert.ok(
      !found.has(b),
      `${b} should not be reported: ${JSON.stringify(r.findings.find((f) => f.behavior === b)?.evidence)}`,
    );
}

describe("real daemons from Debian", { concurrency: 2 }, () => {
  test(
    "cron -f with a job every minute: periodic root jobs, found with few beats",
    { skip: needs("cron"), timeout: 300_000 },
    () =>
      withTmpDir("cron-", async (dir) => {
        chmodSync(dir, 0o755);
        for (const d of ["cron.d", "spool"]) mkdirSync(path.join(dir, d));
        writeFileSync(path.join(dir, "crontab"), "");
        writeFileSync(
          path.join(dir, "cron.d", "shadow-test"),
          `* * * * * root /bin/sh -c "date >> ${dir}/job.out"\n`,
        );
        chmodSync(path.join(dir, "cron.d", "shadow-test"), 0o644);
        // cron reads only fixed system paths: a private mount namespace shows it ours instead,
        // visible to nobody else and gone with it.
        const binds = [
          ["crontab", "/etc/crontab"],
          ["cron.d", "/etc/cron.d"],
          ["spool", "/var/spool/cron"],
        ]
          .map(([from, to]) => `mount --bind ${dir}/${from} ${to}`)
          .join(" && ");
        const cron = spawn(
          "unshare",
          ["-m", "--propagation", "private", "--", "/bin/sh", "-c", `${binds} && exec cron -f -L 15`],
          { stdio: "ignore" },
        );
        try {
          await waitFor("cron to start", () => readProc(cron.pid!)?.comm === "cron", 10_000);
          // Attach ten seconds before a minute starts: 135 s then hold three of cron's beats.
          await sleep(((60 - new Date().getSeconds() + 50) % 60) * 1000);
          const out = path.join(dir, "out");
          const r = await runCliAsync(
            ["observe", "--pid", String(cron.pid), "--duration", "135", "--root", dir, "--out", out],
            200_000,
          );
          assert.equal(r.status, 0, r.stderr);
          const rep = report(out);
          expect(
            rep,
            // A root job: cron re-applies root's whole capability set, setgid(0), setuid(0).
            ["periodic-autonomous-activity", "external-binary-execution", "child-without-isolation"],
            [
              "hidden-orphan-process",
              "plaintext-secret-in-temp",
              "silent-failure-fallback",
              "mutable-artifact-dependency",
            ],
          );
        } finally {
          cron.kill("SIGTERM");
          await new Promise((r) =>
            cron.exitCode !== null || cron.signalCode !== null ? r(null) : cron.once("exit", r),
          );
        }
      }),
  );

  test(
    "monit with a check program every cycle: periodic execution of external programs as root",
    { skip: needs("monit"), timeout: 90_000 },
    () =>
      withTmpDir("monit-", async (dir) => {
        const rc = path.join(dir, "monitrc");
        writeFileSync(
          rc,
          [
            `set daemon 2`,
            `set pidfile ${dir}/monit.pid`,
            `set idfile ${dir}/monit.id`,
            `set statefile ${dir}/monit.state`,
            `set log ${dir}/monit.log`,
            `check program probe with path "/bin/sh -c 'date > /dev/null'"`,
            `  if status != 0 then alert`,
            "",
          ].join("\n"),
          { mode: 0o600 },
        );
        const out = path.join(dir, "out");
        const r = await runCliAsync([
          "observe",
          "--duration",
          "14",
          "--root",
          dir,
          "--out",
          out,
          "--",
          "monit",
          "-I",
          "-c",
          rc,
        ]);
        assert.equal(r.status, 0, r.stderr);
        expect(
          report(out),
          ["periodic-autonomous-activity", "external-binary-execution", "child-without-isolation"],
          ["hidden-orphan-process", "plaintext-secret-in-temp"],
        );
      }),
  );

  test(
    "supervisord whose program runs as nobody and exits 0 on schedule: periodic, and its pauses are waiting, not silent failure",
    { skip: needs("supervisord"), timeout: 90_000 },
    () =>
      withTmpDir("supervisor-", async (dir) => {
        chmodSync(dir, 0o755);
        const conf = path.join(dir, "supervisord.conf");
        // user=nobody: supervisord looks the user up (glibc asks nscd first, which is not there).
        writeFileSync(
          conf,
          [
            "[supervisord]",
            "nodaemon=true",
            `logfile=${dir}/supervisord.log`,
            `pidfile=${dir}/supervisord.pid`,
            `childlogdir=${dir}`,
            "[program:tick]",
            `command=/bin/sh -c "id > /dev/null; sleep 2; exit 0"`,
            "user=nobody",
            "autorestart=true",
            "startsecs=0",
            "startretries=100",
            "",
          ].join("\n"),
          { mode: 0o600 },
        );
        const out = path.join(dir, "out");
        const r = await runCliAsync([
          "observe",
          "--duration",
          "16",
          "--root",
          dir,
          "--out",
          out,
          "--",
          "supervisord",
          "-n",
          "-c",
          conf,
        ]);
        assert.equal(r.status, 0, r.stderr);
        expect(
          report(out),
          ["periodic-autonomous-activity", "external-binary-execution"],
          [
            "silent-failure-fallback",
            "mutable-artifact-dependency",
            "child-without-isolation",
            "hidden-orphan-process",
            "plaintext-secret-in-temp",
          ],
        );
      }),
  );

  test(
    "nginx whose workers drop to nobody: no unisolated child, no privileged write from the workers; a bad config is a failed start",
    { skip: needs("nginx"), timeout: 90_000 },
    () =>
      withTmpDir("nginx-", async (dir) => {
        chmodSync(dir, 0o755);
        const port = 40_000 + Math.floor(Math.random() * 20_000);
        const conf = path.join(dir, "nginx.conf");
        const temp = ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"]
          .map((t) => `  ${t}_temp_path ${dir}/${t};`)
          .join("\n");
        writeFileSync(
          conf,
          `user nobody nogroup;\nworker_processes 2;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log;\nevents { worker_connections 64; }\nhttp {\n  access_log ${dir}/access.log;\n${temp}\n  server { listen 127.0.0.1:${port}; location / { return 200 "ok\\n"; } }\n}\n`,
        );
        const out = path.join(dir, "out");
        const run = startCli([
          "observe",
          "--duration",
          "12",
          "--root",
          dir,
          "--out",
          out,
          "--",
          "nginx",
          "-c",
          conf,
          "-g",
          "daemon off;",
        ]);
        await sleep(5000);
        for (let i = 0; i < 4; i++) {
          await new Promise<void>((resolve) =>
            http
              .get(`http://127.0.0.1:${port}/`, (res) => res.resume().on("end", resolve))
              .on("error", () => resolve()),
          );
          await sleep(700);
        }
        assert.equal(await run.exited, 0, run.output());
        expect(
          report(out),
          [],
          [
            "child-without-isolation",
            "privileged-write-steady-state",
            "hidden-orphan-process",
            "silent-failure-fallback",
          ],
        );
        // Debian's default config already sets a pid file: a second one is fatal, at once.
        const bad = path.join(dir, "bad");
        const b = await runCliAsync([
          "observe",
          "--sensors",
          "procfs",
          "--duration",
          "20",
          "--out",
          bad,
          "--",
          "nginx",
          "-g",
          `daemon off; pid ${dir}/x.pid;`,
        ]);
        assert.equal(b.status, 3, b.stderr);
        assert.equal(report(bad).session.targetExit?.code, 1);
      }),
  );

  test(
    "collectd with its exec plugin running a script as nobody: helpers found, none unisolated",
    { skip: needs("collectd"), timeout: 90_000 },
    () =>
      withTmpDir("collectd-", async (dir) => {
        chmodSync(dir, 0o755);
        const probe = path.join(dir, "probe.sh");
        writeFileSync(
          probe,
          `#!/bin/sh\nh=$(hostname)\nid -u > /dev/null\necho "PUTVAL \\"$h/exec-probe/gauge-value\\" interval=2 N:1"\n`,
        );
        chmodSync(probe, 0o755);
        const conf = path.join(dir, "collectd.conf");
        writeFileSync(
          conf,
          [
            `Hostname "shadow-test"`,
            `FQDNLookup false`,
            `Interval 2`,
            `BaseDir "${dir}"`,
            `PIDFile "${dir}/collectd.pid"`,
            `PluginDir "/usr/lib/collectd"`,
            `TypesDB "/usr/share/collectd/types.db"`,
            `LoadPlugin logfile`,
            `<Plugin logfile>`,
            `  File "${dir}/collectd.log"`,
            `</Plugin>`,
            `LoadPlugin exec`,
            `<Plugin exec>`,
            `  Exec "nobody" "${probe}"`,
            `</Plugin>`,
            "",
          ].join("\n"),
        );
        assert.ok(existsSync("/usr/lib/collectd/exec.so"), "collectd's exec plugin");
        const out = path.join(dir, "out");
        const r = await runCliAsync([
          "observe",
          "--duration",
          "14",
          "--root",
          dir,
          "--out",
          out,
          "--",
          "collectd",
          "-f",
          "-C",
          conf,
        ]);
        assert.equal(r.status, 0, r.stderr);
        expect(
          report(out),
          ["external-binary-execution", "periodic-autonomous-activity"],
          ["child-without-isolation", "hidden-orphan-process"],
        );
      }),
  );
});
