import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { credSummary, firstSnapshot, ownConfinement, privileged } from "../process-info.js";
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

/** A privileged process's children keep its uid/gid, capabilities, namespaces, seccomp and no_new_privs. */
export class ChildWithoutIsolationDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "cred", "ns", "fork"] as const;
  private set: EvidenceSet | undefined;
  private readonly dropped = new Set<number>();
  private readonly children = new Map<number, { e: ShadowEvent; path: string }>();

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind === "cred" || e.kind === "ns") {
      // setuid(0) by a root process (cron, before a root job) keeps full privilege: no drop (-1
      // leaves an id as it was). A capset whose sets no sensor decoded is judged by the /proc
      // snapshots where there are some; an imported log has only the call.
      const ids =
        e.kind === "cred" ? [e.uid, e.euid, e.gid, e.egid].filter((x) => x !== undefined && x !== -1) : [];
      const keepsRoot =
        e.kind === "cred" && e.syscall !== "capset" && ids.length > 0 && ids.every((x) => x === 0);
      const undecodedCapset = e.kind === "cred" && e.syscall === "capset" && e.caps === undefined && ctx.live;
      if (!e.err && !keepsRoot && !undecodedCapset) this.dropped.add(e.pid);
      return;
    }
    // A changed credential or namespace is inherited: the children of a process that dropped to
    // nobody run as nobody. Imported logs have no /proc snapshots, so this is all they tell.
    if (e.kind === "fork") {
      if (!e.err && this.dropped.has(e.pid) && this.dropped.size < 65_536) this.dropped.add(e.child);
      return;
    }
    if (e.kind !== "exec" || e.err || this.children.has(e.pid) || this.children.size > 4096) return;
    this.children.set(e.pid, { e, path: e.path });
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    for (const [pid, { e, path }] of this.children) {
      if (pid === ctx.rootPid || this.dropped.has(pid)) continue;
      const parentPid = ctx.processes.get(pid)?.ppid ?? e.ppid;
      if (parentPid === undefined || parentPid === pid) continue;
      const child = firstSnapshot(pid, ctx);
      const parent = firstSnapshot(parentPid, ctx);
      if (child && parent) {
        if (!privileged(parentPid, ctx)) continue;
        // What a sensor set on both (strace's seccomp filter) is neither's isolation.
        const [c, p] = [ownConfinement(child, ctx), ownConfinement(parent, ctx)];
        const same =
          child.uid[1] === parent.uid[1] &&
          child.gid[1] === parent.gid[1] &&
          SAME_FIELDS.every((f) => child[f] === parent[f]) &&
          c.seccomp === p.seccomp &&
          c.noNewPrivs === p.noNewPrivs &&
          Object.keys(parent.ns).every((n) => child.ns[n] === parent.ns[n]);
        if (!same) continue;
        (this.set ??= newEvidence(ctx)).add(
          e,
          `${path} (pid ${pid}) runs as its parent pid ${parentPid}: ${credSummary(child, ctx)}, same namespaces`,
          path,
        );
      } else if (!ctx.live && ctx.processes.get(parentPid) !== undefined) {
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
