import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { Worker } from "node:worker_threads";
import { EventDecoder, type EncodedBatch } from "../events/codec.js";
import type { ShadowEvent } from "../events/schema.js";
import { sessionKey } from "../secrets/scan.js";
import { ShadowError, type Issue } from "../util/result.js";
import type { ChunkOptions } from "./jsonl-chunk.js";
import { CHUNK_BYTES } from "./line-chunks.js";

/** Chunks a worker holds at a time: enough that neither side waits on the other; memory bounded. */
const IN_FLIGHT = 2;

/** A chunk of whole lines sent to a parsing worker (its buffer transferred). */
export interface ChunkRequest {
  index: number;
  /** The byte range whose lines are the chunk's (chunk-read.ts). */
  start: number;
  end: number;
  /** A buffer of this worker's, written by now, to read into again. */
  buffer?: ArrayBuffer;
  /** A values array of this worker's, decoded, to be filled again. */
  values?: Float64Array<ArrayBuffer>;
}

/** A worker's answer for one chunk. */
export interface ChunkAnswer {
  index: number;
  lines: number;
  events: number;
  /** Bad lines: number in the chunk, and what is wrong. */
  bad: [number, Issue][];
  batch: EncodedBatch;
  /** The valid lines as they are to be recorded, when asked for. */
  lineBytes?: Uint8Array<ArrayBuffer>;
}

/** What each parsing worker is started with. */
export interface WorkerOptions extends ChunkOptions {
  keepLines: boolean;
  /** The file, opened by the reader (read by position: one descriptor for every thread), and its size. */
  fd: number;
  size: number;
  /** The fingerprint key of this process, so that a secret gets one fingerprint in a session. */
  sessionKey: Uint8Array;
}

export interface ParallelOptions extends ChunkOptions {
  workers: number;
  onLines?: (bytes: Uint8Array) => void;
}

/**
 * readJsonl over worker threads: chunk k goes to worker k mod n, each worker parses, validates and
 * encodes its chunks, and this thread decodes the answers strictly in chunk order, so `onEvent`
 * sees the file's order, one event at a time, as in one thread. At most two chunks a worker are in
 * flight, so memory stays flat. The workers are ended however this ends.
 */
export function readJsonlParallel(
  file: string,
  options: ParallelOptions,
  onEvent: (e: ShadowEvent) => void,
  warn: (i: Issue) => void,
): Promise<{ lines: number; events: number }> {
  const n = options.workers;
  // Opened once here: the workers read this very file, whatever becomes of its path meanwhile.
  // Non-blocking: a FIFO put in the file's place must not hang the open before fstat refuses it.
  const fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  const stat = fstatSync(fd);
  if (!stat.isFile()) {
    closeSync(fd);
    return Promise.reject(new ShadowError(`${file}: not a regular file`));
  }
  const size = stat.size;
  const chunkCount = Math.ceil(size / CHUNK_BYTES);
  const workerData: WorkerOptions = {
    redactExec: options.redactExec,
    keepLines: options.onLines !== undefined,
    sessionKey: sessionKey(),
    fd,
    size,
  };
  const workers = Array.from(
    { length: n },
    () => new Worker(new URL("./jsonl-worker.js", import.meta.url), { workerData }),
  );
  const decoders = workers.map(() => new EventDecoder());
  // Buffers go round, so that no chunk costs fresh memory (page faults): each worker's values
  // array, decoded here, goes back with its next chunk, and so does a chunk's buffer written here.
  // (At most IN_FLIGHT of each a worker: the chunks it holds.)
  const spareValues = workers.map((): Float64Array<ArrayBuffer>[] => []);
  const spareBytes = workers.map((): ArrayBuffer[] => []);
  const ready = new Map<number, ChunkAnswer>();
  let sent = 0;
  let next = 0;
  let ended = false;
  let lines = 0;
  let events = 0;
  const each = onEvent as (e: Record<string, unknown>) => void;

  return new Promise((resolve, reject) => {
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      void Promise.allSettled(workers.map((w) => w.terminate())).then(() => {
        closeSync(fd);
        if (err === undefined) resolve({ lines, events });
        else reject(err as Error);
      });
    };
    const deliver = (a: ChunkAnswer) => {
      for (const [line, issue] of a.bad) warn({ ...issue, file, line: lines + line });
      decoders[a.index % n]!.decode(a.batch, each);
      spareValues[a.index % n]!.push(a.batch.values);
      lines += a.lines;
      events += a.events;
      if (a.lineBytes) {
        options.onLines?.(a.lineBytes);
        spareBytes[a.index % n]!.push(a.lineBytes.buffer); // lent to onLines, which wrote or copied it
      }
    };
    const sendMore = () => {
      while (sent < chunkCount && sent - next < IN_FLIGHT * n) {
        const w = sent % n;
        const request: ChunkRequest = {
          index: sent,
          start: sent * CHUNK_BYTES,
          end: Math.min(size, (sent + 1) * CHUNK_BYTES),
        };
        const values = spareValues[w]!.pop();
        const buffer = spareBytes[w]!.pop();
        if (values) request.values = values;
        if (buffer) request.buffer = buffer;
        workers[w]!.postMessage(request, [...(values ? [values.buffer] : []), ...(buffer ? [buffer] : [])]);
        sent++;
      }
      if (next === chunkCount) end();
    };
    const onAnswer = (a: ChunkAnswer) => {
      if (ended) return;
      try {
        ready.set(a.index, a);
        for (let b = ready.get(next); b !== undefined; b = ready.get(next)) {
          ready.delete(next++);
          deliver(b);
        }
        sendMore();
      } catch (err) {
        end(err);
      }
    };
    for (const w of workers) {
      w.on("message", onAnswer);
      w.on("error", (err) => end(err));
      w.on("exit", (code) => end(new Error(`a parsing worker stopped (exit code ${code})`)));
    }
    try {
      sendMore();
    } catch (err) {
      end(err);
    }
  });
}
