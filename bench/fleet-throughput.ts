/**
 * The fleet's throughput, end to end on this machine: a real `nats-server -js` on loopback, the
 * Publisher sending an events.jsonl of N synthetic events (as `observe --publish` does), and a
 * `collect` process rebuilding it at the same time (the two share the 2 cores with the server).
 * Reports events/s published (all acknowledged by JetStream) and events/s end to end (the
 * collector's copy complete, synced and recorded), and checks the copy is byte-identical.
 * Usage: node dist/bench/fleet-throughput.js [N=1000000]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { Publisher } from "../src/fleet/publisher.js";
import { SessionStore } from "../src/session/store.js";
import { BIN } from "../src/testing/imd-process.js";
import { NatsServer } from "../src/testing/nats-server.js";
import { sleepUnless } from "../src/util/sleep.js";
import { writeSyntheticEvents } from "./synthetic-events.js";

const n = Number(process.argv[2] ?? 1_000_000);
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-fleet-"));
const server = new NatsServer();
try {
  await server.start();
  const events = path.join(dir, "events.jsonl");
  writeSyntheticEvents(events, n);
  const bytes = statSync(events).size;
  const db = path.join(dir, "session.db");
  SessionStore.create(db).close();
  const out = path.join(dir, "collected");
  const collector = spawn(
    process.execPath,
    [BIN, "collect", "--from", server.url, "--out", out, "--idle-exit", "2s"],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let log = "";
  collector.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  while (!/collecting from/.test(log)) await sleepUnless(50);

  const publisher = new Publisher({ url: server.url }, "bench", "s1", events, 1 << 40, () => undefined);
  const t0 = performance.now();
  publisher.begin({
    host: "bench",
    session: "s1",
    target: { kind: "command", label: "bench" },
    started: 0,
    released: 0,
    rootPid: 1,
    sensors: [],
    durationMs: 0,
  });
  await publisher.drain(600_000);
  const tPublished = performance.now();
  const stats = await publisher.finish(db, 60_000);
  // The collector's copy is complete when collect.db covers every byte.
  let tCollected = 0;
  for (;;) {
    try {
      const state = new Database(path.join(out, "collect.db"), { readonly: true });
      const row = state.prepare("SELECT sum(length) AS n FROM ranges").get() as { n: number | null };
      state.close();
      if ((row.n ?? 0) >= bytes) {
        tCollected = performance.now();
        break;
      }
    } catch {
      /* not made yet */
    }
    await sleepUnless(20);
  }
  await new Promise((r) => collector.once("exit", r));
  const [session] = readdirSync(path.join(out, "bench"));
  const same = readFileSync(path.join(out, "bench", session!, "events.jsonl")).equals(readFileSync(events));
  const pub = (tPublished - t0) / 1000;
  const e2e = (tCollected - t0) / 1000;
  console.log(
    `events: ${n} (${(bytes / 1048576).toFixed(0)} MiB)  sent: ${stats.sentEvents}  copy identical: ${same}`,
  );
  console.log(
    `published (acknowledged by JetStream): ${Math.round(n / pub).toLocaleString("en")} events/s (${(bytes / 1048576 / pub).toFixed(0)} MiB/s)`,
  );
  console.log(
    `end to end (collector's copy complete): ${Math.round(n / e2e).toLocaleString("en")} events/s in ${e2e.toFixed(2)} s`,
  );
} finally {
  await server.dispose();
  rmSync(dir, { recursive: true, force: true });
}
