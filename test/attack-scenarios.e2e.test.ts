/**
 * What public attack-simulation suites do on Linux, written as small daemons of our own (one
 * script each under test/daemons/scenarios/, whose header names what must and must not be found),
 * observed live with every sensor, as a detection engineer tests a sensor. Two benign controls
 * must give no false finding. Each test reports which sensor saw what, for the closing note.
 */
import { describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { filesUnder, hasStrace, isRoot, runCliAsync, withTmpDir } from "../src/testing/cli.js";

const SCENARIOS = fileURLToPath(new URL("../../test/daemons/scenarios/", import.meta.url));
const PYTHON = realpathSync(
  spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout.trim(),
);
// Assembled at run time: no secret-looking literal in the repository.
const FAKE_TOKEN = ["FAKE", "tok", "9q8w7e6r5t"].join("-");

interface Report {
  findings: { behavior: string; sensors: string[]; evidence: { summary: string; sensor: string }[] }[];
}

interface Scenario {
  script: string;
  must: string[];
  mustNot: string[];
  /** Prepares the scenario in its dir; returns the script's extra arguments and what to undo. */
  setup?: (dir: string) => Promise<{ args: string[]; wrap?: string[]; stop?: () => void }>;
}

const ALWAYS_NOT = ["plaintext-secret-in-temp"];
const scenarios: Scenario[] = [
  {
    script: "cron-drop.sh",
    must: ["privileged-write-steady-state", "config-file-modification"],
    mustNot: [...ALWAYS_NOT, "hidden-orphan-process"],
  },
  {
    script: "initd-append.sh",
    must: ["privileged-write-steady-state", "config-file-modification"],
    mustNot: [...ALWAYS_NOT, "mutable-artifact-dependency"],
  },
  {
    script: "ld-preload.sh",
    must: ["mutable-artifact-dependency", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "hidden-orphan-process"],
    setup: async (dir) => {
      const lib = path.join(dir, "build-libsys.so");
      const cc = spawnSync("cc", ["-shared", "-fPIC", "-o", lib, path.join(SCENARIOS, "hook.c")]);
      assert.equal(cc.status, 0, String(cc.stderr));
      return { args: [lib] };
    },
  },
  {
    script: "shell-copy.sh",
    must: ["mutable-artifact-dependency", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "config-file-modification"],
  },
  {
    script: "hidden-dir.sh",
    must: ["mutable-artifact-dependency", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "privileged-write-steady-state"],
  },
  {
    script: "history-loot.sh",
    must: ["plaintext-secret-in-temp"],
    mustNot: ["mutable-artifact-dependency", "config-file-modification"],
    setup: async (dir) => {
      mkdirSync(path.join(dir, "root"));
      writeFileSync(
        path.join(dir, "root", ".bash_history"),
        `ls -la\nexport API_TOKEN=${FAKE_TOKEN}\ncd /srv\nmysql -u app --password=${FAKE_TOKEN}x\n`,
        { mode: 0o600 },
      );
      return { args: [] };
    },
  },
  {
    script: "fetch-run.sh",
    must: ["internal-socket-connection", "mutable-artifact-dependency", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "config-file-modification"],
    setup: async () => {
      const server = http.createServer((_req, res) => res.end("#!/bin/sh\nid > /dev/null\n"));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as AddressInfo;
      return { args: [`http://127.0.0.1:${port}/update.sh`], stop: () => server.close() };
    },
  },
  {
    script: "enoexec.sh",
    must: ["silent-failure-fallback", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "hidden-orphan-process"],
  },
  {
    script: "symlink-masquerade.sh",
    must: ["hidden-orphan-process", "external-binary-execution"],
    mustNot: [...ALWAYS_NOT, "config-file-modification"],
    setup: async () => ({ args: [PYTHON] }),
  },
  {
    script: "shadow-reader.sh",
    must: [],
    mustNot: [
      ...ALWAYS_NOT,
      "periodic-autonomous-activity",
      "privileged-write-steady-state",
      "config-file-modification",
      "mutable-artifact-dependency",
      "hidden-orphan-process",
      "silent-failure-fallback",
    ],
    setup: async (dir) => {
      const fifo = path.join(dir, "requests");
      assert.equal(spawnSync("mkfifo", ["-m", "600", fifo]).status, 0);
      // Requests at irregular times, from outside the observed tree.
      const client = spawn(
        "/bin/sh",
        ["-c", `sleep 2; echo a > ${fifo}; sleep 1.1; echo b > ${fifo}; sleep 2.4; echo c > ${fifo}`],
        { stdio: "ignore" },
      );
      return { args: [fifo], stop: () => client.kill("SIGKILL") };
    },
  },
  {
    script: "private-writer.sh",
    must: [],
    mustNot: [
      ...ALWAYS_NOT,
      "privileged-write-steady-state",
      "config-file-modification",
      "mutable-artifact-dependency",
      "periodic-autonomous-activity",
      "child-without-isolation",
      "silent-failure-fallback",
    ],
    setup: async (dir) => {
      const own = path.join(dir, "home", "writer");
      mkdirSync(own, { recursive: true });
      chownSync(own, 65534, 65534);
      chmodSync(own, 0o700);
      return {
        args: [own],
        wrap: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"],
      };
    },
  },
];

/** Which sensors' events back each finding: "behavior: ebpf, ptrace". */
function bySensor(r: Report): string {
  return r.findings.map((f) => `${f.behavior}: ${[...f.sensors].sort().join(", ")}`).join("; ");
}

async function run(t: TestContext, s: Scenario): Promise<void> {
  await withTmpDir("scenario-", async (dir) => {
    chmodSync(dir, 0o755);
    const prepared = (await s.setup?.(dir)) ?? { args: [] };
    try {
      const out = path.join(dir, "out");
      const target = [
        ...(prepared.wrap ?? []),
        "/bin/sh",
        path.join(SCENARIOS, s.script),
        dir,
        ...prepared.args,
      ];
      const r = await runCliAsync([
        "observe",
        "--duration",
        "9",
        "--root",
        dir,
        "--out",
        out,
        "--",
        ...target,
      ]);
      assert.equal(r.status, 0, r.stderr);
      const rep = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
      const found = new Set(rep.findings.map((f) => f.behavior));
      t.diagnostic(`${s.script}: ${bySensor(rep) || "no finding"}`);
      for (const b of s.must) assert.ok(found.has(b), `${s.script}: missing ${b}; found ${bySensor(rep)}`);
      for (const b of s.mustNot)
        assert.ok(
          !found.has(b),
          `${s.script}: ${b} should not be reported: ${JSON.stringify(rep.findings.find((f) => f.behavior === b)?.evidence)}`,
        );
      for (const f of filesUnder(out))
        assert.ok(!f.text.includes(FAKE_TOKEN), `${f.file} holds a fake token`);
    } finally {
      prepared.stop?.();
    }
  });
}

const skip = !isRoot
  ? "needs root (the scenarios act as a root daemon)"
  : !hasStrace
    ? "strace is missing"
    : false;

describe("attack-simulation scenarios, observed live with every sensor", { concurrency: 2 }, () => {
  for (const s of scenarios) test(s.script, { skip, timeout: 90_000 }, (t) => run(t, s));
});
