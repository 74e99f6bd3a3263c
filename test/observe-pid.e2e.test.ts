/**
 * `observe --pid` on a process that we started and that was running before the session: every
 * usable sensor records what it does, and the target comes out as it went in — alive, not
 * stopped, no longer traced, its CPU affinity unchanged. `--pid` never touches the target.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createSensor, sensorNames } from "../src/sensors/index.js";
import { BIN } from "../src/testing/imd-process.js";
import { readProc } from "../src/testing/processes.js";
import { readSessionEvents } from "../src/testing/session-files.js";

// A tick every 0.3 s: `sleep` is exec'd by the shell, so every sensor, procfs included, sees it.
const DAEMON = "while :; do sleep 0.3; done";

for (const name of sensorNames()) {
  const probe = await createSensor(name).probe();
  test(
    `observe --pid with ${name}: records the target's children and leaves the target untouched`,
    { skip: probe.usable ? false : probe.reason, timeout: 60_000 },
    async () => {
      const dir = mkdtempSync(path.join(os.tmpdir(), `observe-pid-${name}-`));
      // Its own process group, so that the end of the test stops its current `sleep` as well.
      const target = spawn("/bin/sh", ["-c", DAEMON], { stdio: "ignore", detached: true });
      const pid = target.pid!;
      try {
        await new Promise((r) => setTimeout(r, 300));
        const before = readProc(pid)!;
        const out = path.join(dir, "out");
        const r = spawnSync(
          process.execPath,
          [BIN, "observe", "--pid", String(pid), "--sensors", name, "--duration", "4s", "--out", out],
          { encoding: "utf8", timeout: 45_000 },
        );
        assert.equal(r.status, 0, r.stderr);
        const events = readSessionEvents(out);
        assert.ok(
          events.some((e) => e.kind === "exec" && e.path.endsWith("/sleep") && e.sensor === name),
          `${name} recorded no exec of the target's children`,
        );
        const after = readProc(pid);
        assert.ok(after, "the target is gone after observe --pid");
        assert.doesNotMatch(after.status.State!, /stopped|tracing stop/, "the target was left stopped");
        assert.equal(after.status.TracerPid, "0", "the target is still traced");
        assert.equal(after.status.Cpus_allowed_list, before.status.Cpus_allowed_list, "its affinity changed");
        assert.ok(existsReport(out), "no report was written");
      } finally {
        process.kill(-pid, "SIGKILL");
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
}

function existsReport(out: string): boolean {
  try {
    return (
      JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as { schema: string }
    ).schema.startsWith("shadow-signals/report@");
  } catch {
    return false;
  }
}
