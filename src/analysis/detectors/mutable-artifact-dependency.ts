import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { isSteady } from "../phases.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "mutable-artifact-dependency",
  flag: "Flag-4 (methodology)",
  title: "Runtime dependency on mutable external artifacts",
  primaryRisk: "TOCTOU, behaviour hijack",
  reasoning:
    "Reliance on artifacts in writable locations breaks integrity assumptions and introduces time-of-check to time-of-use risk.",
  impact:
    "A local attacker who can write there can influence the daemon's behaviour, leading to privilege abuse or persistent manipulation.",
  inherentGap:
    "Telemetry does not show whether the daemon validates the artifacts (hash or signature) before use.",
  attack: ["T1574", "T1036"],
};

const EXEC_WINDOW_MS = 3000;

/** Reads of config or code from temp/runtime locations, above all shortly before an exec that uses them. */
export class MutableArtifactDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["open", "exec"] as const;
  private set: EvidenceSet | undefined;
  private readonly recentReads = new Map<string, { ts: number; pid: number }>();

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    // A config read once at start-up (a path given on the command line) is the operator's choice;
    // what matters is a daemon that keeps going back to writable places while it runs.
    if (e.err || !isSteady(e, ctx)) return;
    if (e.kind === "open") {
      if (!e.flags.includes("O_RDONLY") && !e.flags.includes("O_RDWR")) return;
      // A directory listed, or an anonymous temp file made in one (O_TMPFILE: cron's job output),
      // is no data read from there.
      if (e.flags.some((f) => f === "O_DIRECTORY" || f === "O_TMPFILE" || f === "__O_TMPFILE")) return;
      if (e.path.includes("/#")) return; // strace's name for an O_TMPFILE inode
      if (!ctx.paths.isTemp(e.path) || e.path.endsWith(".sock")) return;
      if (this.recentReads.size > 1024) this.recentReads.clear();
      this.recentReads.set(e.path, { ts: e.ts, pid: e.pid });
      // Plain data (a history file, a log) read from there is no dependency; code and config are.
      // A data file that is then executed is found at its exec.
      if (!ctx.paths.isArtifact(e.path)) return;
      (this.set ??= newEvidence(ctx)).add(e, `reads ${e.path} from a writable location`, `read:${e.path}`);
      return;
    }
    if (e.kind !== "exec") return;
    // The code that runs: the binary itself, or the script a shell or interpreter is given.
    const kind = ctx.paths.programKind(e.path);
    const script =
      kind === "shell" || kind === "interpreter"
        ? e.argv.slice(1).find((a) => !a.startsWith("-"))
        : undefined;
    const fromTemp = [e.path, ...(script ? [script] : [])].filter(
      (a) => a.startsWith("/") && ctx.paths.isTemp(a),
    );
    for (const file of fromTemp) {
      const read = this.recentReads.get(file);
      const before =
        read && e.ts - read.ts <= EXEC_WINDOW_MS && e.ts >= read.ts
          ? ` ${Math.round(e.ts - read.ts)} ms after reading it`
          : "";
      (this.set ??= newEvidence(ctx)).add(
        e,
        `executes ${e.argv.join(" ")} — code from a writable location${before}`,
        `exec:${file}`,
      );
    }
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    if (!this.set) return undefined;
    const execs = this.set.examples.filter((x) => x.key.startsWith("exec:")).length;
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target reads configuration or executable data from writable runtime locations (${plural(this.set.count, "access", "accesses")}${execs ? `, including code it then executes` : ""}).`,
      severity: execs ? "high" : "medium",
      blind: {
        procfs: "sees a read only while the file is open at a scan; reads before an exec are usually missed.",
      },
    });
  }
}
