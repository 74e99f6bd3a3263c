/** What `watch` found departing from its baseline, kept in session.db and shown in the reports. */
export interface DriftSummary {
  /** The baseline's session dirs. */
  baseline: string[];
  /** New values seen before this time (epoch ms) joined the baseline (`--learn`). */
  learnedUntil?: number;
  records: DriftRecord[];
}

/** One drift (a rule and its new value): when first and last seen, how often, how many alerts went out. */
export interface DriftRecord {
  rule: string;
  priority: string;
  text: string;
  first: number;
  last: number;
  count: number;
  alerts: number;
}
