import { test } from "node:test";
import assert from "node:assert/strict";
import {
  appendFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  truncateSync,
  statSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importAndAnalyze } from "../pipeline/analyze-session.js";
import Database from "better-sqlite3";
import { SessionStore } from "../session/store.js";
import { loadBaseline } from "./baseline.js";

const LOG = fileURLToPath(
  new URL("../../../src/sensors/ptrace/fixtures/shell-workload.strace.log", import.meta.url),
);

/** A session dir made from a recorded strace log, in a temp dir removed after `body`. */
async function withSession(body: (dir: string) => Promise<void>): Promise<void> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "baseline-"));
  try {
    const dir = path.join(tmp, "s");
    mkdirSync(dir, { mode: 0o700 });
    await importAndAnalyze(LOG, dir, () => undefined);
    await body(dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

test("a baseline: its classes, its behaviours, the census of a full strace capture", () =>
  withSession(async (dir) => {
    const b = await loadBaseline([dir]);
    assert.equal(b.label, LOG);
    assert.ok(b.classes.executables.size > 0 && b.writtenNames.size > 0);
    assert.ok(b.syscalls?.has("execve"), "a full capture counts every syscall");
  }));

test("unfit baselines are usage errors naming the dir", async () => {
  await assert.rejects(loadBaseline([]), /give at least one session dir/);
  await assert.rejects(
    loadBaseline(["/nonexistent/base"]),
    /--baseline \/nonexistent\/base: no such session dir/,
  );
  await assert.rejects(loadBaseline([os.tmpdir()]), /not a session dir \(no session.db\)/);
  for (const [what, spoil, error] of [
    [
      "a newer report schema",
      (d: string) => {
        const f = path.join(d, "report.json");
        writeFileSync(
          f,
          readFileSync(f, "utf8").replace("shadow-signals/report@1", "shadow-signals/report@2"),
        );
      },
      /report schema "shadow-signals\/report@2" is not shadow-signals\/report@1/,
    ],
    [
      "a corrupt report",
      (d: string) => writeFileSync(path.join(d, "report.json"), "{ not json"),
      /corrupt report.json/,
    ],
    [
      "a truncated event log",
      (d: string) => {
        const f = path.join(d, "events.jsonl");
        truncateSync(f, statSync(f).size - 40);
        appendFileSync(f, "\n");
      },
      /corrupt: /,
    ],
    [
      "a corrupt database",
      (d: string) => writeFileSync(path.join(d, "session.db"), "garbage".repeat(200)),
      /corrupt: /,
    ],
    [
      "a session cut short",
      (d: string) => {
        // A live session whose recorder never finished: no "ended".
        SessionStore.update(path.join(d, "session.db"), (s) =>
          s.setMeta("target", { kind: "command", label: "x" }),
        );
        const db = new Database(path.join(d, "session.db"));
        db.prepare("DELETE FROM meta WHERE key = 'ended'").run();
        db.close();
      },
      /was cut short/,
    ],
  ] as const)
    await withSession(async (dir) => {
      spoil(dir);
      await assert.rejects(
        loadBaseline([dir]),
        (err: Error) => {
          assert.equal(err.name, "UsageError", what);
          assert.match(err.message, error, what);
          assert.ok(err.message.includes(dir), `${what}: names the dir`);
          assert.ok(!err.message.includes("\n"), `${what}: one line`);
          return true;
        },
        what,
      );
    });
});
