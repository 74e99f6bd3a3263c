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
  private readonly recent = new Map<string, number>();
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
    const dedupe = `${e.pid}|${key}`;
    const last = this.recent.get(dedupe);
    if (last !== undefined && Math.abs(e.ts - last) < 1000) return false;
    if (this.recent.size > 4096) this.recent.clear(); // bounded; worst case a rare double count
    this.recent.set(dedupe, e.ts);
    this.count++;
    if (this.examples.some((x) => x.key === key)) {
      this.credit(e.sensor, key);
      return true;
    }
    if (this.examples.length < this.maxExamples) {
      this.examples.push({ key, absTs: e.ts, ts: 0, pid: e.pid, comm: e.comm, sensor: e.sensor, summary });
    }
    return true;
  }

  /** Another sensor saw the occurrence `key` (already added): it contributes, the count stays. */
  credit(sensor: string, key: string): void {
    this.sensors.add(sensor);
    const example = this.examples.find((x) => x.key === key);
    if (example && !example.sensor.split("+").includes(sensor)) example.sensor += `+${sensor}`;
  }

  evidence(): Evidence[] {
    const t0 = this.origin();
    return this.examples.map(({ key: _k, absTs, ...rest }) => ({
      ...rest,
      ts: Math.round((absTs - t0) / 10) / 100,
    }));
  }
}
