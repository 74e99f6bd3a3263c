import { writeFileSync } from "node:fs";

/** One thing IMD really did, for scoring detection. `behavior` is a catalogue id. */
export interface TruthEntry {
  behavior: string;
  action: string;
  ts: number;
  pid: number;
  target?: string;
}

/**
 * IMD's record of what it did, kept in memory and written once at shutdown so that recording does
 * not add syscalls to the behaviour being observed.
 */
export class GroundTruth {
  readonly entries: TruthEntry[] = [];
  constructor(private readonly file: string | undefined) {}

  record(behavior: string, action: string, pid: number, target?: string): void {
    this.entries.push({ behavior, action, ts: Date.now(), pid, ...(target !== undefined ? { target } : {}) });
  }

  /** Never throws: a failure here must not hide the error that stopped IMD. */
  flush(): void {
    if (!this.file) return;
    try {
      writeFileSync(
        this.file,
        JSON.stringify({ schema: "shadow-signals/imd-ground-truth@1", entries: this.entries }, null, 1),
      );
    } catch (err) {
      process.stderr.write(`imd: cannot write ground truth ${this.file}: ${(err as Error).message}\n`);
    }
  }
}
