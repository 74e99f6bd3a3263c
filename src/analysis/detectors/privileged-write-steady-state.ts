import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import { FlagTest } from "../flag-test.js";
import { isSteady } from "../phases.js";
import { privileged } from "../process-info.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";
import type { EvidenceSet } from "../evidence-set.js";
import { KeyCache } from "../key-cache.js";

const TEXT: BehaviorText = {
  behavior: "privileged-write-steady-state",
  flag: "Flag-1 (methodology)",
  title: "Privileged filesystem mutation during steady-state operation",
  primaryRisk: "Silent system modification, persistence",
  reasoning:
    "Long-running infrastructure daemons typically complete privileged setup during start-up and then transition to a read-mostly steady state. Continued privileged writes to system locations indicate ongoing mutation that is not externally visible or gated.",
  impact:
    "If the daemon is abused or influenced, it could silently modify system configuration, enabling persistence or configuration drift with high trust.",
  inherentGap: "Telemetry does not reveal the policy decision or input that triggered these writes.",
  attack: ["T1543", "T1565.001"],
};

const WRITE_FLAGS = new FlagTest(/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/);

/** Writes, creates, renames, deletes, chmods or chowns under system locations, by a privileged process, after start-up. */
export class PrivilegedWriteDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["open", "write", "rename", "unlink", "chmod", "chown"] as const;
  private set: EvidenceSet | undefined;
  private readonly keys: Record<string, KeyCache> = {};

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.err || !isSteady(e, ctx)) return;
    let target: string;
    let verb: string;
    switch (e.kind) {
      case "open":
        if (!WRITE_FLAGS.any(e.flags)) return;
        target = e.path;
        verb = e.flags.includes("O_CREAT") ? "opens for writing (create)" : "opens for writing";
        break;
      case "write":
        target = e.path;
        verb = `writes ${e.bytes} bytes to`;
        break;
      case "rename":
        target = e.to;
        verb = `renames ${ctx.paths.relative(e.from)} over`;
        break;
      case "unlink":
        target = e.path;
        verb = "deletes";
        break;
      case "chmod":
        target = e.path;
        verb = `chmods ${e.mode}`;
        break;
      case "chown":
        target = e.path;
        verb = "chowns";
        break;
      default:
        return;
    }
    if (!ctx.paths.isSystem(target)) return;
    // Without /proc creds (imported logs), a successful write to a system location implies privilege.
    if (privileged(e.pid, ctx) === false) return;
    const kind = e.kind;
    const keys = (this.keys[kind] ??= new KeyCache((t) => `${kind}:${t}`));
    (this.set ??= newEvidence(ctx)).add(e, `${verb} ${target}`, keys.of(target));
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    if (!this.set) return undefined;
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target performs privileged filesystem writes to system locations during steady-state operation (${plural(this.set.count, "occurrence")} after start-up), without an observable authorization or configuration boundary.`,
      severity: "high",
      ...(ctx.live ? {} : { confidence: "medium" as const }),
      blind: {
        procfs: "sees files only while they are open at a scan; short writes are inferred or missed.",
      },
    });
  }
}
