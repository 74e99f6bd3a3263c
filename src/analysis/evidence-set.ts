import type { ShadowEvent } from "../events/schema.js";
import type { Evidence } from "../model/finding.js";

/**
 * Collects a behaviour's occurrences in bounded memory: a count, the sensors that saw it, and a
 * few distinct examples. The same occurrence seen by two sensors within a second counts once.
 */
type Example = Evidence & { key: string; absTs: number };

/** What is known of one key: when each pid last had it counted, and its example if it has one. */
interface KeyState {
  pids: Map<number, number>;
  example: Example | undefined;
}

export class EvidenceSet {
  count = 0;
  readonly sensors = new Set<string>();
  readonly examples: Example[] = [];
  /** By key, one lookup an occurrence (a busy daemon makes millions): no string made for it. */
  private byKey = new Map<string, KeyState>();
  /** (key, pid) pairs remembered; bounded. */
  private remembered = 0;
  private lastSensor = "";
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
    if (e.sensor !== this.lastSensor) this.sensors.add((this.lastSensor = e.sensor));
    if (!e.inferred) this.inferredOnly = false;
    let state = this.byKey.get(key);
    const last = state?.pids.get(e.pid);
    if (last !== undefined && Math.abs(e.ts - last) < 1000) return false;
    if (this.remembered > 4096) {
      // Bounded: forget every pair, keep the examples' keys; worst case a rare double count.
      this.byKey = new Map(this.examples.map((x) => [x.key, { pids: new Map(), example: x }]));
      this.remembered = 0;
      state = this.byKey.get(key);
    }
    if (!state) this.byKey.set(key, (state = { pids: new Map(), example: undefined }));
    if (!state.pids.has(e.pid)) this.remembered++;
    state.pids.set(e.pid, e.ts);
    this.count++;
    if (state.example) {
      this.creditExample(state.example, e.sensor);
      return true;
    }
    if (this.examples.length < this.maxExamples) {
      state.example = { key, absTs: e.ts, ts: 0, pid: e.pid, comm: e.comm, sensor: e.sensor, summary };
      this.examples.push(state.example);
    }
    return true;
  }

  /** Another sensor saw the occurrence `key` (already added): it contributes, the count stays. */
  credit(sensor: string, key: string): void {
    this.sensors.add(sensor);
    const example = this.byKey.get(key)?.example;
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
