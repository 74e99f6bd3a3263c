/**
 * One contract for every sensor: the same live workload, the same expected events. What a sensor
 * cannot see is listed here with the reason, so a miss is a documented blind spot, never silent.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, chmodSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import type { ShadowEvent } from "../../events/schema.js";
import { BIN } from "../../testing/imd-process.js";
import { createSensor, sensorNames } from "../index.js";
import { ORPHAN_TITLE, WORKLOAD_SCRIPT } from "./workload.js";
import { readSessionEvents } from "../../testing/session-files.js";

interface Env {
  dir: string;
  port: number;
  unixPath: string;
}

interface Expectation {
  name: string;
  match: (e: ShadowEvent, env: Env) => boolean;
  /** Sensors that cannot see this, and why. */
  blind?: Partial<Record<string, string>>;
}

const CONTRACT: Expectation[] = [
  // dash execs the last command of -c itself, so the long child is `sleep 0.5` for most of its life.
  {
    name: "exec of a child that lives 0.5 s",
    match: (e) => e.kind === "exec" && e.argv.join(" ").includes("sleep 0.5"),
  },
  {
    name: "exec of a child that lives 1 ms",
    match: (e) => e.kind === "exec" && e.path.endsWith("/true"),
    blind: { procfs: "lives between two scans (100 ms)" },
  },
  { name: "fork of a child", match: (e) => e.kind === "fork" && e.child > 0 },
  {
    name: "open for writing of a file held 0.5 s",
    match: (e, env) =>
      e.kind === "open" && e.path === path.join(env.dir, "held.txt") && e.flags.includes("O_WRONLY"),
  },
  {
    name: "write to a file",
    match: (e, env) => e.kind === "write" && e.path === path.join(env.dir, "held.txt") && e.bytes > 0,
    blind: { procfs: "no syscalls: sees the open fd, not the write" },
  },
  {
    name: "rename into place",
    match: (e, env) => e.kind === "rename" && e.to === path.join(env.dir, "final.txt"),
    blind: { procfs: "a rename leaves no fd or process to see" },
  },
  {
    name: "connect to a loopback TCP listener",
    match: (e, env) => e.kind === "connect" && e.address === "127.0.0.1" && e.port === env.port,
  },
  {
    name: "connect to a unix socket",
    match: (e, env) => e.kind === "connect" && e.unixPath === env.unixPath,
    blind: { procfs: "/proc/net/unix names only the listening side, not the client's peer" },
  },
  { name: "setsid by the detached grandchild", match: (e) => e.kind === "setsid" },
  {
    name: "the grandchild renames itself",
    match: (e) =>
      (e.kind === "comm" && e.name.startsWith(ORPHAN_TITLE.slice(0, 10))) ||
      (e.kind === "exec" && e.argv[0] === ORPHAN_TITLE),
  },
  {
    name: "the grandchild is reparented away from its launcher",
    // It may be found before it renames itself; nothing else in the workload is reparented.
    match: (e) => e.kind === "reparent",
    blind: {
      ptrace: "sees the launcher exit, not the kernel moving its child; the analysis infers it",
      ebpf: "sees the launcher exit, not the kernel moving its child; the analysis infers it",
    },
  },
  {
    name: "exit code of a child",
    match: (e) => e.kind === "exit" && e.code === 0 && e.pid !== undefined,
    blind: { procfs: "sees a process vanish, not its exit status" },
  },
];

async function listen(env: Env): Promise<net.Server[]> {
  const handler = (s: net.Socket) => s.on("error", () => undefined);
  const tcp = net.createServer(handler);
  const unix = net.createServer(handler);
  await new Promise<void>((r) => tcp.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => unix.listen(env.unixPath, r));
  env.port = (tcp.address() as net.AddressInfo).port;
  return [tcp, unix];
}

for (const name of sensorNames()) {
  const probe = await createSensor(name).probe();
  test(
    `sensor contract: ${name}`,
    { skip: probe.usable ? false : probe.reason, timeout: 60_000 },
    async (t) => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `contract-${name}-`));
      chmodSync(dir, 0o755);
      const env: Env = { dir, port: 0, unixPath: path.join(dir, "listener.sock") };
      const servers = await listen(env);
      try {
        const out = path.join(dir, "session");
        const r = spawnSync(
          process.execPath,
          [
            BIN,
            "observe",
            "--sensors",
            name,
            "--duration",
            "30s",
            "--out",
            out,
            "--",
            process.execPath,
            WORKLOAD_SCRIPT,
            "run",
            String(env.port),
            env.unixPath,
            dir,
          ],
          { encoding: "utf8", timeout: 50_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const events = readSessionEvents(out);
        for (const x of CONTRACT) {
          const blind = x.blind?.[name];
          const seen = events.some((e) => x.match(e, env));
          if (blind) {
            t.diagnostic(`${name} is blind to "${x.name}": ${blind}${seen ? " (seen anyway this run)" : ""}`);
            continue;
          }
          assert.ok(seen, `${name} did not see: ${x.name}`);
        }
      } finally {
        for (const s of servers) s.close();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}
