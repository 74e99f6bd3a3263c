import type { AnalysisContext } from "../analysis/context.js";
import { PathClassifier } from "../analysis/paths.js";

/** A live session's context for detector tests: t0 at 1,000,000 ms, root pid 100, one ptrace sensor. */
export function analysisContext(over: Partial<AnalysisContext> = {}): AnalysisContext {
  return {
    target: { kind: "command", label: "test" },
    rootPid: 100,
    processes: new Map(),
    artifacts: new Map(),
    sensors: [{ name: "ptrace", status: "stopped", reason: "", events: 0, dropped: 0, errors: 0 }],
    paths: new PathClassifier("/"),
    startedAt: 1_000_000,
    endedAt: 1_000_000 + 60_000,
    steadyFrom: undefined,
    stopRequestedAt: undefined,
    releasedAt: undefined,
    live: true,
    ...over,
  };
}
