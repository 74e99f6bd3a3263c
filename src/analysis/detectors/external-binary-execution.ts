import { realpathSync } from "node:fs";
import path from "node:path";
import type { EventOf, ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";
import { filelessName } from "./hidden-orphan-process.js";

const TEXT: BehaviorText = {
  behavior: "external-binary-execution",
  flag: "Flag-4",
  title: "External binary execution",
  primaryRisk: "Command execution capability",
  reasoning:
    "A daemon that runs shells with -c, interpreters or system utilities carries a command-execution capability; whoever influences the command line controls what runs.",
  impact:
    "Command injection into any of these invocations yields arbitrary execution with the daemon's privileges.",
  inherentGap: "Telemetry shows path and argv, not where the arguments came from.",
  attack: ["T1059.004", "T1059"],
};

const family = (p: string) => path.basename(p).replace(/[\d.]+$/, "");
const realpaths = new Map<string, string>();
/** The file a path names, symlinks resolved (redis-server -> redis-check-rdb); the path if gone. */
function realpath(p: string): string {
  let r = realpaths.get(p);
  if (r === undefined) {
    try {
      r = realpathSync(p);
    } catch {
      r = p;
    }
    if (realpaths.size < 4096) realpaths.set(p, r);
  }
  return r;
}

/**
 * The daemon executes programs other than itself: shells with -c, interpreters, utilities,
 * network tools. The target starting is not one of them: the root's own execs (a shell's `exec`,
 * `env`, `nice`), and, when the root is a wrapper that forks (runuser, sudo, timeout), the first
 * exec of its child — which then counts as the target too.
 */
export class ExternalBinaryDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "fork"] as const;
  private set: EvidenceSet | undefined;
  /** The target's own programs: python3 and python3.11, a symlink and its file, are one. */
  private readonly own = new Set<string>();
  private readonly targetPids = new Set<number>();
  /** Target processes whose last program was a wrapper, and whose wrapped child is not yet known. */
  private readonly wrapping = new Set<number>();
  private readonly parent = new Map<number, number>();
  private readonly kinds_ = new Map<string, number>();

  private isOwn(p: string): boolean {
    return this.own.has(p) || this.own.has(`family:${family(p)}`) || this.own.has(`real:${realpath(p)}`);
  }

  private targetStarts(e: EventOf<"exec">, ctx: AnalysisContext): void {
    this.targetPids.add(e.pid);
    for (const key of [e.path, `family:${family(e.path)}`, `real:${realpath(e.path)}`]) this.own.add(key);
    if (ctx.paths.isWrapper(e.path)) this.wrapping.add(e.pid);
    else this.wrapping.delete(e.pid);
  }

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind === "fork") {
      if (!e.err && this.parent.size < 65_536) this.parent.set(e.child, e.pid);
      return;
    }
    if (e.kind !== "exec" || e.err) return;
    if (ctx.rootPid !== undefined && this.targetPids.size === 0) this.targetPids.add(ctx.rootPid);
    const parent = this.parent.get(e.pid) ?? ctx.processes.get(e.pid)?.ppid ?? e.ppid;
    if (this.targetPids.has(e.pid)) return this.targetStarts(e, ctx);
    if (parent !== undefined && this.wrapping.has(parent)) {
      this.wrapping.delete(parent); // the wrapper's one child: the program it was asked to run
      return this.targetStarts(e, ctx);
    }
    if (this.isOwn(e.path)) return;
    const kind = ctx.paths.programKind(e.path);
    const shellC = kind === "shell" && e.argv.includes("-c");
    const label = filelessName(e.path)
      ? "fileless program (memfd)"
      : shellC
        ? "shell with -c"
        : kind === "other"
          ? "program"
          : kind.replace("-", " ");
    const argv = e.argv.join(" ").slice(0, 160);
    // Counted by kind only when it counts as an occurrence: the claim's numbers must add up.
    if ((this.set ??= newEvidence(ctx)).add(e, `${label}: ${e.path} [${argv}]`, e.argv.slice(0, 3).join(" ")))
      this.kinds_.set(label, (this.kinds_.get(label) ?? 0) + 1);
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    if (!this.set) return undefined;
    const kinds = [...this.kinds_].map(([k, n]) => `${n} ${k}`).join(", ");
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target executes external programs (${plural(this.set.count, "execution")}: ${kinds}).`,
      severity: this.kinds_.has("shell with -c") || this.kinds_.has("network tool") ? "high" : "medium",
      blind: { procfs: "misses programs that run for less than one scan (~100 ms)." },
    });
  }
}
