import type { ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";

/**
 * The root process's start-up phase ends at its first quiet gap (no event for `gapMs`) or
 * `maxMs` after it started, whichever is first. A process already running when observation began
 * is in steady state from the start.
 */
export class PhaseTracker {
  private first: number | undefined;
  private last: number | undefined;

  constructor(
    private readonly gapMs = 1000,
    private readonly maxMs = 15_000,
  ) {}

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (ctx.steadyFrom !== undefined || e.pid !== ctx.rootPid) return;
    if (ctx.releasedAt !== undefined && e.ts < ctx.releasedAt) return; // held at the gate, not running yet
    if (this.first === undefined) {
      const started = ctx.processes.get(e.pid)?.started;
      if (ctx.target.kind === "pid" || (started !== undefined && started < ctx.startedAt - 1000)) {
        ctx.steadyFrom = ctx.startedAt;
        return;
      }
      this.first = e.ts;
    }
    if ((this.last !== undefined && e.ts - this.last >= this.gapMs) || e.ts - this.first >= this.maxMs)
      ctx.steadyFrom = e.ts;
    this.last = e.ts;
  }
}

export function isSteady(e: ShadowEvent, ctx: AnalysisContext): boolean {
  return (
    ctx.steadyFrom !== undefined &&
    e.ts >= ctx.steadyFrom &&
    (ctx.stopRequestedAt === undefined || e.ts < ctx.stopRequestedAt)
  );
}
