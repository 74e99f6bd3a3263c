import { readFileSync } from "node:fs";
import path from "node:path";
import { LaunchPlumbing } from "../analysis/launch-plumbing.js";
import type { ShadowEvent } from "../events/schema.js";
import { openSession } from "../session/session-reader.js";
import type { Issue } from "../util/result.js";
import type { SandboxPlan } from "./sandbox-plan.js";

interface ReportFinding {
  behavior: string;
  flag: string;
  title: string;
  occurrences: number;
}

/** A failed call seen in the replay and never in the original session. */
export interface NewFailure {
  what: string;
  count: number;
  /** Why the profile caused it, when it did; undefined: not explained (unexpected). */
  expected?: string;
  /** The failing process ran a program the original session never ran: new behaviour. */
  newProgram?: string;
}

export interface Comparison {
  closed: ReportFinding[];
  kept: { behavior: string; flag: string; before: number; after: number }[];
  appeared: (ReportFinding & { expected?: string })[];
  failures: NewFailure[];
  /** Events per kind and minute, before and after: the daemon's core still runs. */
  activity: { kind: string; before: number; after: number }[];
  unexpected: boolean;
}

function findings(dir: string): ReportFinding[] {
  const r = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as { findings: ReportFinding[] };
  return r.findings;
}

/** Paths that differ from run to run for no reason of the daemon's: pids, our out dirs. */
function normalize(p: string, dir: string): string {
  return p
    .replace(/^\/proc\/\d+/, "/proc/PID")
    .split(dir)
    .join("<session>");
}

function subject(e: ShadowEvent): string {
  switch (e.kind) {
    case "exec":
    case "open":
    case "unlink":
    case "chmod":
    case "chown":
    case "write":
      return e.path;
    case "rename":
      return e.to;
    case "connect":
    case "bind":
      return e.unixPath ?? `${e.address ?? ""}:${e.port ?? ""}`;
    case "cred":
    case "ns":
      return e.syscall;
    default:
      return "";
  }
}

/** Failed calls of the session's target (plumbing left out), by kind, subject and errno; and activity. */
async function failuresOf(
  dir: string,
  warn: (i: Issue) => void,
): Promise<{
  failed: Map<string, { e: ShadowEvent; count: number; program?: string }>;
  perKind: Map<string, number>;
  minutes: number;
  /** Programs the target ran (successfully). */
  executed: Set<string>;
}> {
  const session = openSession(dir);
  const meta = session.meta;
  const ctx = { target: meta.target, rootPid: meta.rootPid };
  const plumbing = new LaunchPlumbing();
  const failed = new Map<string, { e: ShadowEvent; count: number; program?: string }>();
  const perKind = new Map<string, number>();
  const executed = new Set<string>();
  const programOf = new Map<number, string>();
  await session.events((e) => {
    if (plumbing.isPlumbing(e, ctx)) return;
    if (meta.releasedAt !== undefined && e.ts < meta.releasedAt) return;
    if (meta.stopRequestedAt !== undefined && e.ts >= meta.stopRequestedAt) return; // its shutdown
    perKind.set(e.kind, (perKind.get(e.kind) ?? 0) + 1);
    if (e.kind === "exec" && !e.err) {
      executed.add(e.path);
      programOf.set(e.pid, e.path);
    }
    if (!e.err || e.err === "EINPROGRESS" || e.err === "EAGAIN") return;
    const key = `${e.kind} ${normalize(subject(e), dir)} ${e.err}`;
    const f = failed.get(key);
    if (f) f.count++;
    else
      failed.set(key, { e, count: 1, ...(programOf.has(e.pid) ? { program: programOf.get(e.pid)! } : {}) });
  }, warn);
  const span = (meta.stopRequestedAt ?? meta.ended ?? meta.started) - (meta.releasedAt ?? meta.started);
  return { failed, perKind, minutes: Math.max(span, 1000) / 60_000, executed };
}

/** Why the profile made this call fail, if it did. */
function explain(e: ShadowEvent, plan: SandboxPlan): string | undefined {
  const under = (p: string, dirs: string[]) => dirs.some((d) => p === d || p.startsWith(d + "/"));
  if (e.err === "EPERM") return "denied by the profile (seccomp allow-list or the capability set: EPERM)";
  if (e.err === "EROFS") return "read-only filesystem: not among the writable paths (ProtectSystem=strict)";
  if (
    e.kind === "exec" &&
    e.err === "EACCES" &&
    under(e.path, plan.noExec) &&
    !under(e.path, plan.execAllowed)
  )
    return "noexec: a program in a writable place (NoExecPaths=)";
  return undefined;
}

/** The original session against its replay under the profile. */
export async function compareReplay(
  originalDir: string,
  replayDir: string,
  plan: SandboxPlan,
  warn: (i: Issue) => void,
): Promise<Comparison> {
  const before = findings(originalDir);
  const after = findings(replayDir);
  const a = await failuresOf(originalDir, warn);
  const b = await failuresOf(replayDir, warn);
  const failures: NewFailure[] = [];
  const known = new Set([...a.failed.keys()].map((k) => k.replace("<session>", "")));
  for (const [key, { e, count, program }] of b.failed) {
    if (known.has(key.replace("<session>", ""))) continue;
    const expected = explain(e, plan);
    const fresh = program && !a.executed.has(program) ? program : undefined;
    failures.push({
      what: key,
      count,
      ...(expected ? { expected } : {}),
      ...(fresh ? { newProgram: fresh } : {}),
    });
  }
  const allExpected = failures.every((f) => f.expected);
  const appeared = after
    .filter((f) => !before.some((x) => x.behavior === f.behavior))
    .map((f) =>
      // A denial looks exactly like a silent failure: it is one only if some failure is unexplained.
      f.behavior === "silent-failure-fallback" && allExpected
        ? { ...f, expected: "the denials the profile caused, swallowed by the daemon" }
        : f,
    );
  const kinds = new Set([...a.perKind.keys(), ...b.perKind.keys()]);
  const rate = (m: Map<string, number>, k: string, minutes: number) => Math.round((m.get(k) ?? 0) / minutes);
  return {
    closed: before.filter((f) => !after.some((x) => x.behavior === f.behavior)),
    kept: before
      .filter((f) => after.some((x) => x.behavior === f.behavior))
      .map((f) => ({
        behavior: f.behavior,
        flag: f.flag,
        before: f.occurrences,
        after: after.find((x) => x.behavior === f.behavior)!.occurrences,
      })),
    appeared,
    failures,
    activity: [...kinds]
      .sort()
      .map((k) => ({ kind: k, before: rate(a.perKind, k, a.minutes), after: rate(b.perKind, k, b.minutes) })),
    unexpected: !allExpected || appeared.some((f) => !("expected" in f) || !f.expected),
  };
}
