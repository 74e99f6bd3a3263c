import {
  closeSync,
  constants,
  createReadStream,
  createWriteStream,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import type { ShadowEvent } from "../events/schema.js";
import { openNewFile } from "../util/safe-fs.js";
import { CURRENT_EVENTS, partName } from "./event-parts.js";

/**
 * How a long session keeps its events on disk. gzip (level 6) through Node's zlib, not zstd:
 * Node 20 has no zstd binding (it would take a child process), and on a lab session gzip -6 made
 * parts 11.8x smaller against zstd -3's 10.1x, at ~100 MiB/s on a libuv thread (bench/README.md).
 */
export interface RotationOptions {
  /** events.jsonl is rotated out once it holds this many bytes. */
  rotateBytes: number;
  /** The most bytes the events may take on disk: past it, the oldest parts are dropped. */
  maxDiskBytes?: number;
  /** A line for the user (a part dropped, a compression failed). */
  notice?: (line: string) => void;
}

/** What a rotated session did with its events: session.db's `eventParts`. */
export interface EventPartsSummary {
  rotateBytes: number;
  maxDiskBytes?: number;
  /** Parts rotated out over the session (kept and dropped). */
  rotated: number;
  /** Parts dropped under maxDiskBytes: what the analysis never saw, counted. */
  dropped?: { parts: number; events: number; bytes: number; lastSeq: number; lastTs: number };
}

interface Part {
  n: number;
  events: number;
  lastSeq: number;
  lastTs: number;
  /** Bytes on disk now: the plain file's until its .gz is whole, then the .gz's. */
  bytes: number;
  compressed: boolean;
  /** Its compression is over, done or failed: it may be dropped. */
  settled: boolean;
}

/**
 * Appends events to events.jsonl as JsonlWriter does, and rotates it out by size: renamed to a
 * numbered part, compressed on a libuv thread while the session goes on (the recorder's loop is
 * never held up by it), and, under a disk bound, the oldest compressed parts are dropped and
 * counted. The part being written is never dropped, so the newest events always survive.
 */
export class RotatingJsonlWriter {
  private fd: number;
  private readonly current: string;
  private currentBytes = 0;
  private currentEvents = 0;
  private lastSeq = 0;
  private lastTs = 0;
  private readonly parts: Part[] = [];
  private rotated = 0;
  private dropped: NonNullable<EventPartsSummary["dropped"]> | undefined;
  /** Compressions run one after another, in the order the parts were rotated. */
  private compressing: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly options: RotationOptions,
  ) {
    this.current = path.join(dir, CURRENT_EVENTS);
    this.fd = openNewFile(this.current, constants.O_APPEND);
  }

  write(events: readonly ShadowEvent[]): void {
    if (events.length === 0) return;
    let text = "";
    for (const e of events) text += JSON.stringify(e) + "\n";
    this.currentBytes += writeSync(this.fd, text);
    this.currentEvents += events.length;
    const last = events[events.length - 1]!;
    this.lastSeq = last.seq;
    this.lastTs = last.ts;
    if (this.currentBytes >= this.options.rotateBytes) this.rotate();
  }

  /** Waits for the compressions started so far. */
  settle(): Promise<void> {
    return this.compressing;
  }

  summary(): EventPartsSummary {
    return {
      rotateBytes: this.options.rotateBytes,
      ...(this.options.maxDiskBytes !== undefined ? { maxDiskBytes: this.options.maxDiskBytes } : {}),
      rotated: this.rotated,
      ...(this.dropped ? { dropped: this.dropped } : {}),
    };
  }

  /** Closes events.jsonl. A part still being compressed stays plain, which readers take as it is. */
  close(): void {
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const part: Part = {
      n: ++this.rotated,
      events: this.currentEvents,
      lastSeq: this.lastSeq,
      lastTs: this.lastTs,
      bytes: this.currentBytes,
      compressed: false,
      settled: false,
    };
    // Our own 0700 out dir: nobody else can put a name there between these calls.
    renameSync(this.current, path.join(this.dir, partName(part.n, false)));
    this.fd = openNewFile(this.current, constants.O_APPEND);
    this.currentBytes = 0;
    this.currentEvents = 0;
    this.parts.push(part);
    this.compressing = this.compressing.then(() => this.compress(part));
  }

  private async compress(part: Part): Promise<void> {
    const plain = path.join(this.dir, partName(part.n, false));
    const gz = path.join(this.dir, partName(part.n, true));
    let made = false;
    try {
      const fd = openNewFile(gz);
      made = true;
      const out = createWriteStream("", { fd });
      await pipeline(createReadStream(plain), createGzip({ level: 6 }), out);
      unlinkSync(plain); // only now: until here, a reader takes the plain part
      part.bytes = statSync(gz).size;
      part.compressed = true;
    } catch (err) {
      // The plain part stays and is read as it is; the disk bound still counts it.
      if (made) unlinkSync(gz);
      this.options.notice?.(`could not compress ${plain}: ${(err as Error).message}; kept it plain`);
    }
    part.settled = true;
    this.enforceBound();
  }

  /**
   * Drops the oldest finished parts while they and a whole part being written would take more
   * than the bound: room is kept for events.jsonl to grow to its rotation, so that the bound holds
   * between two compressions too (it is checked only after each one).
   */
  private enforceBound(): void {
    const max = this.options.maxDiskBytes;
    if (max === undefined) return;
    let total =
      Math.max(this.currentBytes, this.options.rotateBytes) + this.parts.reduce((n, p) => n + p.bytes, 0);
    while (total > max) {
      // Parts are compressed oldest first; one not yet done is being read: the bound waits.
      const oldest = this.parts[0];
      if (!oldest?.settled) return;
      unlinkSync(path.join(this.dir, partName(oldest.n, oldest.compressed)));
      this.parts.shift();
      total -= oldest.bytes;
      const d = (this.dropped ??= { parts: 0, events: 0, bytes: 0, lastSeq: 0, lastTs: 0 });
      d.parts++;
      d.events += oldest.events;
      d.bytes += oldest.bytes;
      d.lastSeq = oldest.lastSeq;
      d.lastTs = oldest.lastTs;
      this.options.notice?.(
        `--max-disk: dropped the oldest events (part ${oldest.n}, ${oldest.events} events up to ${new Date(oldest.lastTs).toISOString()}); the report counts them`,
      );
    }
  }
}
