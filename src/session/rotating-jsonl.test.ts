import { test } from "node:test";
import assert from "node:assert/strict";
import {
  copyFileSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import type { RawEvent } from "../events/schema.js";
import { eventFiles, partName } from "./event-parts.js";
import { Recorder } from "./recorder.js";
import type { RotationOptions } from "./rotating-jsonl.js";
import { openSession } from "./session-reader.js";

/** A session of `n` events recorded with `rotation`, and what reading it back gives. */
async function recordAndRead(n: number, rotation: RotationOptions, dir: string) {
  const recorder = new Recorder(dir, { kind: "command", label: "t", argv: ["t"] }, false, rotation);
  for (let i = 0; i < n; i++) {
    const e: RawEvent = {
      kind: "open",
      ts: 1_700_000_000_000 + i,
      pid: 100 + (i % 7),
      comm: "t",
      sensor: "ebpf",
      path: `/var/lib/t/file-${i % 13}`,
      flags: ["O_WRONLY", "O_CREAT"],
      fd: 3,
    };
    recorder.emit(e);
    if (i % 500 === 499) recorder.flush(); // batches, as the recorder's timer makes them
  }
  recorder.flush();
  await recorder.settle();
  recorder.finish([]);
  const session = openSession(dir);
  const seqs: number[] = [];
  await session.events(
    (e) => seqs.push(e.seq),
    (i) => assert.fail(i.message),
  );
  return { seqs, summary: session.meta.eventParts };
}

test("rotated events read back as one file, in order, every part 0600 and compressed", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rotate-"));
  try {
    const { seqs, summary } = await recordAndRead(20_000, { rotateBytes: 256 << 10 }, dir);
    assert.deepEqual(
      seqs,
      Array.from({ length: 20_000 }, (_, i) => i + 1),
    );
    assert.ok(summary && summary.rotated >= 5, `rotated ${summary?.rotated} times`);
    assert.equal(summary.dropped, undefined);
    const files = eventFiles(dir);
    assert.equal(files.length, summary.rotated + 1);
    for (const f of files.slice(0, -1)) assert.ok(f.compressed, `${f.file} left plain`);
    for (const name of readdirSync(dir))
      assert.equal(lstatSync(path.join(dir, name)).mode & 0o777, 0o600, `${name} is not 0600`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--max-disk: the oldest parts are dropped and counted, the newest events all kept, the bound held", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rotate-bound-"));
  try {
    const maxDiskBytes = 640 << 10;
    const notices: string[] = [];
    const { seqs, summary } = await recordAndRead(
      60_000,
      { rotateBytes: 256 << 10, maxDiskBytes, notice: (l) => notices.push(l) },
      dir,
    );
    const dropped = summary?.dropped;
    assert.ok(dropped && dropped.parts > 0, "nothing was dropped");
    // What is kept is the tail, whole: every event after the last dropped one, none before it.
    assert.equal(seqs[0], dropped.lastSeq + 1);
    assert.equal(seqs.length, 60_000 - dropped.events);
    assert.equal(seqs.at(-1), 60_000);
    assert.ok(
      seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1),
      "a gap among the kept events",
    );
    assert.equal(notices.length, dropped.parts, "a drop without its notice");
    // The parts leave room for events.jsonl to grow to a whole part: the bound holds at any time.
    const parts = eventFiles(dir).filter((f) => f.part > 0);
    const onDisk = parts.reduce((n, f) => n + lstatSync(f.file).size, 0);
    assert.ok(
      onDisk + (256 << 10) <= maxDiskBytes,
      `${onDisk} bytes of parts on disk and a part to come, bound ${maxDiskBytes}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a part whose compression never finished is read plain; a link among the parts is refused", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "rotate-cut-"));
  try {
    const { seqs } = await recordAndRead(8_000, { rotateBytes: 128 << 10 }, dir);
    // A killed session: part 1 is still plain, beside a .gz cut short.
    const gz = path.join(dir, partName(1, true));
    writeFileSync(path.join(dir, partName(1, false)), gunzipSync(readFileSync(gz)), { mode: 0o600 });
    writeFileSync(gz, readFileSync(gz).subarray(0, 100)); // a truncated .gz, never read
    const reread: number[] = [];
    await openSession(dir).events(
      (e) => reread.push(e.seq),
      (i) => assert.fail(i.message),
    );
    assert.deepEqual(reread, seqs);
    // A part cut short with nothing beside it: an error naming it, not a hang or a bare zlib message.
    unlinkSync(path.join(dir, partName(1, false)));
    await assert.rejects(
      openSession(dir).events(
        () => undefined,
        () => undefined,
      ),
      /events-000001\.jsonl\.gz: cannot read this part of the events: unexpected end of file/,
    );
    copyFileSync(path.join(dir, partName(2, true)), path.join(dir, "elsewhere.gz"));
    unlinkSync(path.join(dir, partName(2, true)));
    symlinkSync(path.join(dir, "elsewhere.gz"), path.join(dir, partName(2, true)));
    await assert.rejects(
      openSession(dir).events(
        () => undefined,
        () => undefined,
      ),
      /not a regular file/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
