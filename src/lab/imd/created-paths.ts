import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Everything IMD created, so that it can remove exactly that at shutdown and nothing else —
 * which matters when its root is `/`.
 */
export class CreatedPaths {
  private readonly files = new Set<string>();
  private readonly dirs: string[] = [];

  /** Creates `dir` and any missing parents, remembering the ones it made. */
  ensureDir(dir: string, mode?: number): void {
    const missing: string[] = [];
    for (let d = path.resolve(dir); !existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d, mode !== undefined ? { mode } : {});
      this.dirs.push(d);
    }
  }

  /** Takes ownership of a directory made elsewhere (IMD's private temp root). */
  adoptDir(dir: string): void {
    this.dirs.push(path.resolve(dir));
  }

  /** Remembers a file if it did not exist before IMD wrote it. Call before the first write. */
  willWrite(file: string): void {
    if (!this.files.has(file) && !existsSync(file)) this.files.add(file);
  }

  removeAll(): void {
    for (const f of this.files) rmSync(f, { force: true });
    // Deepest first; each one is IMD's own, so a recursive removal only reaches IMD's leftovers.
    for (const d of [...this.dirs].reverse()) rmSync(d, { recursive: true, force: true });
    this.files.clear();
    this.dirs.length = 0;
  }
}
