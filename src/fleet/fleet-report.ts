import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { samePeriod } from "../diff/diff.js";
import { digest, type Period, type SessionDigest } from "../diff/session-digest.js";
import type { Issue } from "../util/result.js";
import { isToken } from "./subjects.js";

/** What a fleet compares across hosts: the same classes as `diff`, and the behaviours. */
export type Dimension = "behaviour" | "executable" | "written path" | "peer" | "secret kind" | "period";

/** The behaviour an occurrence class belongs to, as in `diff`. */
const DIMENSION_BEHAVIOR: Record<Exclude<Dimension, "behaviour">, string> = {
  executable: "external-binary-execution",
  "written path": "privileged-write-steady-state",
  peer: "internal-socket-connection",
  "secret kind": "plaintext-secret-in-temp",
  period: "periodic-autonomous-activity",
};

export interface FleetSession {
  session: string;
  started: number | undefined;
  events: number;
  behaviours: string[];
  cutShort: boolean;
}

export interface FleetHost {
  host: string;
  sessions: FleetSession[];
}

/** One host that does what most do not, or does not do what most do. */
export interface Outlier {
  host: string;
  dimension: Dimension;
  value: string;
  kind: "only here" | "missing here" | "different period";
  /** How many of the other hosts have it (for "only here": 0 or a minority). */
  othersWith: number;
  others: number;
  behavior: string;
  /** The host's first session showing it, and how many of its earlier sessions did not. */
  since?: { session: string; started: number | undefined; earlierWithout: number };
  detail?: string;
}

export interface FleetReport {
  schema: "shadow-signals/fleet@1";
  dir: string;
  hosts: FleetHost[];
  /** behaviour -> host -> occurrences in its sessions (0: not seen). */
  matrix: { behavior: string; title: string; perHost: Record<string, number> }[];
  outliers: Outlier[];
  limits: string[];
}

interface HostItems {
  host: string;
  /** value -> index of the first session (in time order) that had it. */
  items: Map<Dimension, Map<string, number>>;
  periods: Map<string, { period: Period; first: number }>;
  sessions: FleetSession[];
  digests: SessionDigest[];
}

/** Reads DIR/<host>/<session>/ as `collect` left it; sessions without a report are skipped with a warning. */
export async function buildFleetReport(dir: string, warn: (i: Issue) => void): Promise<FleetReport> {
  const limits: string[] = [];
  const hosts: HostItems[] = [];
  const titles = new Map<string, string>();
  for (const host of subdirs(dir)) {
    const sessions: { s: FleetSession; d: SessionDigest }[] = [];
    for (const session of subdirs(path.join(dir, host))) {
      const sessionDir = path.join(dir, host, session);
      if (!existsSync(path.join(sessionDir, "report.json"))) {
        limits.push(`${host}/${session}: no report yet (still being collected?), left out`);
        continue;
      }
      const d = await digest(sessionDir, warn);
      const report = JSON.parse(readFileSync(path.join(sessionDir, "report.json"), "utf8")) as {
        session?: { started?: string; events?: number; cutShort?: unknown };
      };
      for (const f of d.findings.values()) titles.set(f.behavior, f.title);
      sessions.push({
        d,
        s: {
          session,
          started: report.session?.started ? Date.parse(report.session.started) : undefined,
          events: report.session?.events ?? 0,
          behaviours: [...d.findings.keys()].sort(),
          cutShort: report.session?.cutShort !== undefined,
        },
      });
    }
    if (sessions.length === 0) continue;
    sessions.sort((a, b) => (a.s.started ?? 0) - (b.s.started ?? 0));
    hosts.push(hostItems(host, sessions));
  }
  const outliers = findOutliers(hosts);
  if (hosts.length < 3)
    limits.push(
      `${hosts.length} host(s): a fleet needs three or more for a majority to stand out from; compare two with 'shadow-signals diff A B'`,
    );
  if (hosts.some((h) => h.digests.some((d) => !d.classes)))
    limits.push(
      "some sessions have no session.db: only their behaviours are compared, not their executables, paths, peers or secret kinds",
    );
  const behaviours = [...new Set(hosts.flatMap((h) => [...h.items.get("behaviour")!.keys()]))].sort();
  return {
    schema: "shadow-signals/fleet@1",
    dir,
    hosts: hosts.map((h) => ({ host: h.host, sessions: h.sessions })),
    matrix: behaviours.map((b) => ({
      behavior: b,
      title: titles.get(b) ?? b,
      perHost: Object.fromEntries(
        hosts.map((h) => [h.host, h.digests.reduce((n, d) => n + (d.findings.get(b)?.occurrences ?? 0), 0)]),
      ),
    })),
    outliers,
    limits,
  };
}

function subdirs(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => isToken(name) && lstatSync(path.join(dir, name)).isDirectory())
    .sort();
}

function hostItems(host: string, sessions: { s: FleetSession; d: SessionDigest }[]): HostItems {
  const items = new Map<Dimension, Map<string, number>>(
    (["behaviour", "executable", "written path", "peer", "secret kind", "period"] as const).map((d) => [
      d,
      new Map(),
    ]),
  );
  const periods = new Map<string, { period: Period; first: number }>();
  sessions.forEach(({ d }, i) => {
    const add = (dim: Dimension, values: Iterable<string>) => {
      const m = items.get(dim)!;
      for (const v of values) if (!m.has(v)) m.set(v, i);
    };
    add("behaviour", d.findings.keys());
    if (d.classes) {
      add("executable", d.classes.executables);
      add("written path", d.classes.written);
      add("peer", d.classes.peers);
      add("secret kind", d.classes.secretKinds);
    }
    add(
      "period",
      d.periods.map((p) => p.key),
    );
    // The latest session's rhythm is the host's rhythm now.
    for (const p of d.periods) periods.set(p.key, { period: p, first: periods.get(p.key)?.first ?? i });
  });
  return { host, items, periods, sessions: sessions.map((x) => x.s), digests: sessions.map((x) => x.d) };
}

/**
 * A value that a strict minority of hosts have is "only here" on each of them; one that a strict
 * majority have is "missing here" on the rest. With fewer than three hosts nothing stands out.
 */
function findOutliers(hosts: HostItems[]): Outlier[] {
  const n = hosts.length;
  if (n < 3) return [];
  const out: Outlier[] = [];
  for (const dim of ["behaviour", "executable", "written path", "peer", "secret kind", "period"] as const) {
    const values = new Set(hosts.flatMap((h) => [...h.items.get(dim)!.keys()]));
    for (const value of [...values].sort()) {
      const having = hosts.filter((h) => h.items.get(dim)!.has(value));
      const behavior = dim === "behaviour" ? value : DIMENSION_BEHAVIOR[dim];
      if (having.length * 2 < n)
        for (const h of having) {
          const first = h.items.get(dim)!.get(value)!;
          out.push({
            host: h.host,
            dimension: dim,
            value,
            kind: "only here",
            othersWith: having.length - 1,
            others: n - 1,
            behavior,
            since: {
              session: h.sessions[first]!.session,
              started: h.sessions[first]!.started,
              earlierWithout: first,
            },
          });
        }
      else if (having.length * 2 > n)
        for (const h of hosts.filter((x) => !having.includes(x)))
          out.push({
            host: h.host,
            dimension: dim,
            value,
            kind: "missing here",
            othersWith: having.length,
            others: n - 1,
            behavior,
          });
    }
  }
  out.push(...periodOutliers(hosts));
  const order = { "only here": 0, "different period": 1, "missing here": 2 };
  return out.sort((a, b) => order[a.kind] - order[b.kind] || a.host.localeCompare(b.host));
}

/** A rhythm (same key) that most hosts keep and one host keeps at another period. */
function periodOutliers(hosts: HostItems[]): Outlier[] {
  const out: Outlier[] = [];
  const n = hosts.length;
  const keys = new Set(hosts.flatMap((h) => [...h.periods.keys()]));
  for (const key of [...keys].sort()) {
    const withKey = hosts.filter((h) => h.periods.has(key));
    for (const h of withKey) {
      const mine = h.periods.get(key)!;
      const alike = withKey.filter((o) => samePeriod(o.periods.get(key)!.period, mine.period)).length;
      const others = withKey
        .filter((o) => o !== h)
        .map((o) => `${(o.periods.get(key)!.period.periodMs / 1000).toFixed(1)} s`);
      // Most hosts keep this rhythm, and this host keeps another.
      if (withKey.length * 2 > n && alike * 2 < withKey.length)
        out.push({
          host: h.host,
          dimension: "period",
          value: key,
          kind: "different period",
          othersWith: withKey.length - alike,
          others: n - 1,
          behavior: DIMENSION_BEHAVIOR.period,
          detail: `every ${(mine.period.periodMs / 1000).toFixed(1)} s here; ${others.join(", ")} on the others`,
          since: {
            session: h.sessions[mine.first]!.session,
            started: h.sessions[mine.first]!.started,
            earlierWithout: mine.first,
          },
        });
    }
  }
  return out;
}
