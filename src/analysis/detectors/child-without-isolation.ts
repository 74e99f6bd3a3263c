import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { isPrivileged } from "../../proc/status.js";
import type { ProcessSnapshot } from "../../session/process-table.js";
import { credSummary, firstSnapshot, ownConfinement } from "../process-info.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "child-without-isolation",
  flag: "Flag-2 (methodology)",
  title: "Privileged child process execution without isolation",
  primaryRisk: "Privilege inheritance, lateral movement",
  reasoning:
    "Helpers launched by privileged daemons are expected to run with reduced privileges: another uid, dropped capabilities, a namespace or a seccomp filter. Full inheritance widens the attack surface to every helper.",
  impact:
    "Any compromise or manipulation of a spawned process results in privileged execution, enabling lateral movement or persistence.",
  inherentGap: "Telemetry does not expose the intent or trust assumptions behind the executed children.",
  attack: ["T1068", "T1548"],
};

const SAME_FIELDS = ["capEff", "capBnd"] as const;

/** Same uid/gid, capabilities, seccomp, no_new_privs and namespaces. */
function sameConfinement(child: ProcessSnapshot, parent: ProcessSnapshot, ctx: AnalysisContext): boolean {
  // What a sensor set on both (strace's seccomp filter) is neither's isolation.
  const [c, p] = [ownConfinement(child, ctx), ownConfinement(parent, ctx)];
  return (
    child.uid[1] === parent.uid[1] &&
    child.gid[1] === parent.gid[1] &&
    SAME_FIELDS.every((f) => child[f] === parent[f]) &&
    c.seccomp === p.seccomp &&
    c.noNewPrivs === p.noNewPrivs &&
    Object.keys(parent.ns).every((n) => child.ns[n] === parent.ns[n])
  );
}

/**
 * Whether a decoded effective set (strace: `1<<CAP_CHOWN|...`, `~(1<<CAP_X)`, `0`) still holds
 * CAP_SYS_ADMIN: root's whole set re-applied (cron before a root job) is no drop.
 */
function keepsAdmin(caps: string): boolean {
  if (caps.startsWith("~")) return !caps.includes("CAP_SYS_ADMIN");
  return caps.includes("CAP_SYS_ADMIN");
}

/**
 * A credential call that gives up privilege: a uid or euid other than root, or a capset that leaves out CAP_SYS_ADMIN. Calls
 * that keep root (cron's setgid(0), initgroups, setuid(0) before a root job; -1 leaves an id as it
 * was) and group changes alone (root stays root) do not. A capset whose sets no sensor decoded is
 * judged by the /proc snapshots where there are some; an imported log has only the call.
 */
function dropsPrivilege(e: Extract<ShadowEvent, { kind: "cred" }>, ctx: AnalysisContext): boolean {
  if (e.syscall === "capset") return e.caps !== undefined ? !keepsAdmin(e.caps) : !ctx.live;
  return [e.uid, e.euid].some((x) => x !== undefined && x !== -1 && x !== 0);
}

/** A privileged process's children keep its uid/gid, capabilities, namespaces, seccomp and no_new_privs. */
export class ChildWithoutIsolationDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "cred", "ns", "fork"] as const;
  private set: EvidenceSet | undefined;
  /** Processes that dropped root or capabilities, and their descendants: not privileged parents. */
  private readonly dropped = new Set<number>();
  /**
   * Each process's isolation step: a namespace entered (unshare, setns) starts a new one, inherited
   * by its forks. A child is isolated from its parent only if it took a step of its own: a daemon
   * that runs in a namespace since its launch (`ip netns exec NS daemon`) gives its helpers that
   * namespace, which is the daemon's, not theirs.
   */
  private readonly step = new Map<number, number>();
  /** The step a process had from its parent (at its fork, or when first seen). */
  private readonly inherited = new Map<number, number>();
  private steps = 0;
  private readonly children = new Map<number, { e: ShadowEvent; path: string }>();

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.err) return;
    if (e.kind === "cred") {
      if (dropsPrivilege(e, ctx)) this.dropped.add(e.pid);
      return;
    }
    if (e.kind === "ns") {
      if (this.step.size < 65_536 || this.step.has(e.pid)) this.step.set(e.pid, ++this.steps);
      return;
    }
    // A changed credential or namespace is inherited: the children of a process that dropped to
    // nobody run as nobody. Imported logs have no /proc snapshots, so this is all they tell.
    if (e.kind === "fork") {
      if (this.dropped.has(e.pid) && this.dropped.size < 65_536) this.dropped.add(e.child);
      if (this.inherited.size < 65_536) {
        const s = this.step.get(e.pid) ?? 0;
        this.step.set(e.child, s);
        this.inherited.set(e.child, s);
      }
      return;
    }
    if (e.kind !== "exec") return;
    // No fork seen (a sensor that reports execs only): the parent's step is what it started with.
    if (!this.inherited.has(e.pid) && this.inherited.size < 65_536) {
      const s = this.step.get(e.ppid ?? -1) ?? 0;
      this.inherited.set(e.pid, s);
      if (!this.step.has(e.pid)) this.step.set(e.pid, s);
    }
    if (this.children.has(e.pid) || this.children.size > 4096) return;
    this.children.set(e.pid, { e, path: e.path });
  }

  /** Dropped root or capabilities, or entered a namespace of its own after its parent's. */
  private isolated(pid: number): boolean {
    return this.dropped.has(pid) || (this.step.get(pid) ?? 0) !== (this.inherited.get(pid) ?? 0);
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    for (const [pid, { e, path }] of this.children) {
      if (pid === ctx.rootPid || this.isolated(pid)) continue;
      const parentPid = ctx.processes.get(pid)?.ppid ?? e.ppid;
      if (parentPid === undefined || parentPid === pid) continue;
      const child = firstSnapshot(pid, ctx);
      const parents = ctx.processes.get(parentPid)?.snapshots ?? [];
      if (child && parents.length > 0) {
        // The parent as it was at some moment of the session: a parent that entered a namespace
        // after its start (`ip netns exec`) was read before and after, and which read came first
        // relative to the child's exec depends on timing. Sharing any of its states is inheriting.
        const parent = parents.find((p) => isPrivileged(p) && sameConfinement(child, p, ctx));
        if (!parent) continue;
        (this.set ??= newEvidence(ctx)).add(
          e,
          `${path} (pid ${pid}) runs as its parent pid ${parentPid}: ${credSummary(child, ctx)}, same namespaces`,
          path,
        );
      } else if (!ctx.live && ctx.processes.get(parentPid) !== undefined && !this.dropped.has(parentPid)) {
        // Imported log: no creds; no setuid/capset/unshare seen between fork and exec.
        (this.set ??= newEvidence(ctx)).add(
          e,
          `${path} (pid ${pid}) started by pid ${parentPid} with no privilege change in the log (credentials inferred from its set*id, capset and unshare calls, inherited down the tree)`,
          path,
        );
      }
    }
    if (!this.set) return undefined;
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target spawns child processes that inherit its full privilege level (${plural(this.set.count, "child", "children")}): the same uid/gid, effective and bounding capabilities, namespaces, seccomp mode and no_new_privs as the daemon itself — no privilege reduction and no sandbox of their own.`,
      severity: "high",
      ...(ctx.live ? {} : { confidence: "low" as const }),
      blind: {
        ptrace: "credentials come from /proc snapshots; a child that lives less than a few ms may be missed.",
      },
    });
  }
}
