import type { ObservedTree } from "../sensors/sensor.js";
import type { CgroupScope } from "../targets/target.js";
import { ExitGrace } from "./exit-grace.js";

/**
 * The observed tree's processes, as userspace knows them. A process leaves it a grace period after
 * its exit (ExitGrace: a 60-minute soak's memory grew 7 MiB per 10 minutes while it kept every
 * pid). The root stays.
 */
export class TreeSet implements ObservedTree {
  private readonly set = new Set<number>();
  private readonly creators = new Map<number, number>();
  private readonly grace = new ExitGrace();
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
    if (this.grace.reused(pid)) this.creators.delete(pid); // a pid in use again: another process
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
    if (pid !== this.rootPid && this.set.has(pid)) this.grace.exited(pid, at);
  }
  /** Forgets the members that exited more than the grace before `now`. */
  sweep(now: number): void {
    this.grace.sweep(now, (pid) => {
      this.set.delete(pid);
      this.creators.delete(pid);
    });
  }
}
