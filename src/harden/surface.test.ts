import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { RawEvent } from "../events/schema.js";
import { Recorder, type SensorSummary } from "../session/recorder.js";
import { readSurface } from "./surface.js";

const sensor = (name: string, status = "stopped"): SensorSummary => ({
  name,
  status,
  reason: "",
  events: 0,
  dropped: 0,
  errors: 0,
});

/** A live session of `events` as the recorder writes it, in the order given (arrival order). */
async function tmpNotCreated(events: RawEvent[], sensors: SensorSummary[]): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "surface-"));
  try {
    const recorder = new Recorder(dir, { kind: "command", label: "d", argv: ["d"] }, true);
    for (const e of events) recorder.emit(e);
    recorder.flush();
    recorder.finish(sensors);
    const s = await readSurface([dir], () => undefined);
    return [...s.tmpNotCreated].sort();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = { pid: 300, comm: "d" } as const;
const create = (ts: number, p: string): RawEvent => ({
  ...base,
  sensor: "ebpf",
  kind: "open",
  ts,
  path: p,
  flags: ["O_WRONLY", "O_CREAT", "O_TRUNC"],
  fd: 5,
});
/** What procfs reports of an fd it found open between two scans: no O_CREAT, a later time. */
const inferred = (ts: number, p: string, fd = 5): RawEvent => ({
  ...base,
  sensor: "procfs",
  inferred: true,
  kind: "open",
  ts,
  path: p,
  flags: ["O_WRONLY"],
  fd,
});
const read = (ts: number, p: string): RawEvent => ({
  ...base,
  sensor: "ebpf",
  kind: "open",
  ts,
  path: p,
  flags: ["O_RDONLY"],
  fd: 6,
});

test("a temp file procfs reports before the syscall sensor's creation of it arrives is the tree's own", async () => {
  // The lab under load: procfs's scan came first in events.jsonl, eBPF's O_CREAT after it.
  const events = [inferred(1002, "/tmp/cache"), create(1001, "/tmp/cache")];
  assert.deepEqual(await tmpNotCreated(events, [sensor("procfs"), sensor("ebpf")]), []);
});

test("a temp file read before the tree made it, or never made, needs the shared /tmp", async () => {
  const events = [create(2000, "/tmp/later"), read(1000, "/tmp/later"), read(1500, "/tmp/theirs")];
  assert.deepEqual(await tmpNotCreated(events, [sensor("ebpf")]), ["/tmp/later", "/tmp/theirs"]);
});

test("with procfs alone its inferences count, by time; an inherited stdio file never does", async () => {
  const events = [inferred(1000, "/tmp/launcher.log", 1), inferred(1200, "/tmp/found-open")];
  assert.deepEqual(await tmpNotCreated(events, [sensor("procfs"), sensor("ebpf", "unavailable")]), [
    "/tmp/found-open",
  ]);
});
