import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { describeHit, scanSecrets } from "../secrets/scan.js";

/** One version of a file the target wrote: metadata, hash and the kinds of secrets it held. */
export interface ArtifactVersion {
  at: number;
  mode: string;
  uid: number;
  gid: number;
  size: number;
  sha256: string;
  secrets: string[];
}

export interface Artifact {
  path: string;
  versions: ArtifactVersion[];
}

const MAX_BYTES = 1 << 20;

/**
 * Reads a file safely: O_NOFOLLOW so that a symlink planted in a temp dir is never followed,
 * O_NONBLOCK so that a FIFO cannot hang us, and only regular files.
 */
export function captureFile(path: string): ArtifactVersion | undefined {
  let fd: number;
  try {
    fd = openSync(
      path,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch {
    return undefined;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(st.size, MAX_BYTES));
    const n = buf.length > 0 ? readSync(fd, buf, 0, buf.length, 0) : 0;
    const data = buf.subarray(0, n);
    return {
      at: Date.now(),
      mode: (st.mode & 0o7777).toString(8).padStart(4, "0"),
      uid: st.uid,
      gid: st.gid,
      size: st.size,
      sha256: createHash("sha256").update(data).digest("hex"),
      secrets: scanSecrets(data.toString("utf8")).map(describeHit),
    };
  } finally {
    closeSync(fd);
  }
}

/** Captures files shortly after the target writes them (debounced), keeping each distinct version. */
export class ArtifactCollector {
  readonly artifacts = new Map<string, Artifact>();
  private readonly due = new Map<string, NodeJS.Timeout>();

  constructor(private readonly delayMs = 100) {}

  /** Reads the file now, before the target changes it: the "before" of a later change. */
  baseline(path: string): void {
    if (!this.artifacts.has(path)) this.captureNow(path);
  }

  touched(path: string): void {
    if (
      !path.startsWith("/") ||
      path.startsWith("/proc/") ||
      path.startsWith("/dev/") ||
      path.startsWith("/sys/")
    )
      return;
    clearTimeout(this.due.get(path));
    this.due.set(
      path,
      setTimeout(() => this.captureNow(path), this.delayMs),
    );
  }

  captureNow(path: string): void {
    this.due.delete(path);
    const v = captureFile(path);
    if (!v) return;
    const a = this.artifacts.get(path) ?? { path, versions: [] };
    if (a.versions.at(-1)?.sha256 !== v.sha256 || a.versions.at(-1)?.mode !== v.mode) a.versions.push(v);
    if (a.versions.length > 16) a.versions.splice(1, 1);
    this.artifacts.set(path, a);
  }

  flush(): void {
    for (const path of [...this.due.keys()]) {
      clearTimeout(this.due.get(path));
      this.captureNow(path);
    }
  }
}
