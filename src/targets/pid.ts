import { isProcessAlive } from "../session/terminate.js";
import { ShadowError, UsageError } from "../util/result.js";
import type { ResolvedTarget } from "./target.js";

/** `observe --pid N`: one running process and its new descendants. Never signalled. */
export function pidTarget(pid: number): ResolvedTarget {
  if (!Number.isInteger(pid) || pid <= 0) throw new UsageError(`--pid: expected a process id, got '${pid}'`);
  // A runtime error (exit 1), as it always was for --pid: the pid was well formed.
  if (!isProcessAlive(pid)) throw new ShadowError(`no process with pid ${pid}`);
  return {
    kind: "pid",
    label: `pid-${pid}`,
    mainPid: pid,
    members: () => (isProcessAlive(pid) ? [pid] : []),
    follows: "descendants",
    ownedByUs: false,
    details: {},
  };
}
