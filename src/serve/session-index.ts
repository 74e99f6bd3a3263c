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
