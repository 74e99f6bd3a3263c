import type { CoverageDimension, CoverageVerdict } from "../analysis/coverage.js";
import type { Severity } from "../model/finding.js";

/** One service's line in the host summary. */
export interface SurveyedService {
  name: string;
  kind: "unit" | "daemon";
  cgroup?: string;
  mainPid: number;
  processes: number;
  /** Its session dir, relative to the survey's out dir (`services/nginx.service`). */
  dir: string;
  events: number;
  dropped: number;
  findings: { behavior: string; severity: Severity; occurrences: number }[];
  /** Whether the survey watched this service long enough (its report's coverage, in short). */
  coverage?: { verdict: CoverageVerdict; sentence: string; observeLonger: CoverageDimension[] };
}

/** survey.json: the host's services ranked, the worst first. */
export interface SurveySummary {
  schema: "shadow-signals/survey@1";
  outDir: string;
  started: string;
  ended: string;
  sensor: { name: string; status: string; events: number; dropped: number; reason?: string };
  /** The niceness the survey ran at (`--nice`): it yields the CPU to what it watches. */
  nice?: number;
  /** Events of processes no surveyed service claimed (their fork was not seen). */
  unrouted: number;
  services: (SurveyedService & { rank: number; worst: Severity | "none" })[];
}

const ORDER: Severity[] = ["critical", "high", "medium", "low", "info"];
const weight = (s: Severity) => ORDER.length - ORDER.indexOf(s);

/**
 * The ranking: by the worst severity found, then by how many findings of each severity from the
 * top down, then by name. The behavioural counterpart of `systemd-analyze security`'s table.
 */
export function rankServices(input: {
  outDir: string;
  started: number;
  ended: number;
  sensor: SurveySummary["sensor"];
  unrouted: number;
  services: SurveyedService[];
}): SurveySummary {
  const profile = (s: SurveyedService) =>
    ORDER.map((sev) => s.findings.filter((f) => f.severity === sev).length);
  const ranked = [...input.services].sort((a, b) => {
    const pa = profile(a);
    const pb = profile(b);
    for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return pb[i]! - pa[i]!;
    return a.name.localeCompare(b.name);
  });
  return {
    schema: "shadow-signals/survey@1",
    outDir: input.outDir,
    started: new Date(input.started).toISOString(),
    ended: new Date(input.ended).toISOString(),
    sensor: input.sensor,
    unrouted: input.unrouted,
    services: ranked.map((s, i) => ({
      ...s,
      rank: i + 1,
      worst: s.findings.reduce<Severity | "none">(
        (w, f) => (w === "none" || weight(f.severity) > weight(w) ? f.severity : w),
        "none",
      ),
    })),
  };
}
