import type { Drift, Priority } from "./drift.js";

/**
 * An alert in Falco's JSON output shape (`json_output: true`), so that Falcosidekick and every
 * pipeline that reads Falco's alerts take ours as they are: time (RFC 3339, nanoseconds), rule,
 * priority, output (the time, the priority, the sentence and its fields), output_fields, source,
 * hostname, tags.
 */
/** The keys of Falco's JSON output, all of them, in sorted order. */
export const FALCO_KEYS = [
  "hostname",
  "output",
  "output_fields",
  "priority",
  "rule",
  "source",
  "tags",
  "time",
] as const;

export interface FalcoAlert {
  time: string;
  rule: string;
  priority: Priority;
  output: string;
  output_fields: Record<string, string | number>;
  source: "shadow-signals";
  hostname: string;
  tags: string[];
}

/**
 * `ts` (epoch ms, with a fraction) as RFC 3339 with nine fraction digits, as Falco writes it. The
 * sensors' clocks give microseconds (a double of epoch ms holds no more): the last three are 0.
 */
export function falcoTime(ts: number): string {
  const whole = Math.floor(ts);
  const us = Math.min(999, Math.round((ts - whole) * 1000));
  return new Date(whole)
    .toISOString()
    .replace(/\.(\d{3})Z$/, (_, ms: string) => `.${ms}${String(us).padStart(3, "0")}000Z`);
}

export function toFalco(d: Drift, hostname: string, suppressed = 0): FalcoAlert {
  const fields = {
    "evt.time": falcoTime(d.ts),
    ...d.fields,
    ...(suppressed ? { "shadow.suppressed": suppressed } : {}),
  };
  const clock = falcoTime(d.ts).slice(11, -1);
  const shown = Object.entries(d.fields)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(" ");
  const repeats = suppressed ? ` [${suppressed} repeat(s) suppressed since the last alert]` : "";
  return {
    time: falcoTime(d.ts),
    rule: d.rule,
    priority: d.priority,
    output: `${clock}: ${d.priority} ${d.text} (${shown})${repeats}`,
    output_fields: fields,
    source: "shadow-signals",
    hostname,
    tags: d.tags,
  };
}
