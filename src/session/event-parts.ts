import { createReadStream, lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { createGunzip } from "node:zlib";
import { ShadowError } from "../util/result.js";

/**
 * A long session's events are in parts: `events-000001.jsonl.gz`, `events-000002.jsonl.gz`, …,
 * rotated out by size, then `events.jsonl`, the part being written. A part still being compressed
 * (or left so by a session that was killed) is `events-NNNNNN.jsonl`. Every reader goes through
 * here, so a rotated session reads as one file.
 */
export const CURRENT_EVENTS = "events.jsonl";

const PART = /^events-(\d{6})\.jsonl(\.gz)?$/;

export function partName(n: number, compressed: boolean): string {
  return `events-${String(n).padStart(6, "0")}.jsonl${compressed ? ".gz" : ""}`;
}

export interface EventFile {
  file: string;
  /** 0 for events.jsonl, which comes last. */
  part: number;
  compressed: boolean;
}

/**
 * The files of a session dir's events, oldest first, events.jsonl last (when there is one). Each
 * must be a regular file: a link or a FIFO planted among them is refused, never followed. A part
 * both plain and compressed is one whose compression did not finish (the plain file is removed only
 * after the .gz is whole): the plain one is read.
 */
export function eventFiles(dir: string): EventFile[] {
  const parts = new Map<number, EventFile>();
  let current: EventFile | undefined;
  for (const name of readdirSync(dir)) {
    const m = PART.exec(name);
    if (!m && name !== CURRENT_EVENTS) continue;
    const file = path.join(dir, name);
    if (!lstatSync(file).isFile())
      throw new ShadowError(`${file}: not a regular file (a link, FIFO or device is refused)`);
    if (!m) {
      current = { file, part: 0, compressed: false };
      continue;
    }
    const n = Number(m[1]);
    const compressed = m[2] !== undefined;
    const seen = parts.get(n);
    if (!seen || (seen.compressed && !compressed)) parts.set(n, { file, part: n, compressed });
  }
  const ordered = [...parts.values()].sort((a, b) => a.part - b.part);
  return current ? [...ordered, current] : ordered;
}

/** True when a session dir has its events, in one file or in parts. */
export function hasEvents(dir: string): boolean {
  try {
    return eventFiles(dir).length > 0;
  } catch {
    return true; // there is something, which the reader will refuse with its reason
  }
}

/**
 * A gzip'd part in chunks of whole lines, as lineChunks gives a plain file: streamed, so memory
 * stays flat however big the part (a crafted part that inflates hugely is read a chunk at a time).
 */
export async function* gzipLineChunks(file: string): AsyncGenerator<Uint8Array> {
  const source = createReadStream(file);
  const gunzip = createGunzip();
  // pipe() does not pass a read error on: the gunzip would wait for its input for ever.
  source.on("error", (err) => gunzip.destroy(err));
  let rest: Buffer = Buffer.alloc(0);
  try {
    for await (const piece of source.pipe(gunzip) as AsyncIterable<Buffer>) {
      const buf = rest.length ? Buffer.concat([rest, piece]) : piece;
      const cut = buf.lastIndexOf(10) + 1;
      rest = buf.subarray(cut);
      if (cut > 0) yield buf.subarray(0, cut);
    }
  } catch (err) {
    throw new ShadowError(`${file}: cannot read this part of the events: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    source.destroy();
  }
  if (rest.length) yield rest;
}
