import type { ShadowEvent } from "../events/schema.js";
import { GATE_NAME } from "../session/launcher.js";
import type { AnalysisContext } from "./context.js";
import type { Detector } from "./detector.js";
import { createDetectors } from "./detectors/index.js";
import type { Finding } from "./finding.js";
import { PhaseTracker } from "./phases.js";

/**
 * Streams events through the detectors. Each event meets only the detectors that asked for its
 * kind; state is bounded per detector, so memory stays flat in the input size.
 */
export class Analyzer {
  private readonly detectors: Detector[] = createDetectors();
  private readonly byKind = new Map<string, Detector[]>();
  private readonly phases = new PhaseTracker();
  events = 0;
  firstTs = Infinity;
  lastTs = 0;

  constructor(readonly ctx: AnalysisContext) {
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
    // The gate shell that held the target until the sensors were ready is ours, not the target's.
    if (e.kind === "exec" && e.argv.includes(GATE_NAME)) return;
    // After a sensor's death changed the target (strace's seccomp filter made its syscalls fail),
    // what it does is our doing, not its behaviour.
    if (this.ctx.disturbed && e.ts >= this.ctx.disturbed.at) return;
    if (e.ts < this.firstTs) this.firstTs = e.ts;
    if (e.ts > this.lastTs) this.lastTs = e.ts;
    if (this.ctx.rootPid === undefined) this.ctx.rootPid = e.pid; // imported log: the first process
    this.phases.observe(e, this.ctx);
    const list = this.byKind.get(e.kind);
    if (list) for (const d of list) d.observe(e, this.ctx);
  };

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
