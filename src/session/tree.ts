import type { ObservedTree } from "../sensors/sensor.js";

export class TreeSet implements ObservedTree {
  private readonly set = new Set<number>();
  constructor(
    readonly rootPid: number,
    readonly marker?: string,
  ) {
    this.set.add(rootPid);
  }
  has(pid: number): boolean {
    return this.set.has(pid);
  }
  add(pid: number): void {
    this.set.add(pid);
  }
  pids(): Iterable<number> {
    return this.set;
  }
}
