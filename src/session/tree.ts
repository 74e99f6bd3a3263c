import type { ObservedTree } from "../sensors/sensor.js";
import type { CgroupScope } from "../targets/target.js";

/** How long an exited process stays in the tree: its late events (a write sum flushed each second) still belong. */
const EXITED_GRACE_MS = 10_000;

/**
 * The observed tree's processes, as userspace knows them. A process leaves it a grace period after
 * its exit: a daemon forking hundreds of children a second for a day would otherwise leave every
 * pid it ever had here (a 60-minute soak's memory grew 7 MiB per 10 minutes), and a pid the kernel
 * gives to an unrelated process later is not ours. The root stays.
 */
export class TreeSet implements ObservedTree {
  private readonly set = new Set<number>();
  private readonly creators = new Map<number, number>();
  /** Exited members and when, in exit order. */
  private readonly exitedAt = new Map<number, number>();
  constructor(
    readonly rootPid: number,
    readonly marker?: string,
    readonly scope?: CgroupScope,
  ) {
    this.set.add(rootPid);
  }
  has(pid: number): boolean {
    return this.set.has(pid);
  }
  add(pid: number, creator?: number): void {
    if (this.exitedAt.delete(pid)) this.creators.delete(pid); // a pid in use again: another process
    this.set.add(pid);
    if (creator !== undefined && !this.creators.has(pid)) this.creators.set(pid, creator);
  }
  creatorOf(pid: number): number | undefined {
    return this.creators.get(pid);
  }
  pids(): Iterable<number> {
    return this.set;
  }
  get size(): number {
    return this.set.size;
  }
  /** A member exited at `at` (epoch ms). */
  exited(pid: number, at: number): void {
    if (pid === this.rootPid || !this.set.has(pid)) return;
    this.exitedAt.delete(pid); // re-inserted: the map stays in exit order
    this.exitedAt.set(pid, at);
  }
  /** Forgets the members that exited more than the grace before `now`. */
  sweep(now: number): void {
    for (const [pid, at] of this.exitedAt) {
      if (now - at < EXITED_GRACE_MS) return;
      this.exitedAt.delete(pid);
      this.set.delete(pid);
      this.creators.delete(pid);
    }
  }
}
