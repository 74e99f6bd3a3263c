/**
 * What the pictures of a session need beyond the findings: the process tree and the timeline,
 * aggregated so that a session of a million events draws as fast as one of a thousand.
 */
export interface ProcessNode {
  pid: number;
  ppid?: number;
  /** The name it showed last (a process can rename itself: `[kworker/u8:3-imd]`). */
  comm?: string;
  exe?: string;
  argv?: string[];
  uid?: number[];
  /** Effective capabilities, hex, when a /proc snapshot saw them; `capsChanged`: not as its parent's. */
  capEff?: string;
  capsChanged?: boolean;
  started?: number;
  ended?: number;
  exit?: string;
  /** Left its parent: reparented to init or a subreaper, or in a session of its own. */
  detached?: boolean;
  /** Behaviour ids of the findings that cite it. */
  findings: string[];
}

export interface TimelineLane {
  name: string;
  /** Events per bucket. */
  counts: number[];
}

export interface TimelineMark {
  ts: number;
  pid: number;
  lane: string;
  label: string;
}

export interface Shade {
  from: number;
  to: number;
  label: string;
  kind: "startup" | "stop" | "failure" | "drops";
}

export interface Rhythm {
  label: string;
  periodMs: number;
  jitter: number;
  /** The beats: the times of the action's occurrences. */
  beats: number[];
}

export interface SessionView {
  processes: ProcessNode[];
  rootPid?: number;
  timeline: {
    start: number;
    end: number;
    bucketMs: number;
    lanes: TimelineLane[];
    marks: TimelineMark[];
    shades: Shade[];
    rhythms: Rhythm[];
  };
}
