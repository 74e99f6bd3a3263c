import { formatDuration } from "../util/duration.js";
import type { ReportModel } from "../model/report-model.js";

type TargetExit = NonNullable<ReportModel["targetExit"]>;

/** "exited with status 1", "was killed by SIGSEGV", or "ended (no sensor saw its status)". */
export function howItEnded(t: TargetExit): string {
  if (t.signal !== undefined) return `was killed by ${t.signal}`;
  if (t.code !== undefined) return `exited with status ${t.code}`;
  return "ended (no sensor in use saw its status)";
}

/** A failure: a non-zero status or a signal. An unknown status is not called a failure. */
export const failed = (t: TargetExit) => t.signal !== undefined || (t.code !== undefined && t.code !== 0);

/** One sentence for every output: the target ended on its own, how and when. */
export function targetExitSentence(t: TargetExit): string {
  const early =
    t.durationMs !== undefined ? `, before the ${formatDuration(t.durationMs)} asked for were up` : "";
  return `The target ended on its own ${formatDuration(t.afterMs)} after it started${early}: it ${howItEnded(t)}.`;
}
