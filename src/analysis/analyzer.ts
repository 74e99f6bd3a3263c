import type { EventOf, ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";
import type { Detector } from "./detector.js";
import { createDetectors } from "./detectors/index.js";
import type { Finding } from "../model/finding.js";
import { LaunchPlumbing } from "./launch-plumbing.js";
import { PhaseTracker } from "./phases.js";
import { CoverageTracker } from "./coverage.js";
import { ProcessGenerations } from "./process-generations.js";
import type { ProcessRecord } from "../session/process-table.js";

/**
 * Streams events through the detectors. Each event meets only the detectors that asked for its
 * kind; state is bounded per detector, so memory stays flat in the input size.
 */
export class Analyzer {
  private readonly detectors: Detector[] = createDetectors();
  private readonly byKind = new Map<string, Detector[]>();
  private readonly phases = new PhaseTracker();
  private readonly plumbing = new LaunchPlumbing();
  /** Have we watched long enough: the values of each dimension, as they first appeared. */
  readonly coverage = new CoverageTracker();
  events = 0;
  firstTs = Infinity;
  lastTs = 0;
  /** The root process's end as the sensors saw it: the first exit, with a status where one was seen. */
  rootExit: { ts: number; code?: number; signal?: string } | undefined;

  /** Reused pids: the context's map follows them to the process each event is of. */
  private readonly generations: ProcessGenerations | undefined;

  constructor(
    readonly ctx: AnalysisContext,
    earlierGenerations: readonly ProcessRecord[] = [],
  ) {
    if (earlierGenerations.length > 0)
      this.generations = new ProcessGenerations(ctx.processes, earlierGenerations);
    for (const d of this.detectors) {
      for (const k of d.kinds) {
        const list = this.byKind.get(k) ?? [];
        list.push(d);
        this.byKind.set(k, list);
      }
    }
  }

  readonly observe = (e: ShadowEvent): void => {
    this.events++;
    // The gate shell that held the target until the sensors were ready is ours, not the target's;
    // so is a replay's sandbox.
    if (this.plumbing.isPlumbing(e, this.ctx)) return;
    // After a sensor's death changed the target (strace's seccomp filter made its syscalls fail),
    // what it does is our doing, not its behaviour.
    if (this.ctx.disturbed && e.ts >= this.ctx.disturbed.at) return;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (this.ctx.rootPid === undefined) this.ctx.rootPid = e.pid; // imported log: the first process
    if (e.kind === "exit" && e.pid === this.ctx.rootPid) this.noteRootExit(e);
    if (this.generations && !this.generations.none) {
      this.generations.advance(this.ctx.processes, e.pid, e.ts);
      if (e.kind === "fork") this.generations.advance(this.ctx.processes, e.child, e.ts);
    }
    this.phases.observe(e, this.ctx);
    this.coverage.observe(e, this.ctx);
    const list = this.byKind.get(e.kind);
    if (list) for (const d of list) d.observe(e, this.ctx);
  };

  private noteRootExit(e: EventOf<"exit">): void {
    const known = this.rootExit;
    const status = e.code !== undefined || e.signal !== undefined;
    // procfs infers an exit a scan late and without a status: a sensor that saw it wins.
    if (known && (known.code !== undefined || known.signal !== undefined || !status)) return;
    this.rootExit = {
      ts: known ? Math.min(known.ts, e.ts) : e.ts,
      ...(e.code !== undefined ? { code: e.code } : {}),
      ...(e.signal !== undefined ? { signal: e.signal } : {}),
    };
  }

  finish(): Finding[] {
    if (!Number.isFinite(this.ctx.startedAt) || this.ctx.startedAt === 0) this.ctx.startedAt = this.firstTs;
    if (!this.ctx.endedAt) this.ctx.endedAt = this.lastTs + 2001;
    const findings: Finding[] = [];
    for (const d of this.detectors) {
      const f = d.finish(this.ctx);
      if (f) findings.push(f);
    }
    return findings;
  }
}
