import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { startPeerService } from "./peer-service.js";
import { WATCHDOG_TITLE } from "./watchdog.js";
import { startImd, BIN } from "../../testing/imd-process.js";
import { allPids, namespaces, readProc, sleep, waitFor } from "../../testing/processes.js";

const isRoot = process.geteuid?.() === 0;
const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;
const sha = (file: string) => createHash("sha256").update(readFileSync(file)).digest("hex");

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "imd-test-"));
  chmodSync(dir, 0o755);
  return dir;
}

function writeConfig(dir: string, extra = ""): string {
  const file = path.join(dir, "test.conf");
  writeFileSync(
    file,
    `tick_ms = 300\njitter = 0.1\npause_every = 0\nconnect_every = 1\npeer_port = ${port}\npeer_socket = /peer.sock\n${extra}`,
  );
  return file;
}

let port = 0;
async function withPeer<T>(
  root: string,
  body: (counts: { tcp: number; unix: number }) => Promise<T>,
): Promise<T> {
  port = 40_000 + Math.floor(Math.random() * 20_000);
  const counts = { tcp: 0, unix: 0 };
  const servers = await startPeerService(port, path.join(root, "peer.sock"));
  chmodSync(path.join(root, "peer.sock"), 0o666); // reachable by an unprivileged IMD too
  servers[0]!.on("connection", () => counts.tcp++);
  servers[1]!.on("connection", () => counts.unix++);
  try {
    return await body(counts);
  } finally {
    for (const s of servers) s.close();
  }
}

/** Collects IMD's children as /proc shows them, sampling fast for `ms`. */
async function sampleChildren(imdPid: number, ms: number) {
  const seen = new Map<number, NonNullable<ReturnType<typeof readProc>> & { ns: Record<string, string> }>();
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const pid of allPids()) {
      if (seen.has(pid)) continue;
      const info = readProc(pid);
      if (info && info.ppid === imdPid) seen.set(pid, { ...info, ns: namespaces(pid) });
    }
    await sleep(5);
  }
  return [...seen.values()];
}

/**
 * Watchdog orphans running before this file's tests: another IMD's (a lab someone runs on this
 * host), never ours. Without this, a lab running beside the tests failed three of them.
 */
const othersOrphans = new Set(allPids().filter((pid) => readProc(pid)?.cmdline[0] === WATCHDOG_TITLE));

/** The orphan of the IMD under test. */
function findOrphan(): ReturnType<typeof readProc> {
  for (const pid of allPids()) {
    if (othersOrphans.has(pid)) continue;
    const info = readProc(pid);
    if (info && info.cmdline[0] === WATCHDOG_TITLE) return info;
  }
  return undefined;
}

async function exerciseFullImd(user?: string) {
  const dir = tempDir();
  if (user) chmodSync(dir, 0o777); // the unprivileged IMD makes its root and truth file here
  const root = path.join(dir, "root");
  try {
    await withPeer(dir, async (counts) => {
      const config = writeConfig(dir, `peer_socket = ${path.join("..", "peer.sock")}\n`);
      const imd = await startImd(
        ["--root", root, "--config", config, "--ground-truth", path.join(dir, "truth.json")],
        user ? { user } : {},
      );
      try {
        const conf = path.join(root, "etc/imd/imd.conf");
        const firstHash = sha(conf);
        const children = await sampleChildren(imd.pid, 2500);
        const self = readProc(imd.pid)!;

        // 2. config drift: the config's content changes with nobody touching it
        assert.notEqual(sha(conf), firstHash, "config file was not rewritten");
        assert.match(readFileSync(conf, "utf8"), /generation = [2-9]/);

        // 3 + 7. helpers run with IMD's own uid, caps and namespaces; a shell with -c
        const shell = children.find((c) => c.cmdline[0] === "/bin/sh" && c.cmdline[1] === "-c");
        assert.ok(shell, `no 'sh -c' helper among ${children.map((c) => c.cmdline.join(" ")).join(" | ")}`);
        for (const field of ["Uid", "Gid", "CapEff", "CapBnd", "NoNewPrivs", "Seccomp"]) {
          assert.equal(shell.status[field], self.status[field], `helper ${field} differs`);
        }
        assert.deepEqual(shell.ns, namespaces(imd.pid));

        // 4. the orphan: detached (own session), not IMD's child, named like a kernel thread
        const orphan = await waitFor("the watchdog orphan", findOrphan);
        assert.notEqual(orphan.ppid, imd.pid);
        assert.equal(orphan.sid, orphan.pid, "orphan did not call setsid");
        assert.match(orphan.comm, /^\[kworker/);
        assert.equal(path.basename(orphan.exe ?? "node"), path.basename(process.execPath));

        // 5. loopback TCP and unix-socket connections reached the peer
        await waitFor("peer connections", () => counts.tcp > 0 && counts.unix > 0);

        // 6. plugin in a world-writable temp dir, executed: rewrite it and watch it run
        const pluginDir = path.join(root, "tmp/imd-plugins");
        assert.equal(statSync(pluginDir).mode & 0o777, 0o777);
        const marker = path.join(root, "tmp/plugin-ran");
        writeFileSync(path.join(pluginDir, "refresh.sh"), `#!/bin/sh\ntouch ${marker}\n`);
        await waitFor("the plugin script to run", () => existsSync(marker));
        rmSync(marker);

        // 8. fake credentials in plaintext, mode 0644
        const cache = path.join(root, "tmp/.imd-credentials.cache");
        assert.equal(statSync(cache).mode & 0o777, 0o644);
        assert.match(readFileSync(cache, "utf8"), /db_password=FAKE-/);

        // 9. silent: the log holds the start-up line only, while IMD stays alive
        const log = readFileSync(path.join(root, "var/log/imd/imd.log"), "utf8").trim().split("\n");
        assert.equal(log.length, 1, "IMD logged something after start-up");
        assert.ok(readProc(imd.pid), "IMD died");

        assert.equal(await imd.stop(), 0);
        // nothing IMD created is left: no file, no process
        assert.equal(existsSync(root), false, "IMD left its root behind");
        await waitFor("the orphan to go", () => findOrphan() === undefined, 3000);
        const truth = JSON.parse(readFileSync(path.join(dir, "truth.json"), "utf8")) as {
          entries: { behavior: string }[];
        };
        const behaviors = new Set(truth.entries.map((e) => e.behavior));
        for (const b of [
          "config-file-modification",
          "child-without-isolation",
          "hidden-orphan-process",
          "internal-socket-connection",
          "mutable-artifact-dependency",
          "external-binary-execution",
          "plaintext-secret-in-temp",
          "silent-failure-fallback",
          "periodic-autonomous-activity",
        ]) {
          assert.ok(behaviors.has(b), `ground truth lacks ${b}`);
        }
        assert.equal(behaviors.has("privileged-write-steady-state"), !user && isRoot);
      } finally {
        await imd.stop();
      }
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("IMD shows every behaviour, then removes all it created", async () => {
  await exerciseFullImd();
});

test(
  "IMD as an unprivileged user",
  { skip: !isRoot ? "needs root to switch to user nobody" : !hasSetpriv ? "setpriv is missing" : false },
  async () => {
    await exerciseFullImd("nobody");
  },
);

test("IMD --benign shows none of the behaviours", async () => {
  const dir = tempDir();
  const root = path.join(dir, "root");
  try {
    const imd = await startImd(["--benign", "--root", root, "--config", writeConfig(dir)]);
    try {
      const conf = path.join(root, "etc/imd/imd.conf");
      const before = sha(conf);
      const listen = /listen=127\.0\.0\.1:(\d+)/.exec(imd.readyLine);
      assert.ok(listen, imd.readyLine);
      const children = await sampleChildren(imd.pid, 1500);
      assert.deepEqual(
        children.map((c) => c.cmdline.join(" ")),
        [],
      );
      assert.equal(sha(conf), before);
      assert.equal(existsSync(path.join(root, "tmp")), false, "benign IMD wrote temp files");
      assert.equal(findOrphan(), undefined);
      const reply = spawnSync(process.execPath, [
        "-e",
        `const s=require("net").connect(${listen[1]},"127.0.0.1",()=>s.write("PING\\n"));s.on("data",d=>{process.stdout.write(d);s.end()})`,
      ]);
      assert.equal(reply.stdout.toString(), "PONG\n");
      assert.equal(await imd.stop(), 0);
      assert.equal(existsSync(root), false);
    } finally {
      await imd.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a malformed or unreadable config: one line naming file and line, exit 1, nothing left", () => {
  const dir = tempDir();
  try {
    const bad = path.join(dir, "bad.conf");
    writeFileSync(bad, "tick_ms = 300\nthis line is wrong\n");
    const root = path.join(dir, "root");
    const r = spawnSync(process.execPath, [BIN, "imd", "--root", root, "--config", bad], {
      encoding: "utf8",
    });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim().split("\n").length, 1);
    assert.match(r.stderr, new RegExp(`${bad}:2: expected 'key = value'`));
    assert.equal(existsSync(root), false);

    const missing = spawnSync(
      process.execPath,
      [BIN, "imd", "--root", root, "--config", path.join(dir, "nope.conf")],
      { encoding: "utf8" },
    );
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /nope\.conf: cannot read config: ENOENT/);

    const usage = spawnSync(process.execPath, [BIN, "imd", "--frobnicate"], { encoding: "utf8" });
    assert.equal(usage.status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
