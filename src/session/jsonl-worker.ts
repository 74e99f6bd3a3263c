/**
 * A worker thread that parses chunks of events.jsonl for readJsonl: JSON.parse, validation and
 * redaction happen here, and the events go back encoded (events/codec.ts), so the analysing thread
 * only builds objects. Each chunk's answer names the chunk, so the reader keeps the file's order.
 */
import { readlinkSync } from "node:fs";
import { getPriority, setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { EventEncoder } from "../events/codec.js";
import type { Issue } from "../util/result.js";
import { useSessionKey } from "../secrets/scan.js";
import { readLinesAt } from "./chunk-read.js";
import { parseChunk } from "./jsonl-chunk.js";
import type { ChunkAnswer, ChunkRequest, WorkerOptions } from "./parallel-jsonl.js";

const options = workerData as WorkerOptions;
useSessionKey(options.sessionKey);
const encoder = new EventEncoder();
yieldToTheAnalysis();
const port = parentPort!;

/**
 * The analysing thread takes the events in order, and nothing can do its work for it; these threads
 * can wait. Five steps of niceness for this thread alone (Linux's setpriority takes a thread id)
 * let the scheduler run the analysing thread first when three threads share two cores: +7% for an
 * import, +2% for a session dir, measured (bench/README.md). Best effort.
 */
function yieldToTheAnalysis(): void {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").at(-1));
    if (Number.isSafeInteger(tid) && tid > 0) setPriority(tid, Math.min(19, getPriority(tid) + 5));
  } catch {
    // Not Linux, or not allowed: the usual priority.
  }
}

/** The UTF-8 of `text` in a buffer of its own (Buffer.from may share its pool, which cannot be transferred). */
function fresh(text: string): Uint8Array<ArrayBuffer> {
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  out.write(text);
  return out;
}

/** This worker's read buffer, when the last chunk's bytes stayed here (main returns the others). */
let spare: ArrayBuffer | undefined;

port.on("message", ({ index, start, end, buffer, values }: ChunkRequest) => {
  if (values) encoder.recycle(values);
  const bytes = readLinesAt(options.fd, start, end, options.size, buffer ?? spare);
  spare = undefined;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const bad: [number, Issue][] = [];
  let events = 0;
  const { lines, recorded } = parseChunk(
    text,
    options,
    (e, line) => {
      encoder.add(e as unknown as Record<string, unknown>, line);
      events++;
    },
    (line, issue) => bad.push([line, issue]),
  );
  const batch = encoder.take();
  // The text as it was, when every line is recorded as is: sent back without a copy.
  const lineBytes = !options.keepLines ? undefined : recorded === undefined ? bytes : fresh(recorded);
  if (lineBytes !== bytes) spare = bytes.buffer;
  const answer: ChunkAnswer = { index, lines, events, bad, batch, ...(lineBytes ? { lineBytes } : {}) };
  port.postMessage(answer, [batch.values.buffer, ...(lineBytes ? [lineBytes.buffer] : [])]);
});
