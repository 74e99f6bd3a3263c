import type { ObservedTree } from "../sensors/sensor.js";
import type { CgroupScope } from "../targets/target.js";

export class TreeSet implements ObservedTree {
  private readonly set = new Set<number>();
  private readonly creators = new Map<number, number>();
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
    this.set.add(pid);
    if (creator !== undefined && !this.creators.has(pid)) this.creators.set(pid, creator);
  }
  creatorOf(pid: number): number | undefined {
    return this.creators.get(pid);
  }
  pids(): Iterable<number> {
    return this.set;
  }
}
