import { claimProblems } from "../src/report/claim-check.js";
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BEHAVIOR_IDS } from "../src/analysis/detectors/index.js";
import { BIN } from "../src/testing/imd-process.js";
import { createSensor } from "../src/sensors/index.js";
import { allPids, readProc } from "../src/testing/processes.js";
import { readSessionEvents } from "../src/testing/session-files.js";

const isRoot = process.geteuid?.() === 0;
const hasStrace = spawnSync("strace", ["-V"]).status === 0;

interface Report {
  findings: {
    behavior: string;
    claim: string;
    occurrences: number;
    evidence: { pid: number; summary: string }[];
  }[];
  session: { sensors: { name: string; status: string }[] };
}

function runLab(args: string[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "lab-e2e-"));
  const out = path.join(dir, "out");
  const root = path.join(dir, "root");
  const r = spawnSync(process.execPath, [BIN, "lab", "--out", out, "--root", root, ...args], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
  const truthFile = path.join(out, "imd-ground-truth.json");
  const truth = existsSync(truthFile)
    ? (JSON.parse(readFileSync(truthFile, "utf8")) as {
        entries: { behavior: string; pid: number; target?: string }[];
      })
    : { entries: [] };
  return { dir, root, report, truth, stdout: r.stdout };
}

function assertNothingLeft(root: string) {
  const leftovers = allPids()
    .map(readProc)
    .filter((p) => p && p.cmdline.join(" ").includes(root));
  assert.deepEqual(leftovers, [], "processes of the lab are still running");
  for (const rel of ["etc/imd", "tmp/imd-plugins", "tmp/.imd-credentials.cache", "run/imd"])
    assert.equal(existsSync(path.join(root, rel)), false, `${rel} left behind`);
  // The tests give the lab a root that does not exist yet: it must not be left behind either.
  assert.equal(existsSync(root), false, `${root} left behind`);
}

const ALL = BEHAVIOR_IDS;

test(
  "lab --sensors auto as root: all ten behaviours, each matching IMD's ground truth",
  {
    skip: !isRoot ? "needs root (IMD's privileged writes)" : !hasStrace ? "strace is missing" : false,
    timeout: 180_000,
  },
  () => {
    const { dir, root, report, truth } = runLab(["--duration", "30s", "--sensors", "auto"]);
    try {
      const found = new Set(report.findings.map((f) => f.behavior));
      for (const b of ALL) assert.ok(found.has(b), `missing ${b}; found ${[...found].join(", ")}`);
      // Every finding is backed by what IMD really did: a cited pid or path is in the ground truth.
      const truthPids = new Set(truth.entries.map((e) => e.pid));
      const truthTargets = truth.entries.map((e) => e.target ?? "").filter(Boolean);
      for (const f of report.findings) {
        const backed = f.evidence.some(
          (e) =>
            truthPids.has(e.pid) ||
            truthTargets.some((t) => e.summary.includes(t) || e.summary.includes(path.basename(t))),
        );
        assert.ok(
          backed,
          `${f.behavior}: no evidence matches the ground truth: ${JSON.stringify(f.evidence.slice(0, 2))}`,
        );
        const truthBehaviors = new Set(truth.entries.map((e) => e.behavior));
        assert.ok(truthBehaviors.has(f.behavior), `${f.behavior} reported but IMD never did it`);
      }
      const serialized = JSON.stringify(report);
      assert.ok(!/FAKE-[0-9a-f]{6}/.test(serialized), "a secret value leaked into the report");
      // Every number in a claim comes from the occurrences it counts.
      for (const f of report.findings) assert.deepEqual(claimProblems(f), [], `${f.behavior}: ${f.claim}`);
      // IMD never sets seccomp or no_new_privs: under the ptrace sensor strace does, and says so.
      for (const f of report.findings)
        for (const e of f.evidence)
          if (/seccomp=/.test(e.summary)) {
            assert.match(e.summary, /seccomp=0 nnp=0/, e.summary);
            assert.match(e.summary, /set by the ptrace sensor, not the target/, e.summary);
          }
      assertNothingLeft(root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "lab --sensors ebpf alone: all ten behaviours",
  { skip: !isRoot ? "needs root" : false, timeout: 180_000 },
  async (t) => {
    const probe = await createSensor("ebpf").probe();
    if (!probe.usable) return t.skip(probe.reason);
    const { dir, root, report } = runLab(["--duration", "30s", "--sensors", "ebpf"]);
    try {
      const found = new Set(report.findings.map((f) => f.behavior));
      for (const b of ALL) assert.ok(found.has(b), `ebpf missed ${b}`);
      for (const f of report.findings) assert.deepEqual(claimProblems(f), [], `${f.behavior}: ${f.claim}`);
      assert.deepEqual(
        report.session.sensors.map((s) => s.name),
        ["ebpf"],
      );
      assertNothingLeft(root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "lab --benign reports nothing",
  { skip: !hasStrace ? "strace is missing" : false, timeout: 120_000 },
  () => {
    const { dir, root, report } = runLab(["--duration", "8s", "--benign"]);
    try {
      assert.deepEqual(
        report.findings.map((f) => f.behavior),
        [],
      );
      assertNothingLeft(root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "lab --sensors procfs: what it could not see is in the report, not a silent miss",
  { timeout: 120_000 },
  () => {
    const { dir, report, stdout } = runLab(["--duration", "15s", "--sensors", "procfs"]);
    try {
      const found = new Set(report.findings.map((f) => f.behavior));
      assert.ok(found.has("external-binary-execution"), stdout);
      assert.ok(found.has("hidden-orphan-process"), stdout);
      const md = readFileSync(path.join(dir, "out", "report.md"), "utf8");
      assert.match(md, /Not observed/);
      assert.match(md, /procfs alone cannot see syscalls/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test(
  "the events of an IMD session show what IMD did, sensor by sensor",
  { skip: !hasStrace ? "strace is missing" : false, timeout: 120_000 },
  () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lab-e2e-"));
    try {
      const out = path.join(dir, "out");
      const root = path.join(dir, "root");
      const r = spawnSync(
        process.execPath,
        [BIN, "lab", "--out", out, "--root", root, "--duration", "15s", "--sensors", "ptrace,procfs"],
        { encoding: "utf8", timeout: 90_000 },
      );
      assert.equal(r.status, 0, r.stderr);
      type E = {
        kind: string;
        sensor: string;
        path?: string;
        to?: string;
        argv?: string[];
        address?: string;
        unixPath?: string;
        name?: string;
        from?: number;
      };
      const events = readSessionEvents<E>(out);
      const seen = (sensor: string, what: string, pred: (e: E) => boolean) =>
        assert.ok(
          events.some((e) => e.sensor === sensor && pred(e)),
          `${sensor} did not record ${what}`,
        );
      const conf = path.join(root, "etc/imd/imd.conf");
      seen("ptrace", "the config rewrite", (e) => e.kind === "rename" && e.to === conf);
      seen("ptrace", "the loopback connect", (e) => e.kind === "connect" && e.address === "127.0.0.1");
      seen(
        "ptrace",
        "the unix connect",
        (e) => e.kind === "connect" && e.unixPath === path.join(root, "run/imd-peer.sock"),
      );
      seen(
        "ptrace",
        "the credential cache write",
        (e) => e.kind === "open" && e.path === path.join(root, "tmp/.imd-credentials.cache"),
      );
      seen(
        "ptrace",
        "the orphan's rename",
        (e) => e.kind === "comm" && (e.name ?? "").startsWith("[kworker"),
      );
      for (const sensor of ["ptrace", "procfs"])
        seen(sensor, "a helper exec", (e) => e.kind === "exec" && (e.argv ?? []).includes("-c"));
      // Adopted before or after it renamed itself: either its launch or its new name.
      seen(
        "procfs",
        "the orphan",
        (e) =>
          (e.kind === "exec" &&
            (e.argv ?? []).some((a) => a.includes("watchdog") || a.startsWith("[kworker"))) ||
          (e.kind === "comm" && (e.name ?? "").startsWith("[kworker")),
      );
      seen("procfs", "the orphan's reparenting", (e) => e.kind === "reparent");
      assertNothingLeft(root);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
