import type { Detector } from "../detector.js";
import type { BehaviorText } from "../../model/finding.js";
import { ChildWithoutIsolationDetector } from "./child-without-isolation.js";
import { ConfigModificationDetector } from "./config-file-modification.js";
import { ExternalBinaryDetector } from "./external-binary-execution.js";
import { HiddenOrphanDetector } from "./hidden-orphan-process.js";
import { InternalSocketDetector } from "./internal-socket-connection.js";
import { MutableArtifactDetector } from "./mutable-artifact-dependency.js";
import { PeriodicActivityDetector } from "./periodic-autonomous-activity.js";
import { PlaintextSecretDetector } from "./plaintext-secret-in-temp.js";
import { PrivilegedWriteDetector } from "./privileged-write-steady-state.js";
import { SilentFailureDetector } from "./silent-failure-fallback.js";

/** The catalogue, in the report's order: fresh detectors for one analysis. */
export function createDetectors(): Detector[] {
  return [
    new PrivilegedWriteDetector(),
    new ConfigModificationDetector(),
    new ChildWithoutIsolationDetector(),
    new HiddenOrphanDetector(),
    new PeriodicActivityDetector(),
    new InternalSocketDetector(),
    new MutableArtifactDetector(),
    new ExternalBinaryDetector(),
    new PlaintextSecretDetector(),
    new SilentFailureDetector(),
  ];
}

export const BEHAVIOR_IDS = [
  "privileged-write-steady-state",
  "config-file-modification",
  "child-without-isolation",
  "hidden-orphan-process",
  "periodic-autonomous-activity",
  "internal-socket-connection",
  "mutable-artifact-dependency",
  "external-binary-execution",
  "plaintext-secret-in-temp",
  "silent-failure-fallback",
] as const;

/** Every behaviour's fixed words, in the catalogue's order. */
export function behaviorTexts(): BehaviorText[] {
  return createDetectors().map((d) => d.text);
}
