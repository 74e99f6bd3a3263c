import { closeSync, openSync, readSync } from "node:fs";

/** The size of a read; a chunk holds about this much, more when one line is longer. */
export const CHUNK_BYTES = 1 << 20;

/**
 * Reads `file` in chunks of whole lines (each ends in "\n", but the last may not): a chunk can be
 * parsed, or sent to a worker, on its own. "\n" never occurs inside a UTF-8 sequence, so each
 * chunk decodes alone. Every chunk is a fresh buffer, so it can be transferred.
 */
export function* lineChunks(file: string, size = CHUNK_BYTES): Generator<Uint8Array<ArrayBuffer>> {
  const fd = openSync(file, "r");
  try {
    let rest: Uint8Array<ArrayBuffer> = new Uint8Array(0);
    for (;;) {
      const buf = new Uint8Array(rest.length + Math.max(size, rest.length));
      buf.set(rest);
      const n = readSync(fd, buf, rest.length, buf.length - rest.length, null);
      const filled = rest.length + n;
      if (n === 0) {
        if (filled > 0) yield buf.subarray(0, filled);
        return;
      }
      const cut = buf.lastIndexOf(10, filled - 1) + 1;
      // No newline yet: one line longer than a chunk; read on (the buffer doubles).
      rest = buf.slice(cut, filled);
      if (cut > 0) yield buf.subarray(0, cut);
    }
  } finally {
    closeSync(fd);
  }
}
