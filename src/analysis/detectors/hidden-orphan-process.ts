import path from "node:path";
import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "hidden-orphan-process",
  flag: "Flag-2",
  title: "Hidden orphan process",
  primaryRisk: "Covert persistence, evasion",
  reasoning:
    "A descendant that starts its own session, is reparented away from the daemon and outlives its parent escapes process-tree based monitoring; a name that imitates a kernel thread hides it from a casual `ps`.",
  impact:
    "A detached, masquerading process is a classic persistence and evasion technique: it survives restarts of its parent and blends into kernel threads.",
  inherentGap:
    "Telemetry does not reveal what the detached process is for, nor whether it would survive a reboot.",
  attack: ["T1036.004", "T1036.005", "T1564"],
};

interface Proc {
  e: ShadowEvent;
  /** Sensors that saw it detach, move or rename itself. */
  sensors: Set<string>;
  setsid: boolean;
  reparented: boolean;
  names: Set<string>;
  /** The path its last exec named. */
  exe?: string;
  /**
   * Its execs as the sensors reported them (a few): the path the caller named and when. Each
   * sensor reports an exec its own way (procfs names the executable it found), so all are kept.
   */
  calls: { path: string; ts: number }[];
}

/** Detached descendants (setsid, double fork, reparented) and masquerading names. */
/** `/memfd:kworker (deleted)` -> `kworker`: a program run from memory (memfd_create + fexecve). */
export const filelessName = (exe: string | undefined) =>
  /^\/memfd:(.*?)(?: \(deleted\))?$/.exec(exe ?? "")?.[1];

/**
 * A program run through a link that gives it another name: `/tmp/x/httpd -> /usr/bin/python3`
 * shows comm `httpd` and exe python3.11. The name it shows differs from its executable, which is
 * masquerading. Not one: a script (the kernel runs its interpreter with the script's path as an
 * argument), and a package manager's links (sh -> dash) in the system's program directories.
 */
function aliasOf(p: Proc, ctx: AnalysisContext): { name: string; real: string; called: string } | undefined {
  const snaps = ctx.processes.get(p.e.pid)?.snapshots ?? [];
  for (const call of p.calls) {
    if (ctx.paths.isProgramAliasDir(call.path)) continue;
    // The program running itself again (busybox's applets: /proc/self/exe) is no other name.
    if (/^\/proc\/(?:self|\d+)\/exe$/.test(call.path)) continue;
    // The process as /proc showed it after that exec.
    const snap = snaps.find((s) => s.at >= call.ts - 50);
    if (!snap?.exe || snap.exe === call.path) continue;
    const name = path.basename(call.path);
    if (path.basename(snap.exe) === name || snap.comm !== name.slice(0, 15)) continue;
    if (snap.cmdline.slice(1, 3).includes(call.path)) continue; // #!: the interpreter runs the script
    return { name, real: snap.exe, called: call.path };
  }
  return undefined;
}

/**
 * Whether a process hides what it runs: a kernel thread's "[name]" on a user-space binary
 * (kernel threads have no exe; comm is cut at 15 characters, so the closing bracket may be
 * missing), a deleted or memfd executable, or another program's name through a link.
 */
function masqueradeOf(
  names: Set<string>,
  exe: string | undefined,
  p: Proc | undefined,
  ctx: AnalysisContext,
): { any: boolean; what: string[] } {
  const kthreadLike = exe !== undefined ? [...names].find((n) => n.startsWith("[")) : undefined;
  const deletedExe = exe !== undefined && (/ \(deleted\)$/.test(exe) || exe.startsWith("/memfd:"));
  const alias = deletedExe || !p ? undefined : aliasOf(p, ctx);
  const what: string[] = [];
  if (kthreadLike) what.push(`named "${kthreadLike}" like a kernel thread while running ${exe}`);
  if (alias)
    what.push(
      `runs ${alias.real} under the name "${alias.name}" (called through ${alias.called}, a link outside the system's program directories)`,
    );
  if (deletedExe && filelessName(exe))
    what.push(`runs a fileless program (memfd "${filelessName(exe)}"): it was never on disk`);
  else if (deletedExe) what.push(`runs from ${exe}`);
  return { any: what.length > 0, what };
}

export class HiddenOrphanDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "setsid", "reparent", "comm", "fork", "exit"] as const;
  private readonly procs = new Map<number, Proc>();
  private readonly exited = new Map<number, number>();
  private readonly forkedBy = new Map<number, number>();

  private proc(e: ShadowEvent): Proc {
    let p = this.procs.get(e.pid);
    if (!p) {
      p = { e, sensors: new Set(), setsid: false, reparented: false, names: new Set(), calls: [] };
      if (this.procs.size < 8192) this.procs.set(e.pid, p);
    }
    p.sensors.add(e.sensor);
    return p;
  }

  observe(e: ShadowEvent, _ctx: AnalysisContext): void {
    if (e.err) return;
    if (e.kind === "fork") this.forkedBy.set(e.child, e.pid);
    // The earliest exit wins: procfs reports an exit only at its next scan, later than it was.
    else if (e.kind === "exit") this.exited.set(e.pid, Math.min(e.ts, this.exited.get(e.pid) ?? Infinity));
    else if (e.kind === "setsid") this.proc(e).setsid = true;
    else if (e.kind === "reparent") this.proc(e).reparented = true;
    else if (e.kind === "comm") this.proc(e).names.add(e.name);
    else if (e.kind === "exec") {
      const p = this.proc(e);
      p.exe = e.path;
      if (p.calls.length < 8) p.calls.push({ path: e.path, ts: e.ts });
      if (e.argv[0]) p.names.add(e.argv[0]);
      p.names.add(e.comm);
    }
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    let set: EvidenceSet | undefined;
    for (const [pid, p] of this.procs) {
      if (pid === ctx.rootPid) continue;
      const rec = ctx.processes.get(pid);
      const snap = rec?.snapshots.at(-1);
      const creator = this.forkedBy.get(pid) ?? rec?.ppid;
      const parentGone =
        creator !== undefined &&
        this.exited.has(creator) &&
        (this.exited.get(pid) ?? Infinity) > this.exited.get(creator)!;
      // Still the child of its creator when last seen: not reparented, whatever was inferred.
      const stayed = snap !== undefined && creator !== undefined && snap.ppid === creator && !parentGone;
      const reparented =
        !stayed &&
        (p.reparented ||
          (rec?.reparented?.length ?? 0) > 0 ||
          (snap !== undefined && creator !== undefined && snap.ppid !== creator) ||
          parentGone);
      // Detached: it called setsid, or it runs in a session other than the daemon's (inherited from
      // a middle process that called setsid and exited: the classic double fork).
      const rootSid =
        ctx.rootPid !== undefined ? ctx.processes.get(ctx.rootPid)?.snapshots[0]?.sid : undefined;
      const otherSession = snap !== undefined && rootSid !== undefined && snap.sid !== rootSid;
      const detached = p.setsid || (snap !== undefined && snap.sid === pid) || otherSession;
      const names = new Set([...p.names, ...(snap ? [snap.comm, snap.cmdline[0] ?? ""] : [])]);
      const exe = snap?.exe ?? p.exe;
      const m = masqueradeOf(names, exe, p, ctx);
      if (!(detached && reparented) && !m.any) continue;
      const what: string[] = [];
      if (p.setsid || snap?.sid === pid) what.push("called setsid (own session)");
      else if (otherSession)
        what.push(`runs in another session (sid ${snap!.sid}) than the daemon's (sid ${rootSid})`);
      if (reparented)
        what.push(
          `reparented away from its creator pid ${creator ?? "?"}${snap ? ` to pid ${snap.ppid}` : ""}`,
        );
      what.push(...m.what);
      (set ??= newEvidence(ctx)).add(
        p.e,
        `pid ${pid} (${filelessName(exe) ? "fileless" : path.basename(exe ?? "?")}) ${what.join("; ")}`,
        String(pid),
      );
      for (const sensor of p.sensors) set.credit(sensor, String(pid));
    }
    // The target's own process may be the one hiding: a daemon found by `survey` or attached by
    // --pid that runs under a kernel thread's name, from memory, or through a link.
    const root = ctx.rootPid !== undefined ? ctx.processes.get(ctx.rootPid)?.snapshots.at(-1) : undefined;
    if (root && ctx.rootPid !== undefined) {
      const p = this.procs.get(ctx.rootPid);
      const names = new Set([...(p?.names ?? []), root.comm, root.cmdline[0] ?? ""]);
      const m = masqueradeOf(names, root.exe, p, ctx);
      if (m.any) {
        const e = p?.e ?? {
          ts: root.at,
          pid: ctx.rootPid,
          comm: root.comm,
          sensor: "analysis" as const,
          inferred: true,
        };
        (set ??= newEvidence(ctx)).add(
          e as ShadowEvent,
          `the target's own process, pid ${ctx.rootPid} (${filelessName(root.exe) ? "fileless" : path.basename(root.exe ?? "?")}), ${m.what.join("; ")}`,
          `root:${ctx.rootPid}`,
        );
      }
    }
    if (!set) return undefined;
    const rootOnly = set.count === 1 && set.examples.every((x) => x.key.startsWith("root:"));
    const descendants = set.count - (set.examples.some((x) => x.key.startsWith("root:")) ? 1 : 0);
    return buildFinding(ctx, TEXT, set, {
      claim: rootOnly
        ? "The target's own process hides what it runs: it masquerades as another program, a kernel thread, or runs from memory."
        : `The target leaves ${plural(descendants, "detached descendant")} that ${descendants === 1 ? "escapes" : "escape"} its process tree${set.examples.some((x) => /kernel thread/.test(x.summary)) ? ` and ${descendants === 1 ? "masquerades" : "masquerade"} as a kernel thread` : ""}${set.examples.some((x) => /under the name/.test(x.summary)) ? ` or ${descendants === 1 ? "runs" : "run"} under another program's name` : ""}${descendants < set.count ? "; its own process hides what it runs too" : ""}.`,
      severity: "high",
      blind: {
        ptrace: "sees setsid and prctl renames but not the reparenting itself, only the parent's exit.",
        procfs:
          "misses a launcher that lives less than one scan (~100 ms); the session marker still finds the orphan.",
      },
    });
  }
}
