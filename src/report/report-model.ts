import type { Finding } from "../analysis/finding.js";
import type { SensorSummary } from "../session/recorder.js";
import type { TargetInfo } from "../session/target.js";

/** Everything a renderer needs; renderers are pure functions of this. */
export interface ReportModel {
  target: TargetInfo;
  started: number;
  ended: number;
  sensors: SensorSummary[];
  events: number;
  processes: number;
  findings: Finding[];
  /** Behaviour ids that no finding covers, with why they may have been missed. */
  notFound: { behavior: string; note: string }[];
}
