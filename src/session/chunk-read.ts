import { readSync } from "node:fs";

const NL = 10;
/** Read past a range's end at once: most last lines end within this. */
const TAIL = 64 << 10;

/**
 * The whole lines that begin in a file's byte range [start, end), the last one read to its end
 * past `end`, by positional reads, so that any thread can read any range. Ranges that tile the file
 * give every line exactly once: a line belongs to the range it begins in (a range inside one long
 * line is empty). Read into `buffer` when it is big enough (buffers are handed round).
 */
export function readLinesAt(
  fd: number,
  start: number,
  end: number,
  size: number,
  buffer?: ArrayBuffer,
  tail = TAIL,
): Uint8Array<ArrayBuffer> {
  // From one byte before the range: a line begins at p when p is 0 or byte p - 1 is a newline.
  const from = start > 0 ? start - 1 : 0;
  const r = new RangeRead(fd, from, size, end - from + tail, buffer);
  let first = 0;
  if (start > 0) {
    const nl = r.indexOf(NL, 0, end - start);
    if (nl === -1) return r.view(0, 0);
    first = nl + 1;
  }
  // The last line that begins before `end` ends at the first newline at or after end - 1.
  const nl = r.indexOf(NL, end - 1 - from, Infinity);
  return r.view(first, nl === -1 ? r.have : nl + 1);
}

/** Bytes of a file from `from` on, read as far as they are asked for. */
class RangeRead {
  private buf: Uint8Array<ArrayBuffer>;
  have = 0;

  constructor(
    private readonly fd: number,
    private readonly from: number,
    private readonly size: number,
    want: number,
    buffer?: ArrayBuffer,
  ) {
    this.buf = new Uint8Array(buffer && buffer.byteLength >= want ? buffer : new ArrayBuffer(want));
    this.more();
  }

  /** The first `byte` at an offset in [at, limit), reading on as needed; -1 if none. */
  indexOf(byte: number, at: number, limit: number): number {
    for (let i = at; i < limit;) {
      if (i < this.have) {
        const found = this.buf.subarray(0, this.have).indexOf(byte, i);
        if (found !== -1) return found < limit ? found : -1;
        i = this.have;
      } else if (!this.more()) return -1;
    }
    return -1;
  }

  view(a: number, b: number): Uint8Array<ArrayBuffer> {
    return this.buf.subarray(a, b);
  }

  /** Reads the next bytes (the buffer doubles when full); false at the file's end. */
  private more(): boolean {
    if (this.from + this.have >= this.size) return false;
    if (this.have === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    const room = Math.min(this.buf.length - this.have, this.size - this.from - this.have);
    const n = readSync(this.fd, this.buf, this.have, room, this.from + this.have);
    this.have += n;
    return n > 0;
  }
}
