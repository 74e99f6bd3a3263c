import { readFileSync } from "node:fs";
import path from "node:path";
import { ShadowError, type Issue } from "../util/result.js";
import { writeNewFile } from "../util/safe-fs.js";
import { apparmorProfile } from "./apparmor-profile.js";
import { renderDropIn, synthesizedUnit } from "./dropin.js";
import { planFilesystem, type FsPlan } from "./fs-plan.js";
import { lineCoverage } from "./option-coverage.js";
import { publicCoverage } from "../report/json.js";
import { renderHardenMd } from "./harden-md.js";
import { checkAppArmor, checkSyscallNames, type CheckResult } from "./profile-checks.js";
import { seccompProfile, type SeccompProfile } from "./seccomp-profile.js";
import { readSurface, type ObservedSurface } from "./surface.js";
import { syscallView, type SyscallView } from "./syscall-view.js";
import { planSystemd, type ProfileLine } from "./systemd-options.js";
import { exposureScore, localSystemdVersion, syscallGroups, verifyUnit } from "./systemd-tools.js";

export const FORMATS = ["systemd", "seccomp", "apparmor"] as const;
export type Format = (typeof FORMATS)[number];

export interface HardenOptions {
  sessions: string[];
  outDir: string;
  /** A unit file to lay the drop-in over (verify, score); else one is made from the target's argv. */
  unit?: string;
  formats: Format[];
  /** The target's systemd version; default the local one. */
  systemdVersion?: number;
  warn: (i: Issue) => void;
}

export interface HardenResult {
  surface: ObservedSurface;
  view: SyscallView;
  fs: FsPlan;
  lines: ProfileLine[];
  version: number;
  dropIn: { active: string; suggested: string };
  seccomp?: SeccompProfile;
  seccompRefused?: string;
  apparmor?: string;
  scores: { before?: number; active?: number; suggested?: number };
  /** The unit file the drop-in was checked against: --unit, or the observed unit's own; else one was made. */
  unitFile?: string;
  checks: { verify?: CheckResult; syscallNames?: CheckResult; apparmor?: CheckResult };
}

/** Debian 12's: the version assumed when neither the flag nor a local systemd-analyze says. */
const FALLBACK_VERSION = 252;

/** The profile name AppArmor gets: letters, digits and dashes from the target's program. */
function profileName(s: ObservedSurface): string {
  const base = path.basename(s.target.argv?.[0] ?? s.target.label).replace(/[^\w-]+/g, "-");
  return `shadow-signals-${base || "target"}`.slice(0, 64);
}

/** Builds every profile from the sessions, checks each with the real tool, and writes them. */
export async function harden(o: HardenOptions): Promise<HardenResult> {
  const surface = await readSurface(o.sessions, o.warn);
  const version = o.systemdVersion ?? localSystemdVersion();
  if (version === undefined)
    o.warn({
      code: "systemd_version",
      message: `systemd-analyze not found: options gated on systemd ${FALLBACK_VERSION} (set --systemd-version)`,
    });
  const view = syscallView(surface);
  const fs = planFilesystem(surface);
  const lines = planSystemd({
    s: surface,
    fs,
    view,
    version: version ?? FALLBACK_VERSION,
    groups: syscallGroups(),
  });
  const result: HardenResult = {
    surface,
    view,
    fs,
    lines,
    version: version ?? FALLBACK_VERSION,
    dropIn: {
      active: renderDropIn(lines, surface, "active"),
      suggested: renderDropIn(lines, surface, "suggested"),
    },
    scores: {},
    checks: {},
  };
  // A session of a unit (observe --unit) knows its unit file: the drop-in is checked against it.
  const unitFile = o.unit ?? surface.target.unitFile;
  const unitText = unitFile ? readUnit(unitFile) : synthesizedUnit(surface);
  if (unitFile) result.unitFile = unitFile;
  if (o.formats.includes("systemd")) {
    const verify = verifyUnit(unitText, result.dropIn.active);
    result.checks.verify = !verify
      ? { skipped: "systemd-analyze is not installed (Debian package: systemd)" }
      : verify.ok
        ? { ok: true, detail: "systemd-analyze verify --recursive-errors=yes: no complaint" }
        : { ok: false, detail: verify.problems.join("; ") };
    if (verify && !verify.ok)
      o.warn({ code: "verify", message: `systemd-analyze verify complains: ${verify.problems.join("; ")}` });
    result.scores = {
      before: exposureScore(unitText),
      active: exposureScore(unitText, result.dropIn.active),
      suggested: exposureScore(unitText, result.dropIn.suggested),
    };
  }
  if (!o.formats.includes("seccomp")) result.seccompRefused = "not asked for (--format)";
  else {
    try {
      result.seccomp = seccompProfile(view);
      result.checks.syscallNames = checkSyscallNames(result.seccomp.syscalls[0]!.names);
    } catch (err) {
      if (!(err instanceof ShadowError)) throw err;
      result.seccompRefused = err.message.replace(/^seccomp profile refused: /, "");
      o.warn({ code: "seccomp_refused", message: err.message });
    }
  }
  if (o.formats.includes("apparmor")) {
    result.apparmor = apparmorProfile(surface, view, profileName(surface));
    result.checks.apparmor = checkAppArmor(result.apparmor);
  }
  writeOutputs(o, result);
  return result;
}

function readUnit(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new ShadowError(`${file}: cannot read the unit: ${(err as Error).message}`, { cause: err });
  }
}

function writeOutputs(o: HardenOptions, r: HardenResult): void {
  const put = (name: string, text: string) => writeNewFile(path.join(o.outDir, name), text);
  if (o.formats.includes("systemd")) put("harden.conf", r.dropIn.active);
  if (r.seccomp) put("seccomp.json", JSON.stringify(r.seccomp, null, 2) + "\n");
  if (r.apparmor) put("apparmor.profile", r.apparmor);
  put("harden.md", renderHardenMd(r));
  put(
    "harden.json",
    JSON.stringify(
      {
        schema: "shadow-signals/harden@1",
        target: r.surface.target.label,
        systemdVersion: r.version,
        coverage: r.surface.sessions.map(({ usage: _u, ...c }) => c),
        ...(r.surface.observed ? { longEnough: publicCoverage(r.surface.observed) } : {}),
        scores: r.scores,
        lines: r.lines.map((l) => {
          const c = lineCoverage(l, r.surface.observed);
          return c ? { ...l, coverage: c } : l;
        }),
        filesystem: r.fs,
        syscallSources: r.view.sources,
        ...(r.seccompRefused ? { seccompRefused: r.seccompRefused } : {}),
        checks: r.checks,
      },
      null,
      2,
    ) + "\n",
  );
}
