import { closeSync, openSync, readSync } from "node:fs";

/**
 * Follows a file that another process appends to (strace -o), line by line. Polling a regular
 * file keeps strace free of any back-pressure from us: it never blocks, and nothing is lost.
 */
export class FileTail {
  private fd: number | undefined;
  private offset = 0;
  private rest = "";
  private readonly buf = Buffer.alloc(1 << 20);
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly file: string,
    private readonly onLine: (line: string) => void,
  ) {}

  start(intervalMs = 50): void {
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  /** Reads everything available now. Returns the number of bytes read. */
  poll(): number {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.file, "r");
      } catch {
        return 0; // not created yet
      }
    }
    let total = 0;
    for (;;) {
      const n = readSync(this.fd, this.buf, 0, this.buf.length, this.offset);
      if (n <= 0) break;
      this.offset += n;
      total += n;
      const text = this.rest + this.buf.toString("utf8", 0, n);
      const lines = text.split("\n");
      this.rest = lines.pop()!;
      for (const line of lines) this.onLine(line);
    }
    return total;
  }

  /** Final read, including a last line without its newline. */
  stop(): void {
    clearInterval(this.timer);
    this.poll();
    if (this.rest !== "") this.onLine(this.rest);
    this.rest = "";
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
