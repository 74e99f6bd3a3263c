import type { ProcessRecord } from "../session/process-table.js";
import type { Artifact } from "../session/artifacts.js";
import type { SensorSummary } from "../session/recorder.js";
import type { SensorConfinement, TargetInfo } from "../session/target.js";
import { PathClassifier } from "./paths.js";

/** What every detector may consult besides the event stream. */
export interface AnalysisContext {
  target: TargetInfo;
  rootPid: number | undefined;
  processes: Map<number, ProcessRecord>;
  artifacts: Map<string, Artifact>;
  sensors: SensorSummary[];
  paths: PathClassifier;
  /** Session start and end, epoch ms (end known once the stream is read). */
  startedAt: number;
  endedAt: number;
  /** When a launched target was let go from the gate (epoch ms); earlier events are the gate's. */
  releasedAt: number | undefined;
  /** When we asked the target to stop (epoch ms): later events are its shutdown phase. */
  stopRequestedAt: number | undefined;
  /** When the root's start-up phase ended (epoch ms), set by the phase tracker as events flow. */
  steadyFrom: number | undefined;
  /** From when a sensor's death changed the target: later events are not its own behaviour. */
  disturbed?: { at: number; by: string; reason: string } | undefined;
  /** What a sensor added to every traced process's confinement: not the target's own. */
  sensorConfinement?: SensorConfinement | undefined;
  /** True when /proc snapshots exist (a live session), false for an imported log. */
  live: boolean;
}

export function makePaths(target: TargetInfo): PathClassifier {
  return new PathClassifier(target.root ?? "/");
}
