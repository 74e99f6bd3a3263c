import type { ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";
import type { BehaviorText, Finding } from "../model/finding.js";

/**
 * One behaviour of the catalogue. Detectors see each event once, in order, keep bounded state,
 * and produce at most one finding that aggregates every occurrence.
 */
export interface Detector {
  readonly behavior: string;
  /** Its fixed words: title, ATT&CK ids, reasoning (the SARIF rules are made from these). */
  readonly text: BehaviorText;
  /** Event kinds this detector wants; the runner indexes detectors by kind (Falco's trick). */
  readonly kinds: readonly ShadowEvent["kind"][];
  observe(event: ShadowEvent, ctx: AnalysisContext): void;
  finish(ctx: AnalysisContext): Finding | undefined;
}
