import type { DriftSummary } from "./drift.js";
import type { Coverage } from "../analysis/coverage.js";
import type { Finding } from "./finding.js";
import type { SensorSummary } from "../session/recorder.js";
import type { TargetInfo } from "../session/target.js";
import type { PublishStats } from "../fleet/publisher.js";

/** Everything a renderer needs; renderers are pure functions of this. */
export interface ReportModel {
  target: TargetInfo;
  started: number;
  ended: number;
  /** A live session's run of the target: from its release (or attach) to our stop request. */
  window?: { released: number; stopRequested: number };
  /**
   * The target's root process ended on its own, before our stop request: when (epoch ms), how
   * long after its release, and its status. A clean report of a dead target is no all-clear.
   */
  targetExit?: { at: number; afterMs: number; code?: number; signal?: string; durationMs?: number };
  /** The recording never finished (we were killed): the time of the last event it holds. */
  cutShort?: {
    lastEventAt: number;
    /** Why, when not our own death: a collected copy whose end never came. */
    why?: string;
  };
  /** The oldest events, dropped under `--max-disk` before the analysis read them: counted here. */
  eventsDropped?: { parts: number; events: number; bytes: number; untilAt: number };
  /** A sensor's death changed the target at `at`: nothing later counts as the target's behaviour. */
  disturbed?: { at: number; by: string; reason: string };
  sensors: SensorSummary[];
  /** The session was sent to a fleet's bus (`observe --publish`): what went, what did not. */
  publish?: PublishStats;
  /** Files the target wrote that we would not read (a symlink on the path), with why. */
  refusedCaptures?: { path: string; reason: string }[];
  events: number;
  processes: number;
  findings: Finding[];
  /** What `watch` found departing from its baseline (a watch session only). */
  drift?: DriftSummary;
  /** Whether the session watched long enough, per dimension (see analysis/coverage.ts). */
  coverage?: Coverage;
  /** Behaviour ids that no finding covers, with why they may have been missed. */
  notFound: { behavior: string; note: string }[];
}
