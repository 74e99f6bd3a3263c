/**
 * pid_max wrapping over a day-long session, simulated by its events (setting pid_max on a shared
 * host would disturb everything else on it): a job forked every minute ends, and the kernel gives
 * its pid to a later job. session.db keeps each process, the report counts them all, and the
 * analysis gives each event the process that had its pid at the time.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RawEvent } from "../events/schema.js";
import { Analyzer } from "../analysis/analyzer.js";
import { analysisContext } from "../testing/analysis-context.js";
import { readSessionEvents } from "../testing/session-files.js";
import { Recorder } from "./recorder.js";
import { readSessionDb } from "./session-db.js";

test("a pid reused by the kernel: two processes in session.db, the newest one the pid's, neither's end the other's", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "pid-reuse-"));
  try {
    const recorder = new Recorder(dir, { kind: "command", label: "d", argv: ["d"] }, false);
    const base = { pid: 300, comm: "d", sensor: "ebpf" } as const;
    const events: RawEvent[] = [
      { ...base, kind: "fork", ts: 1000, child: 301 },
      {
        ...base,
        pid: 301,
        comm: "backup",
        kind: "exec",
        ts: 1001,
        path: "/usr/bin/backup",
        argv: ["backup"],
      },
      { ...base, pid: 301, comm: "backup", kind: "exit", ts: 1500, code: 0 },
      // 61 s later pid_max has wrapped: 301 is another job.
      { ...base, kind: "fork", ts: 62_000, child: 301 },
      { ...base, pid: 301, comm: "curl", kind: "exec", ts: 62_001, path: "/usr/bin/curl", argv: ["curl"] },
    ];
    for (const e of events) recorder.emit(e);
    recorder.flush();
    recorder.finish([]);
    const meta = readSessionDb(path.join(dir, "session.db"));
    const now = meta.processes.get(301);
    assert.equal(now?.gen, 1);
    assert.equal(now?.comm, "curl");
    assert.equal(now?.started, 62_000);
    assert.equal(now?.ended, undefined, "the running job took the old job's end");
    assert.equal(meta.earlierGenerations.length, 1);
    const old = meta.earlierGenerations[0]!;
    assert.deepEqual(
      [old.pid, old.comm, old.started, old.ended, old.exitCode],
      [301, "backup", 1000, 1500, 0],
    );

    // The analysis reads the events in time order: each one's pid names the process of its time.
    const ctx = analysisContext({ rootPid: 300, processes: meta.processes });
    const analyzer = new Analyzer(ctx, meta.earlierGenerations);
    const seen: string[] = [];
    for (const e of readSessionEvents(dir)) {
      analyzer.observe(e);
      seen.push(`${e.kind}:${ctx.processes.get(301)?.comm}`);
    }
    assert.deepEqual(seen, ["fork:backup", "exec:backup", "exit:backup", "fork:curl", "exec:curl"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
