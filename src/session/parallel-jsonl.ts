import { Worker } from "node:worker_threads";
import { EventDecoder, type EncodedBatch } from "../events/codec.js";
import type { ShadowEvent } from "../events/schema.js";
import { sessionKey } from "../secrets/scan.js";
import type { Issue } from "../util/result.js";
import type { ChunkOptions } from "./jsonl-chunk.js";
import { lineChunks } from "./line-chunks.js";

/** A chunk of whole lines sent to a parsing worker (its buffer transferred). */
export interface ChunkRequest {
  index: number;
  bytes: Uint8Array<ArrayBuffer>;
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
  const workerData: WorkerOptions = {
    redactExec: options.redactExec,
    keepLines: options.onLines !== undefined,
    sessionKey: sessionKey(),
  };
  const pool = Array.from(
    { length: n },
    () => new Worker(new URL("./jsonl-worker.js", import.meta.url), { workerData }),
  );
  const decoders = pool.map(() => new EventDecoder());
  const chunks = lineChunks(file);
  const ready = new Map<number, ChunkAnswer>();
  let sent = 0;
  let next = 0;
  let readAll = false;
  let ended = false;
  let lines = 0;
  let events = 0;
  const each = onEvent as (e: Record<string, unknown>) => void;

  return new Promise((resolve, reject) => {
    const end = (err?: unknown) => {
      if (ended) return;
      ended = true;
      chunks.return(undefined);
      void Promise.all(pool.map((w) => w.terminate())).then(() =>
        err === undefined ? resolve({ lines, events }) : reject(err as Error),
      );
    };
    const deliver = (a: ChunkAnswer) => {
      for (const [line, issue] of a.bad) warn({ ...issue, file, line: lines + line });
      decoders[a.index % n]!.decode(a.batch, each);
      lines += a.lines;
      events += a.events;
      if (a.lineBytes) options.onLines?.(a.lineBytes);
    };
    const sendMore = () => {
      while (!readAll && sent - next < 2 * n) {
        const r = chunks.next();
        if (r.done) readAll = true;
        else {
          const request: ChunkRequest = { index: sent, bytes: r.value };
          pool[sent % n]!.postMessage(request, [r.value.buffer]);
          sent++;
        }
      }
      if (readAll && next === sent) end();
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
    for (const w of pool) {
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
