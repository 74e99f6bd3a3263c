import type { ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";
import type { Finding } from "./finding.js";

/**
 * One behaviour of the catalogue. Detectors see each event once, in order, keep bounded state,
 * and produce at most one finding that aggregates every occurrence.
 */
export interface Detector {
  readonly behavior: string;
  /** Event kinds this detector wants; the runner indexes detectors by kind (Falco's trick). */
  readonly kinds: readonly ShadowEvent["kind"][];
  observe(event: ShadowEvent, ctx: AnalysisContext): void;
  finish(ctx: AnalysisContext): Finding | undefined;
}
