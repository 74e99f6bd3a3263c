import type { ShadowEvent } from "../events/schema.js";
import type { Severity } from "../model/finding.js";
import { classOfEvent, type ValueClass } from "../baseline/value-classes.js";
import type { Baseline } from "./baseline.js";

/** Falco's priorities, the ones our rules use. */
export type Priority = "Critical" | "Error" | "Warning" | "Notice";

/** One departure from the baseline, before it is rate-limited and written as an alert. */
export interface Drift {
  ts: number;
  rule: string;
  priority: Priority;
  /** What repeats of the same drift share: the rule and the new value. */
  key: string;
  /** The sentence after the time and priority in Falco's `output`. */
  text: string;
  fields: Record<string, string | number>;
  tags: string[];
}

const RULES: Record<
  ValueClass,
  { rule: string; priority: Priority; what: string; field: string; tag: string }
> = {
  executables: {
    rule: "Executable outside the baseline",
    priority: "Warning",
    what: "ran a program the baseline never ran",
    field: "proc.exepath",
    tag: "process",
  },
  written: {
    rule: "Write outside the baseline's written set",
    priority: "Warning",
    what: "wrote a path the baseline never wrote",
    field: "fd.name",
    tag: "filesystem",
  },
  peers: {
    rule: "Peer outside the baseline",
    priority: "Notice",
    what: "talked to a peer the baseline never talked to",
    field: "fd.name",
    tag: "network",
  },
};

const BY_SEVERITY: Record<Severity, Priority> = {
  critical: "Critical",
  high: "Error",
  medium: "Warning",
  low: "Notice",
  info: "Notice",
};

/**
 * Holds a live event stream to a baseline: each event whose value (a program, a written path, a
 * peer) the baseline never had is a drift, at once. During `learnUntil` new values join the
 * baseline instead. What needs the whole session (a behaviour's finding, the syscall census)
 * is judged by `finish`.
 */
export class DriftDetector {
  constructor(
    private readonly baseline: Baseline,
    private readonly opts: { learnUntil?: number; ours?: string } = {},
  ) {}

  observe(e: ShadowEvent): Drift[] {
    // Its stdio as /proc shows it (the terminal or file it was started with) is where it was put,
    // not a path it chose to write: a watch started from elsewhere has other ones.
    if (e.kind === "open" && e.inferred && e.fd !== undefined && e.fd <= 2) return [];
    const out: Drift[] = [];
    for (const { cls, value } of classOfEvent(e, this.opts.ours)) {
      const name = cls === "written" ? this.baseline.templates.of(value).name : value;
      const known = cls === "written" ? this.baseline.writtenNames : this.baseline.classes[cls];
      if (known.has(name)) continue;
      if (this.opts.learnUntil !== undefined && e.ts < this.opts.learnUntil) {
        known.add(name);
        continue;
      }
      const r = RULES[cls];
      out.push({
        ts: e.ts,
        rule: r.rule,
        priority: r.priority,
        key: `${r.rule}\0${name}`,
        text: `${e.comm} (pid ${e.pid}) ${r.what}: ${name}`,
        fields: {
          "proc.pid": e.pid,
          "proc.name": e.comm,
          ...(e.kind === "exec" ? { "proc.cmdline": e.argv.join(" ") } : {}),
          [r.field]: name,
          "evt.type": e.kind,
          "shadow.sensor": e.sensor,
        },
        tags: ["shadow-signals", "baseline-drift", r.tag],
      });
    }
    return out;
  }

  /**
   * At the end: behaviours the session's report found that the baseline's never did, and syscalls
   * outside what the baseline made (what harden's seccomp allow-list would have denied).
   */
  finish(
    at: number,
    findings: readonly { behavior: string; title: string; severity: Severity; occurrences: number }[],
    syscalls: readonly string[] | undefined,
  ): Drift[] {
    const out: Drift[] = [];
    for (const f of findings) {
      if (this.baseline.behaviors.has(f.behavior)) continue;
      out.push({
        ts: at,
        rule: "Behaviour outside the baseline",
        priority: BY_SEVERITY[f.severity],
        key: `behaviour\0${f.behavior}`,
        text: `${f.title} (${f.behavior}, ${f.occurrences} occurrence(s)): the baseline never showed it`,
        fields: {
          "shadow.behavior": f.behavior,
          "shadow.severity": f.severity,
          "shadow.occurrences": f.occurrences,
        },
        tags: ["shadow-signals", "baseline-drift", "behaviour"],
      });
    }
    const allowed = this.baseline.syscalls;
    if (allowed && syscalls)
      for (const name of syscalls.filter((s) => !allowed.has(s)).sort())
        out.push({
          ts: at,
          rule: "Syscall outside the baseline's allow-list",
          priority: "Warning",
          key: `syscall\0${name}`,
          text: `the tree called ${name}, which the baseline never made: the seccomp allow-list harden writes from the baseline would have denied it`,
          fields: { "syscall.type": name },
          tags: ["shadow-signals", "baseline-drift", "seccomp"],
        });
    return out;
  }
}
