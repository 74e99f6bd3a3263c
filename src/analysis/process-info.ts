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

/**
 * The process's own seccomp mode and no_new_privs: what a sensor added (strace's filter under the
 * ptrace sensor) taken away. no_new_privs set by the sensor cannot be told from the target's own,
 * so it counts as the baseline's; `induced` names what the sensor set, for the evidence.
 */
export function ownConfinement(
  s: ProcessSnapshot,
  ctx: Pick<AnalysisContext, "sensorConfinement">,
): { seccomp: number; noNewPrivs: number; induced: string[] } {
  const c = ctx.sensorConfinement;
  if (!c) return { seccomp: s.seccomp, noNewPrivs: s.noNewPrivs, induced: [] };
  const induced: string[] = [];
  let seccomp = s.seccomp;
  if (s.seccomp === 2 && c.seccompFilters > 0) {
    const own = (s.seccompFilters ?? c.baseline.seccompFilters + c.seccompFilters) - c.seccompFilters;
    seccomp = own > 0 ? 2 : c.baseline.seccomp;
    if (seccomp !== s.seccomp) induced.push(`seccomp=${s.seccomp}`);
  }
  let noNewPrivs = s.noNewPrivs;
  if (c.noNewPrivs && s.noNewPrivs === 1 && c.baseline.noNewPrivs === 0) {
    noNewPrivs = 0;
    induced.push(`nnp=${s.noNewPrivs}`);
  }
  return { seccomp, noNewPrivs, induced };
}

/** A short human description of a process's credentials, for evidence; sensor-made values said so. */
export function credSummary(s: ProcessSnapshot, ctx: Pick<AnalysisContext, "sensorConfinement">): string {
  const own = ownConfinement(s, ctx);
  const by = ctx.sensorConfinement?.by;
  const note = own.induced.length
    ? ` (${own.induced.join(", ")} set by the ${by} sensor, not the target)`
    : "";
  return `uid=${s.uid[1]} gid=${s.gid[1]} CapEff=${s.capEff} seccomp=${own.seccomp} nnp=${own.noNewPrivs}${note}`;
}
