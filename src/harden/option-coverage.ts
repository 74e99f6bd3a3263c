import type { Coverage, CoverageDimension, CoverageVerdict } from "../analysis/coverage.js";
import type { ProfileLine } from "./systemd-options.js";

/**
 * The dimension of observed behaviour each option is drawn from: a line is as trustworthy as the
 * coverage of that dimension (a write path never seen is denied by ReadWritePaths=, a syscall
 * never seen by SystemCallFilter=). Options not listed depend on no one dimension.
 */
const DEPENDS_ON: Record<string, CoverageDimension> = {
  ProtectSystem: "paths-written",
  ReadWritePaths: "paths-written",
  ReadOnlyPaths: "config-changed",
  ProtectHome: "paths-written",
  PrivateTmp: "paths-written",
  ExecPaths: "executables",
  NoExecPaths: "executables",
  SystemCallFilter: "syscalls",
  CapabilityBoundingSet: "capabilities",
  IPAddressAllow: "peers",
  IPAddressDeny: "peers",
  RestrictAddressFamilies: "peers",
};

export interface LineCoverage {
  dimension: CoverageDimension;
  verdict: CoverageVerdict | "not measured";
}

/** How well the behaviour an option depends on was covered; undefined for an option without one. */
export function lineCoverage(
  line: Pick<ProfileLine, "option">,
  c: Coverage | undefined,
): LineCoverage | undefined {
  const dimension = DEPENDS_ON[line.option];
  if (!dimension) return undefined;
  const d = c?.dimensions.find((x) => x.dimension === dimension);
  return { dimension, verdict: d?.verdict ?? "not measured" };
}
