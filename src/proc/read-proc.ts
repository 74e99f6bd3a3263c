import { closeSync, openSync, readSync } from "node:fs";

/**
 * Reads a /proc file into one buffer kept for the whole process. /proc files report size 0, so
 * readFileSync reads each through a fresh 64 KiB buffer: ten scans a second over every process
 * made hundreds of those a second. (It was a suspect for the soak's creeping RSS; measured, it
 * was not the cause: bench/README.md, Soak.)
 */
let buffer = Buffer.allocUnsafe(64 * 1024);

export function readProc(file: string): string {
  const fd = openSync(file, "r");
  try {
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return buffer.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
}
