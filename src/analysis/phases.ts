import type { ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";

/** Targets attached while they run: their start-up is behind them, all we see is steady state. */
const ALREADY_RUNNING = new Set(["pid", "cgroup", "unit", "container"]);

/**
 * The target's start-up phase ends by time: at the whole tree's first quiet gap (no event of any
 * of its processes for `gapMs`), or `maxMs` after its first event, whichever comes first. Not by
 * the root's next event: a supervisor whose root sleeps while its children work would never leave
 * start-up, and every steady-state detector would stay blind. A process already running when
 * observation began is in steady state from the start.
 */
export class PhaseTracker {
  private first: number | undefined;
  private last: number | undefined;

  constructor(
    private readonly gapMs = 1000,
    private readonly maxMs = 15_000,
  ) {}

  observe(
    e: ShadowEvent,
    ctx: Pick<
      AnalysisContext,
      "steadyFrom" | "releasedAt" | "rootPid" | "processes" | "target" | "startedAt"
    >,
  ): void {
    if (ctx.steadyFrom !== undefined) return;
    if (ctx.releasedAt !== undefined && e.ts < ctx.releasedAt) return; // held at the gate, not running yet
    if (this.first === undefined) {
      const started = ctx.rootPid !== undefined ? ctx.processes.get(ctx.rootPid)?.started : undefined;
      if (ALREADY_RUNNING.has(ctx.target.kind) || (started !== undefined && started < ctx.startedAt - 1000)) {
        ctx.steadyFrom = ctx.startedAt;
        return;
      }
      this.first = e.ts;
    }
    if (e.ts - this.first >= this.maxMs) ctx.steadyFrom = this.first + this.maxMs;
    else if (this.last !== undefined && e.ts - this.last >= this.gapMs) ctx.steadyFrom = e.ts;
    // Sensors deliver in batches, a little out of order: the quiet gap is measured from the latest.
    this.last = Math.max(this.last ?? e.ts, e.ts);
  }
}

export function isSteady(e: ShadowEvent, ctx: AnalysisContext): boolean {
  return (
    ctx.steadyFrom !== undefined &&
    e.ts >= ctx.steadyFrom &&
    (ctx.stopRequestedAt === undefined || e.ts < ctx.stopRequestedAt)
  );
}
