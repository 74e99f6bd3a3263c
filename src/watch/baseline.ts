import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { readSurface } from "../harden/surface.js";
import { classesOfSurface, type ValueSets } from "../baseline/value-classes.js";
import { NameTemplates } from "../analysis/name-templates.js";
import { openSession } from "../session/session-reader.js";
import { UsageError, type Issue } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";

/** The report schema this tool writes and reads; a baseline from a newer one is refused. */
const REPORT_SCHEMA = "shadow-signals/report@1";

/** What `watch` holds a running daemon to: the union of one or more sessions of it. */
export interface Baseline {
  label: string;
  /** The kind of target the baseline observed, and the program its root ran (a pid's label is its pid). */
  kind: string;
  rootExe?: string;
  dirs: string[];
  classes: ValueSets;
  /** Random file names of the baseline by their learned template (`/tmp/.tmpXXXXXX`). */
  templates: NameTemplates;
  /** The written paths, each by its template where it fits one. */
  writtenNames: Set<string>;
  /** Behaviour ids the baseline's reports found. */
  behaviors: Set<string>;
  /** Syscalls the baseline made, when every session counted them all (harden's allow-list). */
  syscalls?: Set<string>;
}

/**
 * Reads the baseline sessions. Anything that makes it unfit is a usage error naming the dir: not
 * a session, cut short, corrupt (a line or the database unreadable), from a newer report schema,
 * or of another daemon than the others.
 */
export async function loadBaseline(dirs: readonly string[]): Promise<Baseline> {
  if (!dirs.length) throw new UsageError("--baseline: give at least one session dir");
  const behaviors = new Set<string>();
  for (const dir of dirs) {
    checkSessionDir(dir);
    for (const b of reportBehaviors(dir)) behaviors.add(b);
  }
  let trouble: { dir: string; issue: Issue } | undefined;
  let surface;
  try {
    surface = await readSurface([...dirs], (issue) => (trouble ??= { dir: dirs[0]!, issue }));
  } catch (err) {
    throw new UsageError(`--baseline: ${(err as Error).message}`);
  }
  if (trouble) throw new UsageError(`--baseline ${trouble.dir}: corrupt: ${trouble.issue.message}`);
  const templates = new NameTemplates();
  const classes = classesOfSurface(surface);
  // Twice: the first pass teaches the templates, the second names every path by them.
  for (const p of classes.written) templates.of(p);
  const writtenNames = new Set([...classes.written].map((p) => templates.of(p).name));
  const censuses = surface.sessions.map((s) => s.usage.find((u) => u.complete));
  const syscalls = censuses.every((c) => c !== undefined)
    ? new Set(censuses.flatMap((c) => Object.keys(c!.syscalls)))
    : undefined;
  const first = openSession(dirs[0]!).meta;
  const root = first.rootPid !== undefined ? first.processes.get(first.rootPid) : undefined;
  const rootExe = root?.snapshots.find((x) => x.exe)?.exe;
  return {
    label: surface.target.label,
    kind: first.target.kind,
    ...(rootExe ? { rootExe } : {}),
    dirs: [...dirs],
    classes,
    templates,
    writtenNames,
    behaviors,
    ...(syscalls ? { syscalls } : {}),
  };
}

function checkSessionDir(dir: string): void {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new UsageError(`--baseline ${dir}: no such session dir`);
  }
  if (!st.isDirectory() || !existsSync(path.join(dir, "session.db")))
    throw new UsageError(`--baseline ${dir}: not a session dir (no session.db)`);
  let meta;
  try {
    meta = openSession(dir).meta;
  } catch (err) {
    throw new UsageError(`--baseline ${dir}: corrupt: ${(err as Error).message}`);
  }
  if (meta.target.kind !== "import" && meta.ended === undefined)
    throw new UsageError(
      `--baseline ${dir}: the session was cut short (it never ended): observe a whole one`,
    );
}

/** The behaviours a baseline's report.json found; the report must be of a schema we read. */
function reportBehaviors(dir: string): string[] {
  const file = path.join(dir, "report.json");
  if (!existsSync(file)) throw new UsageError(`--baseline ${dir}: no report.json (analyse it first)`);
  assertRegularFile(file);
  let report: { schema?: unknown; findings?: { behavior?: unknown }[] };
  try {
    report = JSON.parse(readFileSync(file, "utf8")) as typeof report;
  } catch (err) {
    throw new UsageError(`--baseline ${dir}: corrupt report.json: ${(err as Error).message}`);
  }
  if (report.schema !== REPORT_SCHEMA)
    throw new UsageError(
      `--baseline ${dir}: report schema ${JSON.stringify(report.schema)} is not ${REPORT_SCHEMA}, the one this version reads (a newer tool wrote it?)`,
    );
  if (!Array.isArray(report.findings))
    throw new UsageError(`--baseline ${dir}: corrupt report.json (no findings)`);
  return report.findings.map((f) => String(f.behavior));
}
