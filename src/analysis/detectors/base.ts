import type { AnalysisContext } from "../context.js";
import { EvidenceSet } from "../evidence-set.js";
import type { BehaviorText, Confidence, Finding, Severity } from "../../model/finding.js";
export type { BehaviorText };

export function newEvidence(ctx: AnalysisContext): EvidenceSet {
  return new EvidenceSet(() => ctx.startedAt);
}

/** Sensors in use that could not see this behaviour, and any drops: appended to the gap. */
export function gapFor(
  ctx: AnalysisContext,
  text: BehaviorText,
  blindSensors: Record<string, string> = {},
): string {
  const parts = [text.inherentGap];
  for (const s of ctx.sensors) {
    if (s.status === "unavailable") continue;
    const blind = blindSensors[s.name];
    if (blind) parts.push(`${s.name}: ${blind}`);
  }
  const drops = ctx.sensors.reduce((n, s) => n + s.dropped, 0);
  if (drops > 0)
    parts.push(`${drops} event(s) were dropped during the session; occurrences may be undercounted.`);
  const failed = ctx.sensors.filter((s) => s.status === "failed");
  if (failed.length) parts.push(`Sensor(s) ${failed.map((s) => s.name).join(", ")} failed mid-session.`);
  return parts.join(" ");
}

export function buildFinding(
  ctx: AnalysisContext,
  text: BehaviorText,
  set: EvidenceSet,
  fields: {
    claim: string;
    severity: Severity;
    confidence?: Confidence;
    blind?: Record<string, string>;
    extraReasoning?: string;
    /** What this session in particular could not see (e.g. a capture refused). */
    extraGap?: string;
  },
): Finding | undefined {
  if (set.count === 0) return undefined;
  const confidence = fields.confidence ?? (set.inferredOnly ? "medium" : "high");
  return {
    behavior: text.behavior,
    flag: text.flag,
    title: text.title,
    severity: fields.severity,
    confidence,
    claim: fields.claim,
    evidence: set.evidence(),
    occurrences: set.count,
    reasoning: text.reasoning + (fields.extraReasoning ? ` ${fields.extraReasoning}` : ""),
    impact: text.impact,
    visibilityGap: gapFor(ctx, text, fields.blind) + (fields.extraGap ? ` ${fields.extraGap}` : ""),
    attack: text.attack,
    sensors: [...set.sensors].sort(),
    primaryRisk: text.primaryRisk,
  };
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
