import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
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
