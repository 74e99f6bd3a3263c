/**
 * Small daemons written for the tests, each showing one behaviour in a different way than IMD
 * does, and a benign one that shows none; observed live. Then the same daemon traced by a plain
 * strace and analysed offline must give the findings the live run gives.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BIN } from "../src/testing/imd-process.js";

const DAEMONS = fileURLToPath(new URL("../../test/daemons/", import.meta.url));
const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], {
  encoding: "utf8",
}).stdout.trim();
const isRoot = process.geteuid?.() === 0;
const hasStrace = spawnSync("strace", ["-V"]).status === 0;

interface Report {
  findings: { behavior: string; evidence: { summary: string }[] }[];
}

/** `observe` of a daemon under `dir` (its --root), with the fast complete pair of sensors. */
function observeArgs(dir: string, out: string, duration: string, argv: string[]): string[] {
  return [
    BIN,
    "observe",
    "--sensors",
    "ptrace,procfs",
    "--duration",
    duration,
    "--root",
    dir,
    "--out",
    out,
    "--",
    ...argv,
  ];
}

function observe(dir: string, argv: string[], duration = "12s"): Report {
  const out = path.join(dir, `out-${Math.random().toString(36).slice(2, 8)}`);
  const r = spawnSync(process.execPath, observeArgs(dir, out, duration, argv), {
    encoding: "utf8",
    timeout: 60_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
}

const behaviors = (r: Report) => new Set(r.findings.map((f) => f.behavior));

/** Runs `body` in a fresh temp dir and removes it afterwards, whether `body` throws or rejects. */
async function withDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "daemon-"));
  chmodSync(dir, 0o755);
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const skip = !hasStrace ? "strace is missing" : false;

test(
  "sed -i rewriting a config (temp file + rename): config drift and, as root, a privileged write",
  { skip, timeout: 90_000 },
  () =>
    withDir((dir) => {
      const found = behaviors(observe(dir, ["/bin/sh", path.join(DAEMONS, "drift.sh"), dir]));
      assert.ok(found.has("config-file-modification"), [...found].join(", "));
      assert.equal(found.has("privileged-write-steady-state"), isRoot);
    }),
);

test(
  "classic daemonization (fork, setsid, fork) with a kernel-thread name: hidden orphan",
  { skip, timeout: 90_000 },
  () =>
    withDir((dir) => {
      const report = observe(dir, [PYTHON, path.join(DAEMONS, "detach.py")]);
      const orphan = report.findings.find((f) => f.behavior === "hidden-orphan-process");
      assert.ok(orphan, [...behaviors(report)].join(", "));
      assert.ok(
        orphan.evidence.some((e) => /session/.test(e.summary) && /kthreadd/.test(e.summary)),
        JSON.stringify(orphan.evidence),
      );
    }),
);

test(
  "a password cached in /dev/shm: plaintext secret in temp, value never in the report",
  { skip, timeout: 90_000 },
  () =>
    withDir((dir) => {
      const report = observe(dir, ["/bin/sh", path.join(DAEMONS, "leak.sh"), dir]);
      assert.ok(behaviors(report).has("plaintext-secret-in-temp"), [...behaviors(report)].join(", "));
      assert.ok(!/password=FAKE[0-9a-f]/.test(JSON.stringify(report)));
    }),
);

test("IPv6 loopback connections: internal socket connection", { skip, timeout: 90_000 }, async () => {
  const server = net.createServer((s) => s.on("error", () => undefined).end());
  await new Promise<void>((r) => server.listen(0, "::1", r));
  try {
    await withDir((dir) => {
      const report = observe(dir, [
        PYTHON,
        path.join(DAEMONS, "probe6.py"),
        String((server.address() as net.AddressInfo).port),
      ]);
      const f = report.findings.find((x) => x.behavior === "internal-socket-connection");
      assert.ok(
        f?.evidence.some((e) => e.summary.includes("[::1]")),
        JSON.stringify(report.findings.map((x) => x.behavior)),
      );
    });
  } finally {
    server.close();
  }
});

test(
  "a hook script read and run from a world-writable temp dir: mutable artifact, external execution",
  { skip, timeout: 90_000 },
  () =>
    withDir((dir) => {
      const hooks = path.join(dir, "tmp/hooks");
      mkdirSync(hooks, { recursive: true, mode: 0o777 });
      chmodSync(hooks, 0o777);
      writeFileSync(path.join(hooks, "hook.conf"), "enabled=1\n");
      writeFileSync(path.join(hooks, "run.sh"), ": hook\n");
      const found = behaviors(observe(dir, ["/bin/sh", path.join(DAEMONS, "hook.sh"), dir]));
      assert.ok(found.has("mutable-artifact-dependency"), [...found].join(", "));
      assert.ok(found.has("external-binary-execution"), [...found].join(", "));
    }),
);

test("failures silenced with 2>/dev/null and || : — silent failure", { skip, timeout: 90_000 }, () =>
  withDir((dir) => {
    const found = behaviors(observe(dir, ["/bin/sh", path.join(DAEMONS, "quiet.sh"), dir]));
    assert.ok(found.has("silent-failure-fallback"), [...found].join(", "));
  }),
);

test(
  "benign: an echo server driven only by irregular requests shows nothing",
  { skip, timeout: 90_000 },
  async () => {
    await withDir(async (dir) => {
      const port = 40_000 + Math.floor(Math.random() * 20_000);
      const out = path.join(dir, "out");
      const child = spawn(
        process.execPath,
        observeArgs(dir, out, "10s", [PYTHON, path.join(DAEMONS, "echo-server.py"), String(port)]),
        { stdio: "ignore" },
      );
      const exited = new Promise((r) => child.once("exit", r));
      for (const gap of [1500, 300, 1100, 200, 1700, 400]) {
        await new Promise((r) => setTimeout(r, gap));
        await new Promise<void>((resolve) => {
          const s = net.connect(port, "127.0.0.1", () => s.write("hello\n"));
          s.on("data", () => s.end());
          s.on("close", () => resolve());
          s.on("error", () => resolve());
        });
      }
      assert.equal(await exited, 0);
      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
      assert.deepEqual([...behaviors(report)], []);
    });
  },
);

test(
  "a strace log of the same daemon, analysed offline, gives the live run's findings",
  { skip, timeout: 120_000 },
  () =>
    withDir((dir) => {
      const live = behaviors(observe(dir, ["/bin/sh", path.join(DAEMONS, "drift.sh"), dir]));
      const log = path.join(dir, "drift.strace.log");
      const traced = spawnSync(
        "strace",
        ["-f", "-ttt", "-yy", "-s", "256", "-o", log, "/bin/sh", path.join(DAEMONS, "drift.sh"), dir],
        { timeout: 60_000 },
      );
      assert.equal(traced.status, 0);
      const out = path.join(dir, "offline");
      const r = spawnSync(process.execPath, [BIN, "analyze", log, "--root", dir, "--out", out], {
        encoding: "utf8",
      });
      assert.equal(r.status, 0, r.stderr);
      const offline = behaviors(JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report);
      assert.deepEqual([...offline].sort(), [...live].sort());
    }),
);

test(
  "a daemon launched by `ip netns exec` (root, in a netns it entered): its helpers are children without isolation, live and offline alike",
  { skip: skip || (!isRoot ? "needs root to create a network namespace" : false), timeout: 120_000 },
  () =>
    withDir((dir) => {
      const ns = `ss-test-${process.pid}`;
      assert.equal(spawnSync("ip", ["netns", "add", ns]).status, 0, "ip netns add");
      try {
        const helper = path.join(dir, "helper.sh");
        writeFileSync(helper, "#!/bin/sh\nid > /dev/null\n", { mode: 0o755 });
        const daemon = [
          "ip",
          "netns",
          "exec",
          ns,
          "/bin/sh",
          "-c",
          `for i in 1 2 3 4 5 6; do ${helper}; /usr/bin/uname -n > /dev/null; sleep 0.5; done`,
        ];
        const live = observe(dir, daemon, "6s");
        const log = path.join(dir, "netns.strace.log");
        const traced = spawnSync("strace", ["-f", "-ttt", "-yy", "-s", "256", "-o", log, ...daemon], {
          timeout: 60_000,
        });
        assert.equal(traced.status, 0, String(traced.stderr));
        const out = path.join(dir, "offline");
        const r = spawnSync(process.execPath, [BIN, "analyze", log, "--root", dir, "--out", out], {
          encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        const offline = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as Report;
        for (const [name, rep] of [
          ["live", live],
          ["offline", offline],
        ] as const) {
          const f = rep.findings.find((x) => x.behavior === "child-without-isolation");
          const cited = (f?.evidence ?? []).map((e) => e.summary).join("\n");
          // Live, a helper is cited when /proc was read before it ended: which of the loop's
          // helpers (helper.sh, its id, uname, sleep) that is depends on timing.
          assert.match(cited, /helper\.sh|uname|sleep|\/id /, `${name}: ${[...behaviors(rep)].join(", ")}`);
        }
        assert.deepEqual([...behaviors(offline)].sort(), [...behaviors(live)].sort());
      } finally {
        spawnSync("ip", ["netns", "del", ns]);
      }
    }),
);
