/**
 * `watch`, live: a small daemon observed as a baseline, then watched. Once a trigger file exists
 * it runs a program and writes a config it never did before: the alerts must appear on stdout, in
 * Falco's JSON shape, within 2 s of the event, and in --alerts FILE and the session's report. The
 * same daemon left unchanged raises none. A baseline of another daemon is a usage error.
 */
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { connect } from "@nats-io/transport-node";
import { NatsServer, hasNatsServer } from "../src/testing/nats-server.js";
import { FALCO_KEYS } from "../src/watch/falco-alert.js";
import {
  hasStrace,
  processesMatching,
  runCli,
  runCliAsync,
  startCli,
  withTmpDir,
} from "../src/testing/cli.js";

interface Alert {
  time: string;
  rule: string;
  priority: string;
  output: string;
  output_fields: Record<string, string | number>;
  source: string;
  hostname: string;
  tags: string[];
}

const SENSORS = ["--sensors", "ptrace,procfs"];

/**
 * A daemon that says it started on stdout, then writes its state every 0.3 s; with DIR/trigger
 * present it also runs id and writes DIR/etc/new.conf.
 */
function writeDaemon(dir: string): string {
  mkdirSync(path.join(dir, "etc"));
  const daemon = path.join(dir, "daemon.sh");
  writeFileSync(
    daemon,
    [
      "#!/bin/sh",
      "echo daemon started",
      "while :; do",
      `  date > ${dir}/state`,
      `  if [ -e ${dir}/trigger ]; then /usr/bin/id > /dev/null; echo x > ${dir}/etc/new.conf; fi`,
      "  sleep 0.3",
      "done",
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return daemon;
}

async function baselineOf(dir: string, daemon: string): Promise<string> {
  const base = path.join(dir, "base");
  const r = await runCliAsync(
    ["observe", ...SENSORS, "--duration", "6s", "--out", base, "--", daemon],
    60_000,
  );
  assert.equal(r.status, 0, r.stderr);
  return base;
}

/** Alert lines on stdout, each with when it was read. */
function alertsOf(output: () => string): Alert[] {
  return output()
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Alert);
}

describe("watch, live", { concurrency: 2 }, () => {
  test(
    "a new program and a new config write: Falco-shaped alerts within 2 s, in the file and the report",
    { skip: hasStrace ? false : "strace is not installed", timeout: 120_000 },
    () =>
      withTmpDir("watch-drift-", async (dir) => {
        const daemon = writeDaemon(dir);
        const base = await baselineOf(dir, daemon);
        const out = path.join(dir, "watch");
        const alertsFile = path.join(dir, "alerts.json");
        // --publish: a subscriber on the bus gets the same lines (when nats-server is installed).
        const nats = hasNatsServer ? new NatsServer() : undefined;
        await nats?.start();
        const nc = nats ? await connect({ servers: nats.url }) : undefined;
        const published: Alert[] = [];
        const sub = nc?.subscribe("shadow.alerts.>", {
          callback: (_e, m) => void published.push(m.json<Alert>()),
        });
        const w = startCli([
          "watch",
          ...(nats ? ["--publish", nats.url, "--host", "watched"] : []),
          "--baseline",
          base,
          ...SENSORS,
          "--duration",
          "14s",
          "--alerts",
          alertsFile,
          "--out",
          out,
          "--",
          daemon,
        ]);
        const arrived = new Map<string, number>();
        const poll = setInterval(() => {
          for (const a of alertsOf(w.output)) if (!arrived.has(a.rule)) arrived.set(a.rule, Date.now());
        }, 20);
        try {
          await new Promise((r) => setTimeout(r, 5000));
          assert.deepEqual(alertsOf(w.output), [], "nothing new before the trigger");
          writeFileSync(path.join(dir, "trigger"), "");
          assert.equal(await w.exited, 0, w.output());
        } finally {
          clearInterval(poll);
          await nc?.flush();
          sub?.unsubscribe();
          await nc?.close();
          await nats?.dispose();
        }
        const alerts = alertsOf(w.output);
        const exec = alerts.find((a) => a.rule === "Executable outside the baseline");
        const write = alerts.find(
          (a) =>
            a.rule === "Write outside the baseline's written set" &&
            a.output_fields["fd.name"] === `${dir}/etc/new.conf`,
        );
        assert.ok(exec && write, JSON.stringify(alerts, null, 1));
        assert.equal(exec.output_fields["proc.exepath"], "/usr/bin/id");
        for (const a of [exec, write]) {
          assert.deepEqual(Object.keys(a).sort(), [...FALCO_KEYS]);
          assert.match(a.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
          assert.match(a.output, new RegExp(`^\\d\\d:\\d\\d:\\d\\d\\.\\d{9}: ${a.priority} `));
          // Within 2 s of the event it reports (its time is the sensor's).
          const latency = arrived.get(a.rule)! - Date.parse(a.time);
          assert.ok(latency < 2000, `${a.rule}: ${latency} ms after the event`);
        }
        // The same lines in the file, 0600; and the report says it all.
        assert.equal(statSync(alertsFile).mode & 0o777, 0o600);
        assert.deepEqual(
          readFileSync(alertsFile, "utf8")
            .trim()
            .split("\n")
            .map((l) => (JSON.parse(l) as Alert).rule),
          alerts.map((a) => a.rule),
        );
        if (nats)
          assert.deepEqual(
            published.map((a) => [a.rule, a.hostname, a.time]),
            alerts.map((a) => [a.rule, a.hostname, a.time]),
            "the alerts published on shadow.alerts.watched",
          );
        const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
          drift: { baseline: string[]; records: { rule: string; count: number; alerts: number }[] };
        };
        assert.deepEqual(report.drift.baseline, [base]);
        assert.ok(
          report.drift.records.some(
            (r) => r.rule === "Executable outside the baseline" && r.count >= 2 && r.alerts === 1,
          ),
        );
        assert.match(readFileSync(path.join(out, "report.md"), "utf8"), /### Drift from the baseline/);
        assert.deepEqual(processesMatching(daemon), []);
      }),
  );

  test(
    "the same daemon unchanged: no alert; a baseline of another daemon: exit 2, nothing watched",
    { skip: hasStrace ? false : "strace is not installed", timeout: 120_000 },
    () =>
      withTmpDir("watch-quiet-", async (dir) => {
        const daemon = writeDaemon(dir);
        const base = await baselineOf(dir, daemon);
        const out = path.join(dir, "watch");
        const r = await runCliAsync(
          ["watch", "--baseline", base, ...SENSORS, "--duration", "12s", "--out", out, "--", daemon],
          60_000,
        );
        assert.equal(r.status, 0, r.stderr);
        // stdout is the alerts' alone: the daemon's own line went to stderr.
        assert.equal(r.stdout.trim(), "", `alerts from an unchanged daemon:\n${r.stdout}`);
        assert.match(r.stderr, /^daemon started$/m);
        const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
          drift: { records: unknown[] };
        };
        assert.deepEqual(report.drift.records, []);

        const other = runCli([
          "watch",
          "--baseline",
          base,
          "--duration",
          "2s",
          "--out",
          path.join(dir, "o"),
          "--",
          "/bin/sleep",
          "5",
        ]);
        assert.equal(other.status, 2, other.stderr);
        assert.match(
          other.stderr,
          /observes ".*daemon\.sh", not the target "\/bin\/sleep 5": a baseline is of one daemon/,
        );
        assert.equal(existsSync(path.join(dir, "o")), false, "nothing written");

        // --pid: a daemon restarted since has another pid; the same program is the same daemon.
        const first = spawn("/bin/sleep", ["30"], { stdio: "ignore" });
        const again = spawn("/bin/sleep", ["31"], { stdio: "ignore" });
        const shell = spawn("/bin/sh", ["-c", "sleep 32"], { stdio: "ignore" });
        try {
          const pidBase = path.join(dir, "pid-base");
          const procfsOn = (command: string, out: string, pid: number, ...more: string[]) =>
            runCliAsync([
              command,
              ...more,
              "--sensors",
              "procfs",
              "--duration",
              "2s",
              "--out",
              path.join(dir, out),
              "--pid",
              String(pid),
            ]);
          const pb = await procfsOn("observe", "pid-base", first.pid!);
          assert.equal(pb.status, 0, pb.stderr);
          const ok = await procfsOn("watch", "pid-w", again.pid!, "--baseline", pidBase);
          assert.equal(ok.status, 0, ok.stderr);
          const no = await procfsOn("watch", "pid-x", shell.pid!, "--baseline", pidBase);
          assert.equal(no.status, 2, no.stderr);
          assert.match(no.stderr, /a baseline is of one daemon/);
        } finally {
          for (const c of [first, again, shell]) c.kill("SIGKILL");
        }
      }),
  );
});
