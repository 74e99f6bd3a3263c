import type { EventOf, ShadowEvent } from "../events/schema.js";
import type { KernelUsage } from "../session/usage.js";
import type { AnalysisContext } from "./context.js";
import { FlagTest } from "./flag-test.js";
import { NameTemplates } from "./name-templates.js";

/**
 * Have we watched long enough? For each dimension a profile or a finding depends on, the values
 * seen, how many were seen once, when the last new one came, and the Good–Turing estimate of the
 * chance that the next action brings a value never seen: singletons / actions (Good 1953; the
 * estimate species-richness work and fuzzers' "discovery probability" use). A session is long
 * enough in a dimension when that chance is small and nothing new came in its last fifth.
 *
 * Counted over the steady state: a daemon's start-up writes its pid file and opens its log once by
 * design, and those one-offs would read as "still finding new values" for as long as it runs. A
 * value first seen in start-up is known; only what the daemon does after it is sampled. A session
 * that never left its start-up is counted whole.
 */

export const COVERAGE_DIMENSIONS = [
  "executables",
  "paths-written",
  "config-changed",
  "peers",
  "syscalls",
  "capabilities",
] as const;
export type CoverageDimension = (typeof COVERAGE_DIMENSIONS)[number];

export type CoverageVerdict = "good" | "observe-longer" | "quiet";

export interface DimensionCoverage {
  dimension: CoverageDimension;
  /** The sensor whose actions were counted (the one that saw the most in this dimension). */
  sensor?: string;
  actions: number;
  distinct: number;
  /** Values seen exactly once. */
  singletons: number;
  /** Good–Turing: the chance that the next action brings a value not seen yet. */
  pNew: number;
  /** When the last new value appeared (epoch ms); counters kept without times have none. */
  lastNewAt?: number;
  /** New values that appeared after the session's first fifth. */
  newAfterFirstFifth?: number;
  /** More distinct values than we keep: later new ones are not told apart. */
  capped?: true;
  /** Values seen in the start-up and never since (a pid file written once): known, not sampled. */
  startupOnly?: number;
  verdict: CoverageVerdict;
  /** How much longer to observe, if nothing new appears meanwhile (whole minutes, at least 1). */
  moreMinutes?: number;
  sentence: string;
}

export interface Coverage {
  verdict: CoverageVerdict;
  /** The stretch the estimates are taken over: the target's own run, not its shutdown. */
  from: number;
  to: number;
  dimensions: DimensionCoverage[];
  /** A job that runs less often than this could not have shown twice in the session. */
  periodicHorizonMs: number;
  periodicSentence: string;
  sentence: string;
}

/** Above this chance of a new value per action, a dimension is not covered yet. */
export const MAX_P_NEW = 0.05;
/** A new value in the last fifth of the session: the values are still arriving. */
const LAST_STRETCH = 0.2;
/** Distinct values kept per dimension and sensor; memory stays bounded on any input. */
const MAX_VALUES = 20_000;

const NOUNS: Record<CoverageDimension, [value: string, values: string, action: string, actions: string]> = {
  executables: ["executable", "executables", "exec", "execs"],
  "paths-written": ["path written", "paths written", "open for writing", "opens for writing"],
  "config-changed": ["config file changed", "config files changed", "config write", "config writes"],
  peers: ["peer", "peers", "connect", "connects"],
  syscalls: ["syscall", "syscalls", "call", "calls"],
  capabilities: ["capability", "capabilities", "check", "checks"],
};

const WRITES = new FlagTest(/^O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)$/);

interface Tally {
  /** Actions in the steady state, and all of them (start-up included). */
  actions: number;
  allActions: number;
  /** Per value: seen how often in all, how often in the steady state, first when. */
  values: Map<string, { count: number; steady: number; first: number }>;
  capped: boolean;
}

/** Streams the analysed events into per-dimension, per-sensor tallies of values. */
export class CoverageTracker {
  /** Per dimension, per sensor. Kept as an object of maps: every counted event looks one up. */
  private readonly tallies = Object.fromEntries(
    COVERAGE_DIMENSIONS.map((d) => [d, new Map<string, Tally>()]),
  ) as Record<CoverageDimension, Map<string, Tally>>;
  /**
   * Each peer's value, made once: a string built anew per connect is hashed anew by every map it
   * meets (a busy client connects to the same few peers all day).
   */
  private readonly peerValues = new Map<string, Map<number, { family: string; value: string }>>();
  private readonly templates = new NameTemplates();
  /** Paths opened for writing: their template name and whether they are config. */
  private readonly written = new Map<string, { name: string; config: boolean }>();
  /** Sensors that have reported the target's own start (each reports it once). */
  private readonly launchSeen = new Set<string>();

  /** Whether any event came in the steady state: if none did, the session is counted whole. */
  private steadyReached = false;
  private steady = false;

  observe(
    e: ShadowEvent,
    ctx: Pick<AnalysisContext, "target" | "rootPid" | "paths" | "stopRequestedAt" | "steadyFrom">,
  ): void {
    // Most events are of no dimension: they leave first (every event of a session comes here).
    if (e.kind !== "open" && e.kind !== "exec" && e.kind !== "connect") return;
    // Its shutdown is not what it does in service: a new value there says nothing of coverage.
    if (ctx.stopRequestedAt !== undefined && e.ts >= ctx.stopRequestedAt) return;
    this.steady = ctx.steadyFrom !== undefined && e.ts >= ctx.steadyFrom;
    if (this.steady) this.steadyReached = true;
    switch (e.kind) {
      case "exec":
        if (e.err) return;
        // The target's own start is the launch, not an executable it runs.
        if (
          e.pid === ctx.rootPid &&
          !this.launchSeen.has(e.sensor) &&
          (ctx.target.kind === "command" || ctx.target.kind === "lab")
        ) {
          this.launchSeen.add(e.sensor);
          return;
        }
        this.add("executables", e.sensor, e.path, e.ts);
        return;
      case "open": {
        if (e.err || !WRITES.any(e.flags)) return;
        if (/^\/(dev|proc|sys)\//.test(e.path) || !e.path.startsWith("/")) return;
        let known = this.written.get(e.path);
        if (!known) {
          // A daemon reopens the same few files all day: each path is named and classed once.
          if (this.written.size >= MAX_VALUES) this.written.clear();
          known = { name: this.templates.of(e.path).name, config: ctx.paths.isConfig(e.path) };
          this.written.set(e.path, known);
        }
        this.add("paths-written", e.sensor, known.name, e.ts);
        if (known.config) this.add("config-changed", e.sensor, known.name, e.ts);
        return;
      }
      case "connect": {
        const value = this.peerValue(e);
        if (value) this.add("peers", e.sensor, value, e.ts);
        return;
      }
      default:
        return;
    }
  }

  /** `inet 127.0.0.1:6000`, `unix /run/d.sock`: the peer a connect reached, as one value. */
  private peerValue(e: EventOf<"connect">): string | undefined {
    const where = e.unixPath ?? e.address;
    if (where === undefined) return undefined;
    const port = e.unixPath === undefined ? (e.port ?? -1) : -1;
    let ports = this.peerValues.get(where);
    const known = ports?.get(port);
    if (known?.family === e.family) return known.value;
    const value = `${e.family} ${where}${port >= 0 ? `:${port}` : ""}`;
    if (!ports) {
      if (this.peerValues.size >= MAX_VALUES) this.peerValues.clear();
      this.peerValues.set(where, (ports = new Map()));
    }
    if (ports.size < MAX_VALUES) ports.set(port, { family: e.family, value });
    return value;
  }

  private add(dimension: CoverageDimension, sensor: string, value: string, ts: number): void {
    const bySensor = this.tallies[dimension];
    let t = bySensor.get(sensor);
    if (!t) bySensor.set(sensor, (t = { actions: 0, allActions: 0, values: new Map(), capped: false }));
    const steady = this.steady ? 1 : 0;
    t.actions += steady;
    t.allActions++;
    const known = t.values.get(value);
    if (known) {
      known.count++;
      known.steady += steady;
      if (ts < known.first) known.first = ts;
    } else if (t.values.size < MAX_VALUES) t.values.set(value, { count: 1, steady, first: ts });
    else t.capped = true;
  }

  /** The coverage of the stretch [from, to], with the kernel's counters where they are complete. */
  finish(from: number, to: number, usage: readonly KernelUsage[] = []): Coverage {
    const span = Math.max(to - from, 1);
    const dimensions: DimensionCoverage[] = [];
    for (const dimension of ["executables", "paths-written", "config-changed", "peers"] as const) {
      const bySensor = this.tallies[dimension];
      // One sensor's count: two sensors reporting one exec would make every value look common.
      const whole = !this.steadyReached;
      const counted = (t: Tally) => (whole ? t.allActions : t.actions);
      const best = [...(bySensor ?? new Map<string, Tally>()).entries()].sort(
        (a, b) => counted(b[1]) - counted(a[1]) || b[1].allActions - a[1].allActions,
      )[0];
      if (!best) {
        dimensions.push(judge({ dimension, actions: 0, distinct: 0, singletons: 0 }, from, span));
        continue;
      }
      const [sensor, t] = best;
      let singletons = 0;
      let startupOnly = 0;
      let lastNewAt = -Infinity;
      let late = 0;
      for (const v of t.values.values()) {
        // A start-up one-off is known, not a sign of values still to come.
        if (v.count === 1 && (whole || v.steady === 1)) singletons++;
        if (!whole && v.steady === 0) {
          startupOnly++;
          continue;
        }
        if (v.first > lastNewAt) lastNewAt = v.first;
        if (v.first > from + span * LAST_STRETCH) late++;
      }
      const actions = counted(t);
      dimensions.push(
        judge(
          {
            dimension,
            sensor,
            actions,
            distinct: t.values.size,
            ...(startupOnly ? { startupOnly } : {}),
            singletons,
            lastNewAt,
            newAfterFirstFifth: late,
            ...(t.capped ? { capped: true as const } : {}),
          },
          from,
          span,
        ),
      );
    }
    // The kernel's counters have no times: only the chance of a new value can be told.
    const census = usage.find((u) => u.complete);
    if (census) {
      dimensions.push(judge(counted("syscalls", census.sensor, census.syscalls), from, span));
      if (census.capabilities) {
        const checks = Object.fromEntries(Object.entries(census.capabilities).map(([k, v]) => [k, v.checks]));
        dimensions.push(judge(counted("capabilities", census.sensor, checks), from, span));
      }
    }
    const periodicHorizonMs = span / 2;
    const periodicSentence = `A job that runs less often than every ${duration(periodicHorizonMs)} could not have shown twice in ${duration(span)}: such a period is not covered.`;
    const longer = dimensions.filter((d) => d.verdict === "observe-longer");
    const verdict: CoverageVerdict = longer.length
      ? "observe-longer"
      : dimensions.some((d) => d.verdict === "good")
        ? "good"
        : "quiet";
    const more = Math.max(0, ...longer.map((d) => d.moreMinutes ?? 0));
    const sentence =
      verdict === "observe-longer"
        ? `Observe longer: ${longer.map((d) => NOUNS[d.dimension][1]).join(", ")} still ${longer.length > 1 ? "bring" : "brings"} new values (about ${more} more minute${more === 1 ? "" : "s"}, if nothing new appears meanwhile).`
        : verdict === "good"
          ? `Coverage good for what recurs at least every ${duration(periodicHorizonMs)}: no dimension brought a new value in the last fifth of ${duration(span)}, and in each the next action brings a new value less than 1 time in ${Math.round(1 / MAX_P_NEW)}.`
          : `Quiet: nothing was executed, written or connected in ${duration(span)}; there is nothing to estimate coverage from.`;
    return { verdict, from, to, dimensions, periodicHorizonMs, periodicSentence, sentence };
  }
}

/** A dimension from counts alone (the kernel's census): no first times. */
function counted(
  dimension: CoverageDimension,
  sensor: string,
  counts: Record<string, number>,
): Omit<DimensionCoverage, "verdict" | "sentence" | "pNew"> {
  const values = Object.values(counts).filter((n) => n > 0);
  return {
    dimension,
    sensor,
    actions: values.reduce((a, b) => a + b, 0),
    distinct: values.length,
    singletons: values.filter((n) => n === 1).length,
  };
}

/** The verdict and the plain sentence for one dimension. */
function judge(
  d: Omit<DimensionCoverage, "verdict" | "sentence" | "pNew">,
  from: number,
  span: number,
): DimensionCoverage {
  const [one, many, act, acts] = NOUNS[d.dimension];
  if (d.actions === 0)
    return {
      ...d,
      pNew: 0,
      verdict: "quiet",
      sentence: d.startupOnly
        ? `${d.distinct} ${d.distinct === 1 ? one : many} in its start-up, no ${act} since: quiet in service.`
        : `No ${act} in ${duration(span)}: nothing to estimate.`,
    };
  const since = d.startupOnly ? ` since its start-up (${d.startupOnly} more only in it)` : "";
  const pNew = d.singletons / d.actions;
  const late = d.lastNewAt !== undefined && d.lastNewAt > from + span * (1 - LAST_STRETCH);
  const distinct = d.distinct - (d.startupOnly ?? 0);
  const seen = `${distinct}${d.capped ? "+" : ""} ${distinct === 1 ? one : many} in ${d.actions} ${d.actions === 1 ? act : acts}${since}, ${d.singletons} seen once`;
  const chance =
    pNew === 0
      ? "no new one is expected soon"
      : d.singletons === d.actions
        ? `each ${act} so far brought a new one`
        : `a new one is expected in about 1 of ${Math.max(1, Math.round(1 / pNew))} ${acts}`;
  if (pNew <= MAX_P_NEW && !late) {
    const recent =
      d.newAfterFirstFifth !== undefined
        ? `; ${d.newAfterFirstFifth} new in the last 80% of the session`
        : "";
    return { ...d, pNew, verdict: "good", sentence: `${seen}${recent}; ${chance}: coverage good.` };
  }
  // Long enough when the last new value would fall before the last fifth, and enough actions
  // would come at this rate for the singletons to be a small share.
  const toPushOut = d.lastNewAt !== undefined ? (d.lastNewAt - from) / (1 - LAST_STRETCH) - span : 0;
  const rate = d.actions / span;
  const toDilute = (d.singletons / MAX_P_NEW - d.actions) / rate;
  const moreMinutes = Math.max(1, Math.ceil(Math.max(toPushOut, toDilute, 0) / 60_000));
  const why = late
    ? `the last new ${one} came ${duration(from + span - d.lastNewAt!)} before the end`
    : `${chance}`;
  return {
    ...d,
    pNew,
    verdict: "observe-longer",
    moreMinutes,
    sentence: `${seen}; ${why}: observe longer (about ${moreMinutes} more minute${moreMinutes === 1 ? "" : "s"}, if nothing new appears meanwhile).`,
  };
}

/** A span as people say it: 850 ms, 12 s, 4.5 min, 2.1 h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 2 * 3_600_000) return `${(ms / 60_000).toFixed(1).replace(/\.0$/, "")} min`;
  return `${(ms / 3_600_000).toFixed(1).replace(/\.0$/, "")} h`;
}
