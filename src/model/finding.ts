import type { Rhythm } from "./session-view.js";

/** One cited event in a finding. `ts` is seconds since the session started. */
export interface Evidence {
  ts: number;
  pid: number;
  comm: string;
  sensor: string;
  summary: string;
}

export type Severity = "info" | "low" | "medium" | "high" | "critical";
export type Confidence = "low" | "medium" | "high";

/** A behaviour seen in the session: every occurrence aggregated, as in report.json. */
export interface Finding {
  behavior: string;
  flag: string;
  title: string;
  severity: Severity;
  confidence: Confidence;
  claim: string;
  evidence: Evidence[];
  /** All occurrences, of which `evidence` cites a few. */
  occurrences: number;
  reasoning: string;
  impact: string;
  visibilityGap: string;
  attack: string[];
  sensors: string[];
  primaryRisk: string;
  /** Periodic activity only: each rhythm with its beats (epoch ms), for the timeline. */
  rhythms?: Rhythm[];
}

/** The fixed words of one behaviour: its seed flag, title, and the report's prose. */
export interface BehaviorText {
  behavior: string;
  flag: string;
  title: string;
  primaryRisk: string;
  reasoning: string;
  impact: string;
  /** What no sensor can see for this behaviour, whatever the sensors. */
  inherentGap: string;
  attack: string[];
}
