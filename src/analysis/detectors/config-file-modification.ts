import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import type { EvidenceSet } from "../evidence-set.js";
import { KeyCache } from "../key-cache.js";
import { isSteady } from "../phases.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "config-file-modification",
  flag: "Flag-1",
  title: "Config file modification",
  primaryRisk: "Configuration drift, tampering",
  reasoning:
    "Configuration is an operator's statement of intent. A daemon that rewrites its own configuration at runtime, with no external trigger and no audit trail, makes the effective configuration diverge from what was deployed and reviewed.",
  impact:
    "An attacker who can influence the daemon can persist changes through its own configuration writes; operators cannot tell drift from tampering.",
  inherentGap:
    "Telemetry shows that the content changed (hashes) but not why, nor which input decided the new values.",
  attack: ["T1565.001", "T1562.001"],
};

/** A config file's content changes at runtime, in place or by write-temp-then-rename, with nothing logged. */
export class ConfigModificationDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["open", "write", "rename"] as const;
  private set: EvidenceSet | undefined;
  private readonly files = new Set<string>();
  private readonly keys: Record<string, KeyCache> = {};

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.err || !isSteady(e, ctx)) return;
    let file: string | undefined;
    let how = "";
    if (e.kind === "rename" && ctx.paths.isConfig(e.to)) {
      file = e.to;
      how = `replaced by rename from ${ctx.paths.relative(e.from)}`;
    } else if (e.kind === "write" && ctx.paths.isConfig(e.path)) {
      file = e.path;
      how = `written in place (${e.bytes} bytes)`;
    } else if (e.kind === "open" && e.flags.includes("O_TRUNC") && ctx.paths.isConfig(e.path)) {
      file = e.path;
      how = "truncated for rewrite";
    }
    if (!file) return;
    this.files.add(file);
    const kind = e.kind;
    const keys = (this.keys[kind] ??= new KeyCache((f) => `${f}|${kind}`));
    (this.set ??= newEvidence(ctx)).add(e, `${file} ${how}`, keys.of(file));
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    if (!this.set) return undefined;
    const hashes: string[] = [];
    for (const f of this.files) {
      const v = ctx.artifacts.get(f)?.versions ?? [];
      if (v.length >= 2)
        hashes.push(
          `${f}: ${v.length} versions seen, sha256 ${v[0]!.sha256.slice(0, 12)} (${v[0]!.size} B) -> ${v.at(-1)!.sha256.slice(0, 12)} (${v.at(-1)!.size} B)`,
        );
      else if (v.length === 1)
        hashes.push(`${f}: sha256 ${v[0]!.sha256.slice(0, 12)} (${v[0]!.size} B, mode ${v[0]!.mode})`);
    }
    const finding = buildFinding(ctx, TEXT, this.set, {
      claim: `The target rewrites configuration at runtime: ${plural(this.files.size, "file")} (${[...this.files].slice(0, 3).join(", ")}) changed ${plural(this.set.count, "time")} after start-up, with no external trigger and no log entry.`,
      severity: "medium",
      blind: { procfs: "cannot see writes or renames, only files held open at a scan." },
    });
    if (finding && hashes.length)
      finding.evidence.push(
        ...hashes.map((h) => ({
          ts: finding.evidence[0]!.ts,
          pid: finding.evidence[0]!.pid,
          comm: finding.evidence[0]!.comm,
          sensor: "artifacts",
          summary: h,
        })),
      );
    return finding;
  }
}
