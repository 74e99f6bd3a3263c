import { isPrivileged } from "../proc/status.js";
import type { ProcessSnapshot } from "../session/process-table.js";
import type { AnalysisContext } from "./context.js";

export function firstSnapshot(pid: number, ctx: AnalysisContext): ProcessSnapshot | undefined {
  return ctx.processes.get(pid)?.snapshots[0];
}

/** True/false from /proc credentials; undefined when no snapshot exists (imported logs). */
export function privileged(pid: number, ctx: AnalysisContext): boolean | undefined {
  const s = firstSnapshot(pid, ctx);
  return s ? isPrivileged(s) : undefined;
}

/** A short human description of a process's credentials, for evidence. */
export function credSummary(s: ProcessSnapshot): string {
  return `uid=${s.uid[1]} gid=${s.gid[1]} CapEff=${s.capEff} seccomp=${s.seccomp} nnp=${s.noNewPrivs}`;
}
