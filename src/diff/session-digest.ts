import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { readSurface } from "../harden/surface.js";
import { classesOfSurface } from "../baseline/value-classes.js";
import { ShadowError, type Issue } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";

interface ReportFinding {
  behavior: string;
  flag: string;
  title: string;
  severity: string;
  occurrences: number;
  evidence: { summary: string }[];
}

export interface Period {
  key: string;
  periodMs: number;
  jitter: number;
}

/** What `diff` compares of one session: its findings and the classes of what it did. */
export interface SessionDigest {
  label: string;
  source: string;
  findings: Map<string, ReportFinding>;
  /** Undefined for a bare report.json: only the findings can be compared. */
  classes?: {
    executables: Set<string>;
    written: Set<string>;
    peers: Set<string>;
    secretKinds: Set<string>;
  };
  periods: Period[];
}

/** A session dir, or a report.json (findings only). */
export async function digest(input: string, warn: (i: Issue) => void): Promise<SessionDigest> {
  let st;
  try {
    st = statSync(input);
  } catch {
    throw new ShadowError(`${input}: no such session dir or report`);
  }
  const dir = st.isDirectory() ? input : undefined;
  const reportFile = dir ? path.join(dir, "report.json") : input;
  if (!existsSync(reportFile))
    throw new ShadowError(`${input}: no report.json (analyse it first: shadow-signals analyze ${input})`);
  assertRegularFile(reportFile);
  let report: { target?: { label?: string }; findings?: ReportFinding[] };
  try {
    report = JSON.parse(readFileSync(reportFile, "utf8")) as typeof report;
  } catch (err) {
    throw new ShadowError(`${reportFile}: not a report.json: ${(err as Error).message}`, { cause: err });
  }
  if (!Array.isArray(report.findings))
    throw new ShadowError(`${reportFile}: not a shadow-signals report (no findings list)`);
  const findings = new Map(report.findings.map((f) => [f.behavior, f]));
  const periods: Period[] = [];
  for (const ev of findings.get("periodic-autonomous-activity")?.evidence ?? []) {
    const m = /^"(.+)" recurs every ([\d.]+) s \(jitter ([\d.]+)%/.exec(ev.summary);
    if (m) periods.push({ key: m[1]!, periodMs: Number(m[2]) * 1000, jitter: Number(m[3]) / 100 });
  }
  const secretKinds = new Set<string>();
  for (const ev of findings.get("plaintext-secret-in-temp")?.evidence ?? [])
    for (const m of ev.summary.matchAll(/\b([a-z][a-z0-9-]*)#[0-9a-f]{10}\b/g)) secretKinds.add(m[1]!);
  const out: SessionDigest = { label: report.target?.label ?? input, source: input, findings, periods };
  if (dir && existsSync(path.join(dir, "session.db"))) {
    const s = await readSurface([dir], warn);
    out.classes = { ...classesOfSurface(s), secretKinds };
  }
  return out;
}
