import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import { FlagTest } from "../flag-test.js";
import type { EvidenceSet } from "../evidence-set.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "plaintext-secret-in-temp",
  flag: "Flag-5",
  title: "Sensitive data in temp storage",
  primaryRisk: "Credential exposure",
  reasoning:
    "Temp storage is shared, often world-readable and outlives the process; credentials written there in plaintext are exposed to every local user and to forensic recovery.",
  impact:
    "Any local user or process able to read the file obtains the credentials and can reuse them against the services they protect.",
  inherentGap:
    "Secrets are identified by pattern and entropy; the values are never recorded, so their validity cannot be checked from the report.",
  attack: ["T1552.001"],
};

const WRITE_FLAGS = new FlagTest(/O_WRONLY|O_RDWR|O_CREAT/);
/** Files written under temp storage that hold credential material. Names kind and fingerprint, never the value. */
export class PlaintextSecretDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["write", "open", "rename"] as const;
  private set: EvidenceSet | undefined;
  private readonly secretFiles = new Set<string>();
  /** Temp files written: per file, the first write (or open for writing) each sensor saw. */
  private readonly written = new Map<string, Map<string, ShadowEvent>>();

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.err) return;
    const file = e.kind === "rename" ? e.to : e.kind === "write" || e.kind === "open" ? e.path : undefined;
    if (!file || !ctx.paths.isTemp(file)) return;
    if (e.kind === "open" && !WRITE_FLAGS.any(e.flags)) return;
    let bySensor = this.written.get(file);
    if (!bySensor && this.written.size < 4096) this.written.set(file, (bySensor = new Map()));
    if (bySensor && !bySensor.has(e.sensor)) bySensor.set(e.sensor, e);
    if (e.kind === "write" && e.secrets?.length) {
      (this.set ??= newEvidence(ctx)).add(e, `writes ${e.secrets.join(", ")} to ${file}`, file);
      this.secretFiles.add(file);
    }
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    const refused: string[] = [];
    for (const [file, bySensor] of this.written) {
      const artifact = ctx.artifacts.get(file);
      if (artifact?.refused) refused.push(`${file} (${artifact.refused})`);
      const versions = artifact?.versions ?? [];
      const v = versions.find((x) => x.secrets.length > 0);
      if (!v) continue;
      const readable = parseInt(v.mode, 8) & 0o044 ? ", readable by others" : "";
      const [first, ...others] = [...bySensor.values()];
      const set = (this.set ??= newEvidence(ctx));
      this.secretFiles.add(file);
      set.add(
        first!,
        `${file} (mode ${v.mode}, owner uid ${v.uid}${readable}) holds ${v.secrets.join(", ")}`,
        file,
      );
      // Every sensor that saw the file written contributes: the secrets come from the file itself.
      for (const e of others) set.credit(e.sensor, file);
    }
    if (!this.set) return undefined;
    const files = this.secretFiles;
    return buildFinding(ctx, TEXT, this.set, {
      claim: `The target stores credential material in plaintext in temp storage (${plural(this.set.count, "occurrence")} in ${plural(files.size, "file")}).`,
      severity: "high",
      ...(refused.length
        ? {
            extraGap: `Captures refused, so these files' contents are unknown: ${refused.slice(0, 5).join("; ")}.`,
          }
        : {}),
      blind: {
        procfs:
          "reads the file's content only if it was captured while the session ran; writes themselves are not seen.",
      },
    });
  }
}
