import type { ProcessRecord } from "../session/process-table.js";

/**
 * The processes of reused pids, for an analysis that reads events in time order: each event's pid
 * must name the process that had it at that time, not the last one to get it. The context's
 * process map starts at each such pid's first process and moves on as the events reach the start
 * of the next one (its fork), so that every detector asks the map as it always has.
 */
export class ProcessGenerations {
  /** Per reused pid, its later processes not reached yet, oldest first. */
  private readonly later = new Map<number, ProcessRecord[]>();

  /** `processes` holds each pid's newest process; `earlier`, the processes before them. */
  constructor(processes: Map<number, ProcessRecord>, earlier: readonly ProcessRecord[]) {
    const byPid = new Map<number, ProcessRecord[]>();
    for (const r of earlier) (byPid.get(r.pid) ?? byPid.set(r.pid, []).get(r.pid)!).push(r);
    for (const [pid, list] of byPid) {
      const newest = processes.get(pid);
      const all = [...list, ...(newest ? [newest] : [])].sort((a, b) => (a.gen ?? 0) - (b.gen ?? 0));
      processes.set(pid, all[0]!);
      this.later.set(pid, all.slice(1));
    }
  }

  get none(): boolean {
    return this.later.size === 0;
  }

  /** Moves `pid` on to the process that had it at `ts`. */
  advance(processes: Map<number, ProcessRecord>, pid: number, ts: number): void {
    const next = this.later.get(pid);
    if (!next) return;
    while (next.length > 0 && next[0]!.started !== undefined && ts >= next[0]!.started)
      processes.set(pid, next.shift()!);
    if (next.length === 0) this.later.delete(pid);
  }
}
