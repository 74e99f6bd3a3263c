import type { ShadowEvent } from "../events/schema.js";
import type { Evidence } from "../model/finding.js";

/**
 * Collects a behaviour's occurrences in bounded memory: a count, the sensors that saw it, and a
 * few distinct examples. The same occurrence seen by two sensors within a second counts once.
 */
export class EvidenceSet {
  count = 0;
  readonly sensors = new Set<string>();
  readonly examples: (Evidence & { key: string; absTs: number })[] = [];
  /** When each (key, pid) was last counted: key -> pid -> ts. */
  private readonly recent = new Map<string, Map<number, number>>();
  private recentSize = 0;
  private readonly byKey = new Map<string, Evidence & { key: string; absTs: number }>();
  inferredOnly = true;

  constructor(
    private readonly origin: () => number,
    private readonly maxExamples = 6,
  ) {}

  /** Adds an occurrence; returns false when it was the same one again (another sensor, < 1 s). */
  add(
    e: Pick<ShadowEvent, "ts" | "pid" | "comm" | "inferred"> & { sensor: string },
    summary: string,
    key = summary,
  ): boolean {
    this.sensors.add(e.sensor);
    if (!e.inferred) this.inferredOnly = false;
    // Looked up by key, then pid: no string made per occurrence (a busy daemon makes millions).
    let pids = this.recent.get(key);
    const last = pids?.get(e.pid);
    if (last !== undefined && Math.abs(e.ts - last) < 1000) return false;
    if (this.recentSize > 4096) {
      this.recent.clear(); // bounded; worst case a rare double count
      this.recentSize = 0;
      pids = undefined;
    }
    if (!pids) this.recent.set(key, (pids = new Map()));
    if (!pids.has(e.pid)) this.recentSize++;
    pids.set(e.pid, e.ts);
    this.count++;
    const example = this.byKey.get(key);
    if (example) {
      this.creditExample(example, e.sensor);
      return true;
    }
    if (this.examples.length < this.maxExamples) {
      const x = { key, absTs: e.ts, ts: 0, pid: e.pid, comm: e.comm, sensor: e.sensor, summary };
      this.examples.push(x);
      this.byKey.set(key, x);
    }
    return true;
  }

  /** Another sensor saw the occurrence `key` (already added): it contributes, the count stays. */
  credit(sensor: string, key: string): void {
    this.sensors.add(sensor);
    const example = this.byKey.get(key);
    if (example) this.creditExample(example, sensor);
  }

  private creditExample(example: Evidence, sensor: string): void {
    if (example.sensor !== sensor && !example.sensor.split("+").includes(sensor))
      example.sensor += `+${sensor}`;
  }

  evidence(): Evidence[] {
    const t0 = this.origin();
    return this.examples.map(({ key: _k, absTs, ...rest }) => ({
      ...rest,
      ts: Math.round((absTs - t0) / 10) / 100,
    }));
  }
}
