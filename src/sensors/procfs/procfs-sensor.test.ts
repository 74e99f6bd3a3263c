import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import net from "node:net";
import path from "node:path";
import type { RawEvent } from "../../events/schema.js";
import { TreeSet } from "../../session/tree.js";
import { ProcfsSensor } from "./procfs-sensor.js";
import watchDirs from "../../data/procfs-watch-dirs.json" with { type: "json" };

/** Starts the sensor on the tree of `pid`, its events dropped. */
const startOn = (sensor: ProcfsSensor, pid: number, workDir: string) =>
  sensor.start({ tree: new TreeSet(pid), emit: () => undefined, workDir, onFailure: () => undefined });

test("a busy /tmp does not make the poller rescan /proc in a loop", async () => {
  const target = spawn("sleep", ["30"], { stdio: "ignore" });
  const dir = mkdtempSync(path.join(os.tmpdir(), "busy-tmp-"));
  const sensor = new ProcfsSensor();
  try {
    await startOn(sensor, target.pid!, dir);
    // A storm of inotify events in /tmp for one second: thousands of writes.
    const before = sensor.scans;
    const end = Date.now() + 1000;
    let writes = 0;
    while (Date.now() < end) {
      // Directly in /tmp: inotify watches /tmp itself, not the dirs below it.
      writeFileSync(path.join(os.tmpdir(), `.busy-tmp-${process.pid}-${writes % 20}`), "x");
      writes++;
      if (writes % 10 === 0) await new Promise((r) => setImmediate(r));
    }
    await new Promise((r) => setTimeout(r, 100));
    const scans = sensor.scans - before;
    assert.ok(writes > 1000, `only ${writes} writes`);
    // 10 polls a second, plus at most one inotify rescan every 25 ms.
    assert.ok(scans <= 60, `${scans} scans in about 1.1 s under ${writes} writes`);
  } finally {
    await sensor.stop();
    target.kill();
    rmSync(dir, { recursive: true, force: true });
    for (let i = 0; i < 20; i++)
      rmSync(path.join(os.tmpdir(), `.busy-tmp-${process.pid}-${i}`), { force: true });
  }
});

test("a scan reads the stat of the observed processes, not of every process on the machine again", async () => {
  const target = spawn("sleep", ["30"], { stdio: "ignore" });
  // Other processes, not ours: they stay listed in /proc from scan to scan.
  const others = Array.from({ length: 20 }, () => spawn("sleep", ["30"], { stdio: "ignore" }));
  const dir = mkdtempSync(path.join(os.tmpdir(), "procfs-scan-"));
  const sensor = new ProcfsSensor(60_000); // scans only when asked
  try {
    await startOn(sensor, target.pid!, dir);
    sensor.scan(); // the first scans classify everything listed
    const before = sensor.statReads;
    for (let i = 0; i < 10; i++) sensor.scan();
    const perScan = (sensor.statReads - before) / 10;
    // The target (and a process born meanwhile somewhere on the machine), not the 20 others.
    assert.ok(perScan < 5, `${perScan} stat reads a scan`);
  } finally {
    await sensor.stop();
    target.kill();
    for (const o of others) o.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("inotify watches only write-heavy dirs: a watch taxes every open, read and close in its dir", () => {
  // Measured: a loop reading /etc/hostname ran 7-8% slower with /etc watched (bench/README.md).
  for (const readMostly of ["etc", "usr", "lib", "bin", "opt", "home"])
    assert.ok(!watchDirs.dirs.includes(readMostly), `${readMostly} is watched`);
  assert.ok(watchDirs.dirs.includes("tmp"));
});

test("a connection the target accepted is an accept, one it made is a connect", async () => {
  // The test's own listener, for the target to dial out to.
  const outside = net.createServer((s) => s.on("error", () => undefined));
  await new Promise<void>((r) => outside.listen(0, "127.0.0.1", r));
  const outsidePort = (outside.address() as net.AddressInfo).port;
  const script = `
    const net = require("node:net");
    const held = [];
    const srv = net.createServer((s) => { held.push(s); console.log("accepted"); });
    srv.listen(0, "127.0.0.1", () => {
      held.push(net.connect(${outsidePort}, "127.0.0.1", () => console.log("port " + srv.address().port)));
    });
    setTimeout(() => process.exit(0), 20000);`;
  const target = spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "ignore"] });
  let out = "";
  target.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  const waitFor = async (re: RegExp) => {
    for (let i = 0; i < 200 && !re.test(out); i++) await new Promise((r) => setTimeout(r, 25));
    return re.exec(out);
  };
  const dir = mkdtempSync(path.join(os.tmpdir(), "procfs-accept-"));
  const events: RawEvent[] = [];
  const sensor = new ProcfsSensor(60_000); // scans only when asked
  let client: net.Socket | undefined;
  try {
    const port = Number((await waitFor(/port (\d+)/))?.[1]);
    assert.ok(port > 0, `the target did not listen: ${out}`);
    await sensor.start({
      tree: new TreeSet(target.pid!),
      emit: (e) => events.push(e),
      workDir: dir,
      onFailure: () => undefined,
    });
    client = net.connect(port, "127.0.0.1");
    await waitFor(/accepted/);
    const clientPort = client.localPort;
    sensor.scan();
    const sockets = events.filter((e) => e.kind === "connect" || e.kind === "accept") as (RawEvent & {
      port?: number;
    })[];
    assert.deepEqual(
      sockets.map((e) => `${e.kind} ${e.port}`).sort(),
      [`accept ${clientPort}`, `connect ${outsidePort}`].sort(),
    );
  } finally {
    client?.destroy();
    await sensor.stop();
    target.kill();
    outside.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
