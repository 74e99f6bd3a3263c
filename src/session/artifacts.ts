import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readSync, readlinkSync } from "node:fs";
import { posix } from "node:path";
import { describeSecrets } from "../secrets/scan.js";
import { RecentMap } from "../util/recent-map.js";

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
  /** Why a capture was refused, when it was (the path led somewhere else: a symlink). */
  refused?: string;
}

/** A capture we would not make: reading the path would have read another file than the target's. */
export interface Refusal {
  refused: string;
}

const MAX_BYTES = 1 << 20;

/**
 * Reads the file the target wrote, and no other: O_NOFOLLOW refuses a symlink as the last
 * component, and the kernel's own name for what was opened (/proc/self/fd/N) must be the path
 * itself — if a directory on the way was a symlink (a daemon that replaced /tmp/d with a link
 * to /root after writing /tmp/d/x), the names differ and nothing is read. The check is on the
 * open fd, so a swap after the open changes nothing. O_NONBLOCK: a FIFO cannot hang us.
 */
export function captureFile(file: string): ArtifactVersion | Refusal | undefined {
  let fd: number;
  try {
    fd = openSync(
      file,
      constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY,
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP")
      return { refused: "not read: the path is a symbolic link" };
    return undefined;
  }
  try {
    let opened: string;
    try {
      opened = readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return undefined;
    }
    if (opened.endsWith(" (deleted)")) return undefined;
    if (opened !== posix.normalize(file))
      return { refused: `not read: a directory on the path is a symbolic link (it led to ${opened})` };
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
      secrets: describeSecrets(data.toString("utf8")),
    };
  } finally {
    closeSync(fd);
  }
}

/** Where captured artifacts are kept for the report (session.db): each saved as it changes. */
export interface ArtifactStore {
  save(a: Artifact): void;
  load(path: string): Artifact | undefined;
}

/** An artifact captured this long ago, and not since, is read back from the store when it changes. */
const RECENT_MS = 60_000;
const MAX_RECENT = 4096;

/**
 * Captures files shortly after the target writes them (debounced), keeping each distinct version.
 * Every artifact went to session.db only at the end, held in memory until then: a daemon that
 * writes a new temp name a second held all of them for the day. Now each is saved as it changes,
 * and only those written lately stay in memory.
 */
export class ArtifactCollector {
  private readonly recent = new RecentMap<string, Artifact>(RECENT_MS, MAX_RECENT);
  private readonly due = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly delayMs = 100,
  ) {}

  /** Artifacts held in memory now (the store has them all). */
  get held(): number {
    return this.recent.size;
  }

  private known(path: string): Artifact | undefined {
    const now = Date.now();
    const held = this.recent.get(path, now); // every open for writing asks: a hit stops here
    if (held) return held;
    const stored = this.store.load(path);
    if (stored) this.recent.set(path, stored, now);
    return stored;
  }

  /** Reads the file now, before the target changes it: the "before" of a later change. */
  baseline(path: string): void {
    if (!this.known(path)) this.captureNow(path);
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
    const known = this.known(path);
    const a: Artifact = known ?? { path, versions: [] };
    if ("refused" in v) {
      if (known && a.refused === v.refused) return;
      a.refused = v.refused;
    } else {
      const last = a.versions.at(-1);
      if (known && last?.sha256 === v.sha256 && last.mode === v.mode) return;
      a.versions.push(v);
      if (a.versions.length > 16) a.versions.splice(1, 1);
    }
    this.recent.set(path, a, Date.now());
    this.store.save(a);
  }

  flush(): void {
    for (const path of [...this.due.keys()]) {
      clearTimeout(this.due.get(path));
      this.captureNow(path);
    }
  }
}
