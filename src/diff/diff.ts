import { setChange } from "../baseline/value-classes.js";
import type { Period, SessionDigest } from "./session-digest.js";

export interface ClassChange {
  name: "executables" | "written paths" | "peers" | "secret kinds";
  /** The behaviour these occurrences belong to, for the reader. */
  behavior: string;
  added: string[];
  removed: string[];
}

export interface DiffResult {
  a: { label: string; source: string };
  b: { label: string; source: string };
  newBehaviors: { behavior: string; title: string; occurrences: number; severity: string }[];
  goneBehaviors: { behavior: string; title: string; occurrences: number }[];
  changed: {
    behavior: string;
    title: string;
    before: number;
    after: number;
    severityBefore: string;
    severityAfter: string;
  }[];
  unchanged: string[];
  classes: ClassChange[];
  periods: { added: Period[]; removed: Period[]; changed: { key: string; before: Period; after: Period }[] };
  /** True when B has a behaviour or an occurrence class A had not: diff exits 1. */
  somethingNew: boolean;
  /** What could not be compared (a bare report.json has no classes). */
  limits: string[];
}

const CLASS_BEHAVIOR: Record<ClassChange["name"], string> = {
  executables: "external-binary-execution",
  "written paths": "privileged-write-steady-state",
  peers: "internal-socket-connection",
  "secret kinds": "plaintext-secret-in-temp",
};

/** Two periods are the same rhythm when they differ by less than their jitter (at least 10%). */
export function samePeriod(a: Period, b: Period): boolean {
  const tolerance = Math.max(a.jitter, b.jitter, 0.1);
  return Math.abs(a.periodMs - b.periodMs) <= tolerance * Math.max(a.periodMs, b.periodMs);
}

/** B against A: what is new, gone and changed, behaviour by behaviour. */
export function diffSessions(a: SessionDigest, b: SessionDigest): DiffResult {
  const newBehaviors = [...b.findings.values()]
    .filter((f) => !a.findings.has(f.behavior))
    .map((f) => ({ behavior: f.behavior, title: f.title, occurrences: f.occurrences, severity: f.severity }));
  const goneBehaviors = [...a.findings.values()]
    .filter((f) => !b.findings.has(f.behavior))
    .map((f) => ({ behavior: f.behavior, title: f.title, occurrences: f.occurrences }));
  const changed: DiffResult["changed"] = [];
  const unchanged: string[] = [];
  for (const f of a.findings.values()) {
    const g = b.findings.get(f.behavior);
    if (!g) continue;
    if (g.occurrences !== f.occurrences || g.severity !== f.severity)
      changed.push({
        behavior: f.behavior,
        title: f.title,
        before: f.occurrences,
        after: g.occurrences,
        severityBefore: f.severity,
        severityAfter: g.severity,
      });
    else unchanged.push(f.behavior);
  }
  const classes: ClassChange[] = [];
  const limits: string[] = [];
  if (a.classes && b.classes) {
    const pairs: [ClassChange["name"], Set<string>, Set<string>][] = [
      ["executables", a.classes.executables, b.classes.executables],
      ["written paths", a.classes.written, b.classes.written],
      ["peers", a.classes.peers, b.classes.peers],
      ["secret kinds", a.classes.secretKinds, b.classes.secretKinds],
    ];
    for (const [name, x, y] of pairs) {
      const { added, removed } = setChange(x, y);
      if (added.length || removed.length)
        classes.push({ name, behavior: CLASS_BEHAVIOR[name], added, removed });
    }
  } else
    limits.push(
      "a report.json alone holds no executables, paths or peers: give session dirs to compare them",
    );
  const periods: DiffResult["periods"] = { added: [], removed: [], changed: [] };
  for (const p of b.periods) {
    const q = a.periods.find((x) => x.key === p.key);
    if (!q) periods.added.push(p);
    else if (!samePeriod(q, p)) periods.changed.push({ key: p.key, before: q, after: p });
  }
  for (const q of a.periods) if (!b.periods.some((x) => x.key === q.key)) periods.removed.push(q);
  const somethingNew =
    newBehaviors.length > 0 ||
    classes.some((c) => c.added.length > 0) ||
    periods.added.length > 0 ||
    periods.changed.length > 0;
  return {
    a: { label: a.label, source: a.source },
    b: { label: b.label, source: b.source },
    newBehaviors,
    goneBehaviors,
    changed,
    unchanged,
    classes,
    periods,
    somethingNew,
    limits,
  };
}
