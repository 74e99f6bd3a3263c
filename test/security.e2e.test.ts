/**
 * Shadow Signals runs as root beside a daemon it does not trust. These tests play the hostile or
 * unlucky user: planted links, a daemon that swaps a directory for a link, secrets on command
 * lines, a sensor killed mid-session, two Ctrl-Cs, and `observe` itself killed outright.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  filesUnder,
  hasStrace,
  isRoot,
  processesMatching,
  runCli,
  startCli,
  withTmpDir,
} from "../src/testing/cli.js";
import { childNamed, isAlive, sensorProgramsOf, sleep, waitFor } from "../src/testing/processes.js";
import { readSessionEvents } from "../src/testing/session-files.js";

const DAEMONS = fileURLToPath(new URL("../../test/daemons/", import.meta.url));
// Assembled at run time so that no secret-looking literal sits in the repository.
const VALUE = ["Zq7", "hunter2", "Vx9k"].join("-");

interface Report {
  target: { label: string };
  session: {
    sensors: { name: string; status: string; reason: string; failedAt?: string }[];
    disturbed?: { by: string; at: string };
    cutShort?: { lastEvent: string };
    refusedCaptures?: { path: string; reason: string }[];
    started: string;
  };
  findings: { behavior: string; evidence: { ts: number; summary: string }[] }[];
}
const hasBpftrace =
  isRoot &&
  (JSON.parse(runCli(["sensors", "--json"]).stdout) as { name: string; usable: boolean }[]).some(
    (x) => x.name === "ebpf" && x.usable,
  );
const report = (out: string) => JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;

test(
  "--out into a foreign dir with planted links is refused, and nothing is written through them",
  {
    skip: isRoot ? false : "needs root to make a dir owned by another user",
  },
  () =>
    withTmpDir("sec-", (dir) => {
      chmodSync(dir, 0o755);
      const victim = path.join(dir, "victim");
      writeFileSync(victim, "untouched");
      const foreign = path.join(dir, "foreign");
      mkdirSync(path.join(foreign, "raw"), { recursive: true, mode: 0o777 });
      for (const f of ["report.md", "report.json", "raw/strace.log", "raw/shadow-signals.bt"])
        symlinkSync(victim, path.join(foreign, f));
      chownSync(foreign, 65534, 65534);
      chownSync(path.join(foreign, "raw"), 65534, 65534);
      const r = runCli(["observe", "--duration", "1", "--sensors", "procfs", "--out", foreign, "--", "true"]);
      assert.equal(r.status, 2, r.stderr);
      assert.equal(r.stderr.trim().split("\n")[0]!.startsWith("shadow-signals observe:"), true, r.stderr);
      assert.equal(readFileSync(victim, "utf8"), "untouched");
      // Ours but not empty: refused too.
      const full = path.join(dir, "full");
      mkdirSync(full);
      writeFileSync(path.join(full, "something"), "");
      assert.equal(runCli(["observe", "--duration", "1", "--out", full, "--", "true"]).status, 2);
    }),
);

test(
  "a daemon that swaps a temp dir for a link: we read nothing through it, and say so",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  () =>
    withTmpDir("sec-", (dir) => {
      chmodSync(dir, 0o755);
      mkdirSync(path.join(dir, "private"), { mode: 0o700 });
      writeFileSync(path.join(dir, "private", "x"), `password=${VALUE}\n`, { mode: 0o600 });
      const out = path.join(dir, "out");
      const r = runCli([
        "observe",
        "--sensors",
        "ptrace,procfs",
        "--duration",
        "15",
        "--root",
        dir,
        "--out",
        out,
        "--",
        "/bin/sh",
        path.join(DAEMONS, "swap-to-symlink.sh"),
        dir,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const rep = report(out);
      assert.ok(
        !rep.findings.some((f) => f.behavior === "plaintext-secret-in-temp"),
        JSON.stringify(rep.findings),
      );
      const refused = rep.session.refusedCaptures?.find((c) => c.path === path.join(dir, "tmp/d/x"));
      assert.ok(refused && /symbolic link/.test(refused.reason), JSON.stringify(rep.session));
      assert.match(readFileSync(path.join(out, "report.md"), "utf8"), /Files not read/);
    }),
);

test(
  "secrets on command lines never reach an output; the out dir is 0700 and its files 0600",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  () =>
    withTmpDir("sec-", (dir) => {
      chmodSync(dir, 0o755);
      const out = path.join(dir, "out");
      const r = runCli([
        "observe",
        "--duration",
        "20",
        "--root",
        dir,
        "--out",
        out,
        "--",
        "env",
        `DB_PASSWORD=${VALUE}`,
        "/bin/sh",
        path.join(DAEMONS, "cmdline-secrets.sh"),
        dir,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(!r.stdout.includes(VALUE) && !r.stderr.includes(VALUE), "stdout/stderr");
      assert.equal(statSync(out).mode & 0o777, 0o700);
      for (const f of filesUnder(out)) {
        assert.ok(!f.text.includes(VALUE), `${f.file} holds the secret`);
        assert.equal(f.mode, 0o600, `${f.file} is ${f.mode.toString(8)}`);
      }
      assert.ok(!existsSync(path.join(out, "raw", "strace.log")), "the raw log (payloads) is removed");
      // The command lines are still there, with the value replaced.
      const execs = readSessionEvents(out).filter((e) => e.kind === "exec");
      assert.ok(execs.some((e) => e.kind === "exec" && e.argv.some((a) => /^password=%s/.test(a))));
      assert.ok(
        execs.some(
          (e) => e.kind === "exec" && e.argv.some((a) => /DB_PASSWORD=password#[0-9a-f]{10}/.test(a)),
        ),
      );
      assert.match(report(out).target.label, /DB_PASSWORD=password#[0-9a-f]{10}/);
    }),
);

test(
  "strace killed mid-session: ptrace marked failed with the signal and the time; what follows is not the target's",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  async () =>
    withTmpDir("sec-", async (dir) => {
      chmodSync(dir, 0o755);
      mkdirSync(path.join(dir, "tmp"));
      const out = path.join(dir, "out");
      const script = `while :; do echo x > ${dir}/tmp/f; /bin/true; sleep 0.2; done`;
      const run = startCli([
        "observe",
        "--sensors",
        "ptrace,procfs",
        "--duration",
        "8",
        "--root",
        dir,
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        script,
      ]);
      const strace = await waitFor("strace", () => childNamed(run.child.pid!, "strace"));
      await waitFor(
        "events",
        () =>
          existsSync(path.join(out, "events.jsonl")) && statSync(path.join(out, "events.jsonl")).size > 2000,
      );
      process.kill(strace.pid, "SIGKILL");
      assert.equal(await run.exited, 0, run.output());
      const rep = report(out);
      const ptrace = rep.session.sensors.find((s) => s.name === "ptrace")!;
      assert.equal(ptrace.status, "failed", JSON.stringify(ptrace));
      assert.match(ptrace.reason, /killed by SIGKILL/);
      assert.ok(ptrace.failedAt, "the time it failed");
      assert.equal(rep.session.disturbed?.by, "ptrace");
      const failedAt = (Date.parse(ptrace.failedAt!) - Date.parse(rep.session.started)) / 1000;
      for (const f of rep.findings)
        for (const e of f.evidence)
          assert.ok(
            e.ts <= failedAt + 0.5,
            `${f.behavior} cites +${e.ts}s after the failure at +${failedAt}s`,
          );
      assert.match(readFileSync(path.join(out, "report.md"), "utf8"), /Sensor ptrace failed at \+/);
    }),
);

test(
  "the eBPF sensor's program killed mid-session: the reason is the signal (not a stale warning), the others go on",
  { skip: hasBpftrace ? false : "needs root and a usable eBPF sensor", timeout: 90_000 },
  async () =>
    withTmpDir("sec-", async (dir) => {
      const out = path.join(dir, "out");
      const run = startCli([
        "observe",
        "--sensors",
        "ebpf,procfs",
        "--duration",
        "10",
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        "while :; do /bin/true; sleep 0.3; done",
      ]);
      await waitFor(
        "events",
        () =>
          existsSync(path.join(out, "events.jsonl")) && statSync(path.join(out, "events.jsonl")).size > 500,
        30_000,
      );
      // Found once events flow: the sensor probe's short-lived `bpftrace --version` is not the sensor.
      // The native program where it is built (build/shadow-ebpf), bpftrace where it is not.
      const program = await waitFor(
        "the eBPF sensor's program",
        () => childNamed(run.child.pid!, "shadow-ebpf") ?? childNamed(run.child.pid!, "bpftrace"),
        30_000,
      );
      process.kill(program.pid, "SIGKILL");
      assert.equal(await run.exited, 0, run.output());
      const rep = report(out);
      const ebpf = rep.session.sensors.find((s) => s.name === "ebpf")!;
      assert.equal(ebpf.status, "failed", JSON.stringify(ebpf));
      assert.match(ebpf.reason, /(bpftrace|the native eBPF program) was killed by SIGKILL/);
      assert.doesNotMatch(ebpf.reason, /RLIMIT_MEMLOCK/);
      assert.equal(rep.session.sensors.find((s) => s.name === "procfs")?.status, "stopped");
      assert.equal(rep.session.disturbed, undefined, "the program's death does not change the target");
    }),
);

test(
  "two Ctrl-Cs while stopping: the stop hurries, the report is written, nothing is left running",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  async () =>
    withTmpDir("sec-", async (dir) => {
      const out = path.join(dir, "out");
      const token = `ctrlc-${process.pid}`;
      const run = startCli([
        "observe",
        "--duration",
        "60",
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        "while :; do sleep 0.3; done",
        token,
      ]);
      await waitFor(
        "events",
        () => existsSync(path.join(out, "events.jsonl")) && statSync(path.join(out, "events.jsonl")).size > 0,
        60_000,
      );
      await sleep(500);
      const programs = sensorProgramsOf(run.child.pid!);
      // A terminal sends Ctrl-C to the whole foreground process group.
      const t0 = Date.now();
      process.kill(-run.child.pid!, "SIGINT");
      await sleep(150);
      process.kill(-run.child.pid!, "SIGINT");
      assert.equal(await run.exited, 0, run.output());
      assert.ok(Date.now() - t0 < 20_000, `stopping took ${Date.now() - t0} ms`);
      assert.ok(existsSync(path.join(out, "report.json")), run.output());
      await sleep(300);
      assert.deepEqual(processesMatching(token), []);
      assert.deepEqual(processesMatching(out), [], "no sensor process (bpftrace, strace) left");
      assert.ok(programs.length > 0, "the sensors' programs were not found");
      assert.deepEqual(programs.filter(isAlive), [], "a sensor's program outlived the stop");
      assert.ok(!existsSync(path.join(out, "raw", "strace.log")));
    }),
);

test(
  "observe killed outright (SIGKILL): sensors and the whole target tree die with it; analyze says it was cut short",
  {
    skip: hasStrace ? false : "strace is missing",
    timeout: 90_000,
  },
  async () =>
    withTmpDir("sec-", async (dir) => {
      const out = path.join(dir, "out");
      const token = `sigkill-${process.pid}`;
      const run = startCli([
        "observe",
        "--duration",
        "60",
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        "setsid sleep 3102 & sleep 3103; wait",
        token,
      ]);
      await waitFor("the detached sleep", () => processesMatching("sleep 3102").length > 0, 60_000);
      await sleep(700);
      const programs = sensorProgramsOf(run.child.pid!);
      process.kill(run.child.pid!, "SIGKILL");
      await run.exited;
      await waitFor(
        "everything it started to end",
        () =>
          [
            ...processesMatching(token),
            ...processesMatching("sleep 310"),
            ...processesMatching(out),
            ...programs.filter(isAlive),
          ].length === 0,
        10_000,
      ).catch((err: Error) => {
        throw new Error(
          `${err.message}: ${JSON.stringify([...processesMatching(token), ...processesMatching("sleep 310"), ...processesMatching(out)])}`,
        );
      });
      const r = runCli(["analyze", out]);
      assert.equal(r.status, 0, r.stderr);
      const rep = report(out);
      assert.ok(rep.session.cutShort, JSON.stringify(rep.session));
      const md = readFileSync(path.join(out, "report.md"), "utf8");
      assert.match(md, /cut short/);
      assert.doesNotMatch(md, /observed for -/);
      assert.ok(!existsSync(path.join(out, "raw", "strace.log")), "the raw log of a cut session is removed");
    }),
);
