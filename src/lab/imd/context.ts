import type { CreatedPaths } from "./created-paths.js";
import type { ImdConfig } from "./config.js";
import type { GroundTruth } from "./ground-truth.js";
import type { ImdLayout } from "./layout.js";

/** What every IMD activity gets: its config, its paths, its record of created files and of truth. */
export interface ImdContext {
  config: ImdConfig;
  layout: ImdLayout;
  created: CreatedPaths;
  truth: GroundTruth;
  /** The tick number, from 1. */
  tick: number;
  /** Aborted when IMD is asked to stop: a pause in progress ends at once, so cleanup is never late. */
  stopping: AbortSignal;
}
