/** How long an exited process stays known: its late events (a write sum flushed each second) still belong. */
export const EXITED_GRACE_MS = 10_000;

/**
 * Processes that exited, and when, in exit order: a holder of pids (the observed tree, the survey's
 * router) forgets each one a grace period after its exit. A daemon forking hundreds of children a
 * second for a day would otherwise leave every pid it ever had there, and a pid the kernel gives to
 * an unrelated process later would still look like the old one.
 */
export class ExitGrace {
  private readonly exitedAt = new Map<number, number>();

  /** `pid` exited at `at` (ms, on the clock `sweep` is given). */
  exited(pid: number, at: number): void {
    this.exitedAt.delete(pid); // re-inserted: the map stays in exit order
    this.exitedAt.set(pid, at);
  }

  /** Whether `pid` exited and is within its grace. */
  has(pid: number): boolean {
    return this.exitedAt.has(pid);
  }

  /** `pid` is in use again (another process): its exit is no longer pending. True if it was. */
  reused(pid: number): boolean {
    return this.exitedAt.delete(pid);
  }

  /** Calls `forget` for every pid that exited more than the grace before `now`, and drops it. */
  sweep(now: number, forget: (pid: number) => void): void {
    for (const [pid, at] of this.exitedAt) {
      if (now - at < EXITED_GRACE_MS) return; // in exit order: the rest are younger
      this.exitedAt.delete(pid);
      forget(pid);
    }
  }
}
