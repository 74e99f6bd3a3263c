import { closeSync, constants, statSync, writeSync } from "node:fs";
import { availableParallelism } from "node:os";
import { openNewFile } from "../util/safe-fs.js";
import type { ShadowEvent } from "../events/schema.js";
import type { Issue } from "../util/result.js";
import { parseChunk } from "./jsonl-chunk.js";
import { lineChunks } from "./line-chunks.js";
import { readJsonlParallel } from "./parallel-jsonl.js";

/** Appends events as JSON lines; batched by the caller so that each flush is one write. */
export class JsonlWriter {
  private readonly fd: number;
  constructor(readonly file: string) {
    this.fd = openNewFile(file, constants.O_APPEND);
  }
  write(events: readonly ShadowEvent[]): void {
    if (events.length === 0) return;
    let text = "";
    for (const e of events) text += JSON.stringify(e) + "\n";
    writeSync(this.fd, text);
  }
  /** Appends lines already in JSONL form (an imported, validated events.jsonl). */
  writeLines(text: string | Uint8Array): void {
    if (text.length === 0) return;
    if (typeof text === "string") writeSync(this.fd, text);
    else for (let at = 0; at < text.length;) at += writeSync(this.fd, text, at);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/** How readJsonl reads: an import redacts and records; big files are parsed on worker threads. */
export interface ReadJsonlOptions {
  /** Redact command lines, and write a changed event's line anew (an import). */
  redactExec?: boolean;
  /**
   * After each chunk's events: its valid lines as they are to be recorded, each ending in "\n".
   * Bytes are lent: written or copied before the call returns (the buffer is read into again).
   */
  onLines?: (lines: string | Uint8Array) => void;
  /** Parsing threads: 0 parses in this thread; by default, by the file's size and the cores. */
  workers?: number;
}

/** Files smaller than this are parsed in this thread: a worker's start costs about as much. */
const PARALLEL_FROM_BYTES = 8 << 20;

function defaultWorkers(file: string): number {
  const forced = process.env.SHADOW_SIGNALS_PARSE_WORKERS;
  if (forced !== undefined && /^\d+$/.test(forced)) return Number(forced);
  if (statSync(file).size < PARALLEL_FROM_BYTES) return 0;
  // Two parsers keep the analysing thread fed (bench/README.md); on one core, threads only cost.
  return availableParallelism() > 1 ? 2 : 0;
}

/**
 * Streams an events.jsonl: each valid event goes to `onEvent` in the file's order; each bad line
 * becomes an issue naming file and line, and reading goes on. Memory stays flat whatever the
 * file's size. Big files are parsed on worker threads (parallel-jsonl.ts): the same events, in the
 * same order, the same issues.
 */
export async function readJsonl(
  file: string,
  onEvent: (e: ShadowEvent) => void,
  warn: (i: Issue) => void,
  options: ReadJsonlOptions = {},
): Promise<{ lines: number; events: number }> {
  const workers = options.workers ?? defaultWorkers(file);
  if (workers > 0)
    return readJsonlParallel(
      file,
      { redactExec: options.redactExec ?? false, workers, onLines: options.onLines },
      onEvent,
      warn,
    );
  return parseLineChunks(file, lineChunks(file), onEvent, warn, options);
}

/**
 * Parses chunks of whole lines (lineChunks of a file, or a gzip'd part's) in this thread: each
 * valid event to `onEvent`, each bad line an issue naming `file` and its line.
 */
export async function parseLineChunks(
  file: string,
  chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  onEvent: (e: ShadowEvent) => void,
  warn: (i: Issue) => void,
  options: Pick<ReadJsonlOptions, "redactExec" | "onLines"> = {},
): Promise<{ lines: number; events: number }> {
  const chunkOptions = { redactExec: options.redactExec ?? false };
  let lines = 0;
  let events = 0;
  for await (const bytes of chunks) {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    const r = parseChunk(
      text,
      chunkOptions,
      (e) => {
        onEvent(e);
        events++;
      },
      (line, issue) => warn({ ...issue, file, line: lines + line }),
    );
    lines += r.lines;
    options.onLines?.(r.recorded ?? text);
    // One turn of the event loop a chunk, as a stream would give: timers (progress) still run.
    await new Promise((done) => setImmediate(done));
  }
  return { lines, events };
}
