import { existsSync, lstatSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";

/** One session the dashboard lists: its dir (never shown to a path in a URL) and its summary. */
export interface IndexedSession {
  id: number;
  dir: string;
  target: string;
  started: string;
  sensors: string[];
  findings: { behavior: string; severity: string }[];
  hasHtml: boolean;
}

/** A real directory (not a symlink to one: we never follow what we did not expect). */
function isDir(p: string): boolean {
  try {
    return lstatSync(p).isDirectory();
  } catch {
    return false;
  }
}

function summary(dir: string, id: number): IndexedSession | undefined {
  const file = path.join(dir, "report.json");
  try {
    if (!lstatSync(file).isFile()) return undefined;
    const r = JSON.parse(readFileSync(file, "utf8")) as {
      target?: { label?: string };
      session?: { started?: string; sensors?: { name: string; status: string }[] };
      findings?: { behavior: string; severity: string }[];
    };
    return {
      id,
      dir,
      target: r.target?.label ?? "?",
      started: r.session?.started ?? "",
      sensors: (r.session?.sensors ?? []).filter((s) => s.status !== "unavailable").map((s) => s.name),
      findings: (r.findings ?? []).map((f) => ({ behavior: f.behavior, severity: f.severity })),
      hasHtml: existsSync(path.join(dir, "report.html")),
    };
  } catch {
    return undefined; // not a session, or one being written
  }
}

/**
 * The sessions under the dirs given: each dir that holds a report.json, and each of its subdirs
 * (two levels) that does. Read anew on each call: sessions come and go while we serve.
 */
export function indexSessions(roots: readonly string[]): IndexedSession[] {
  const dirs: string[] = [];
  const visit = (dir: string, depth: number) => {
    if (!isDir(dir)) return;
    if (existsSync(path.join(dir, "report.json"))) dirs.push(dir);
    // A survey's sessions sit one level deeper (DIR/services/NAME): listed wherever it stands.
    if (isSurvey(dir)) visit(path.join(dir, "services"), 1);
    if (depth === 0) return;
    let names: string[] = [];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) if (!n.startsWith(".")) visit(path.join(dir, n), depth - 1);
  };
  for (const r of roots) visit(path.resolve(r), 2);
  const unique = [...new Set(dirs)].sort();
  return unique.flatMap((d, i) => summary(d, i) ?? []).sort((a, b) => b.started.localeCompare(a.started));
}

/** The dirs given that `collect` made (they hold collect.db): each is a fleet to compare. */
export function fleetRoots(roots: readonly string[]): string[] {
  return [...new Set(roots.map((r) => path.resolve(r)))].filter((r) => {
    try {
      return isDir(r) && lstatSync(path.join(r, "collect.db")).isFile();
    } catch {
      return false;
    }
  });
}

/** A survey dir: it holds survey.json, a regular file. */
function isSurvey(dir: string): boolean {
  try {
    return lstatSync(path.join(dir, "survey.json")).isFile();
  } catch {
    return false;
  }
}

/** One survey the dashboard lists: its services in their ranking. */
export interface IndexedSurvey {
  dir: string;
  started: string;
  services: { rank: number; name: string; worst: string; findings: number; events: number; dir: string }[];
}

/** The surveys among the dirs given and their subdirs (one level). */
export function indexSurveys(roots: readonly string[]): IndexedSurvey[] {
  const dirs = new Set<string>();
  for (const r of roots) {
    const root = path.resolve(r);
    if (!isDir(root)) continue;
    if (isSurvey(root)) dirs.add(root);
    let names: string[] = [];
    try {
      names = readdirSync(root);
    } catch {
      /* unreadable */
    }
    for (const n of names)
      if (!n.startsWith(".") && isSurvey(path.join(root, n))) dirs.add(path.join(root, n));
  }
  const out: IndexedSurvey[] = [];
  for (const dir of [...dirs].sort()) {
    try {
      const s = JSON.parse(readFileSync(path.join(dir, "survey.json"), "utf8")) as {
        started?: string;
        services?: {
          rank: number;
          name: string;
          worst: string;
          findings: unknown[];
          events: number;
          dir: string;
        }[];
      };
      out.push({
        dir,
        started: s.started ?? "",
        services: (s.services ?? []).map((x) => ({
          rank: x.rank,
          name: x.name,
          worst: x.worst,
          findings: x.findings.length,
          events: x.events,
          dir: path.join(dir, x.dir),
        })),
      });
    } catch {
      /* being written, or not ours */
    }
  }
  return out.sort((a, b) => b.started.localeCompare(a.started));
}
