import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importAndAnalyze } from "../pipeline/analyze-session.js";
import { readSurface } from "../harden/surface.js";
import { openSession } from "../session/session-reader.js";
import { VALUE_CLASSES, classOfEvent, classesOfSurface, setChange, type ValueSets } from "./value-classes.js";

const LOGS = [
  "../../../test/fixtures/cron-root-job.strace.log",
  "../../../src/sensors/ptrace/fixtures/shell-workload.strace.log",
];

for (const log of LOGS)
  test(`a session's classes and its events' classes, one by one, agree (${path.basename(log)})`, async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "value-classes-"));
    try {
      const out = path.join(dir, "s");
      mkdirSync(out, { mode: 0o700 });
      await importAndAnalyze(fileURLToPath(new URL(log, import.meta.url)), out, () => undefined);
      const whole = classesOfSurface(await readSurface([out], () => undefined));
      const live: ValueSets = { executables: new Set(), written: new Set(), peers: new Set() };
      await openSession(out).events(
        (e) => {
          for (const { cls, value } of classOfEvent(e)) live[cls].add(value);
        },
        () => undefined,
      );
      for (const cls of VALUE_CLASSES)
        assert.deepEqual(setChange(whole[cls], live[cls]), { added: [], removed: [] }, cls);
      assert.ok(whole.executables.size > 0 && whole.written.size > 0, "the log runs and writes something");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

test("setChange: what was added and what removed, sorted", () => {
  assert.deepEqual(setChange(new Set(["b", "a", "c"]), new Set(["d", "a", "0"])), {
    added: ["0", "d"],
    removed: ["b", "c"],
  });
});
