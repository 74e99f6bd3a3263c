import path from "node:path";
import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

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

/** python3 and python3.11, /usr/bin/node and /usr/local/bin/node: a symlink and its target. */
function sameProgram(a: string, b: string): boolean {
  const family = (p: string) => path.basename(p).replace(/[\d.]+$/, "");
  return a === b || family(a) === family(b);
}

/** The daemon executes programs other than itself: shells with -c, interpreters, utilities, network tools. */
export class ExternalBinaryDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly kinds = ["exec"] as const;
  private set: EvidenceSet | undefined;
  private rootExe: string | undefined;
  private readonly kinds_ = new Map<string, number>();

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind !== "exec" || e.err) return;
    // The root's own exec is the target itself.
    if (e.pid === ctx.rootPid) {
      this.rootExe ??= e.path;
      return;
    }
    if (this.rootExe && sameProgram(e.path, this.rootExe)) return;
    const kind = ctx.paths.programKind(e.path);
    const shellC = kind === "shell" && e.argv.includes("-c");
    const label = shellC ? "shell with -c" : kind === "other" ? "program" : kind.replace("-", " ");
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
