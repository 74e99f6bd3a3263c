import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import { FlagTest } from "../flag-test.js";
import { detectPeriod, detectPreciseRhythm, type Periodicity } from "../periodicity.js";
import { KeyCache, PairKeyCache } from "../key-cache.js";
import { NameTemplates } from "../name-templates.js";
import { anyWithin } from "../sorted-times.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "periodic-autonomous-activity",
  flag: "Flag-3 (methodology)",
  title: "Periodic autonomous behavior without external triggers",
  primaryRisk: "Hidden scheduling, blending in",
  reasoning:
    "Actions not driven by observable input imply hidden state or internal timers, reducing operator understanding of runtime intent.",
  impact:
    "Malicious or unintended behaviour could hide within expected periodic activity, blending persistence with normal daemon operation.",
  inherentGap: "Telemetry does not expose internal timers, scheduling logic or state transitions.",
  attack: ["T1053"],
};

const MAX_KEYS = 256;
const MAX_TIMES = 2000;
/** An action within this long after an inbound connection or a signal counts as triggered. */
const TRIGGER_WINDOW_MS = 1000;
const WRITE_FLAGS = new FlagTest(/O_WRONLY|O_CREAT|O_TRUNC/);
const FILE_ACTIONS = ["write", "rename onto", "unlink"];

/**
 * Several sensors report the same action, each a little late and in its own order: sorted, the
 * reports within `windowMs` of a beat's first one are that beat.
 */
export function mergeBeats(times: readonly number[], windowMs = 250): number[] {
  const sorted = [...times].sort((a, b) => a - b);
  const beats: number[] = [];
  for (const t of sorted) if (beats.length === 0 || t - beats.at(-1)! >= windowMs) beats.push(t);
  return beats;
}

/** Actions (exec, writes, connects) recurring at a stable period with no external trigger before them. */
export class PeriodicActivityDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "open", "rename", "unlink", "connect", "accept", "signal"] as const;
  private readonly times = new Map<string, { e: ShadowEvent; ts: number[] }>();
  private readonly triggers: number[] = [];
  /** Random parts of file names made anew each beat (mkstemp) are one name: a template. */
  private readonly names = new NameTemplates();
  /** Per action, its keys made once a name (a busy writer's key is no new string an event). */
  private readonly fileKeys = new Map<string, KeyCache>();
  private unixKeys: KeyCache | undefined;
  private inetKeys: PairKeyCache | undefined;

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind === "accept" || (e.kind === "signal" && e.signal !== "SIGCHLD" && e.signal !== "SIGPIPE")) {
      if (this.triggers.length < 100_000) this.triggers.push(e.ts);
      return;
    }
    if (e.err || e.pid === undefined) return;
    let key: string | undefined;
    // The command line tells actions apart (`sh -c job-a` from `sh -c job-b`); cut, it stays a key.
    if (e.kind === "exec") key = `exec ${(e.argv.slice(0, 3).join(" ") || e.path).slice(0, 80)}`;
    else if (e.kind === "open" && WRITE_FLAGS.any(e.flags) && !ctx.paths.isIgnored(e.path))
      key = this.fileKey("write", e.path, ctx);
    else if (e.kind === "rename") key = this.fileKey("rename onto", e.to, ctx);
    else if (e.kind === "unlink" && !ctx.paths.isIgnored(e.path)) key = this.fileKey("unlink", e.path, ctx);
    else if (e.kind === "connect")
      key =
        e.unixPath !== undefined
          ? (this.unixKeys ??= new KeyCache((u) => `connect ${u}`)).of(e.unixPath)
          : (this.inetKeys ??= new PairKeyCache((a, p) => `connect ${a}:${p}`)).of(
              e.address ?? "undefined", // as the template always wrote an absent one
              e.port ?? "undefined",
            );
    if (!key) return;
    let slot = this.times.get(key);
    if (!slot) {
      if (this.times.size >= MAX_KEYS) return;
      slot = { e, ts: [] };
      this.times.set(key, slot);
    }
    if (slot.ts.length < MAX_TIMES) slot.ts.push(e.ts);
  }

  /**
   * `write /etc/.tmpXXXXXX`: an action on a file, by the file's name or its template. When a name
   * teaches a template, the times kept under the earlier name move to it.
   */
  private fileKey(action: string, file: string, ctx: AnalysisContext): string {
    const { name, learned } = this.names.of(file);
    if (learned !== undefined)
      for (const a of FILE_ACTIONS) this.adopt(this.keysOf(a, ctx).of(learned), this.keysOf(a, ctx).of(name));
    return this.keysOf(action, ctx).of(name);
  }

  private keysOf(action: string, ctx: AnalysisContext): KeyCache {
    let keys = this.fileKeys.get(action);
    if (!keys) this.fileKeys.set(action, (keys = new KeyCache((p) => `${action} ${ctx.paths.relative(p)}`)));
    return keys;
  }

  private adopt(from: string, to: string): void {
    const old = this.times.get(from);
    if (!old) return;
    this.times.delete(from);
    const slot = this.times.get(to);
    if (slot) slot.ts.push(...old.ts.slice(0, MAX_TIMES - slot.ts.length));
    else this.times.set(to, old);
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    const triggers = [...this.triggers].sort((a, b) => a - b);
    const found: { key: string; e: ShadowEvent; p: Periodicity; beats: number[] }[] = [];
    for (const [key, { e, ts }] of this.times) {
      const sorted = mergeBeats(ts);
      const p = detectPeriod(sorted) ?? detectPreciseRhythm(sorted);
      if (!p) continue;
      const triggered = sorted.filter((t) => anyWithin(triggers, t - TRIGGER_WINDOW_MS, t)).length;
      if (triggered > sorted.length / 2) continue;
      found.push({ key, e, p, beats: sorted });
    }
    if (found.length === 0) return undefined;
    found.sort((a, b) => b.p.occurrences - a.p.occurrences);
    const set = newEvidence(ctx);
    for (const { key, e, p } of found) {
      set.add(
        e,
        `"${key}" recurs every ${(p.periodMs / 1000).toFixed(2)} s (jitter ${(p.jitter * 100).toFixed(p.fewBeats ? 2 : 0)}%, ${p.occurrences} times${p.fewBeats ? ": few beats, but exact" : ""}, no inbound connection or signal within ${TRIGGER_WINDOW_MS} ms before)`,
        key,
      );
    }
    const top = found[0]!;
    // Only slow rhythms seen a few times: a precise rhythm, but the session was too short to hold
    // the beats that would confirm it. Say so, with how long a session would.
    const onlyFew = found.every((x) => x.p.fewBeats);
    const slowest = Math.max(...found.filter((x) => x.p.fewBeats).map((x) => x.p.periodMs), 0);
    const spanMs = ctx.endedAt - ctx.startedAt;
    const fewGap =
      slowest > 0
        ? `At a period of ${(slowest / 1000).toFixed(1)} s this ${Math.round(spanMs / 1000)} s session could hold at most ${Math.floor(spanMs / slowest) + 1} beats; a session of ${Math.ceil(Math.round((6 * slowest) / 1000) / 60)} min or more would confirm the rhythm with 6.`
        : undefined;
    const finding = buildFinding(ctx, TEXT, set, {
      ...(onlyFew ? { confidence: "low" as const } : {}),
      ...(fewGap ? { extraGap: fewGap } : {}),
      claim: `The target performs ${plural(set.count, "kind")} of action at a stable period (main rhythm ${(top.p.periodMs / 1000).toFixed(2)} s +-${(top.p.jitter * 100).toFixed(0)}%) that no observable external event precedes: autonomous internal scheduling.`,
      severity: "medium",
      blind: {
        procfs:
          "sees only actions that leave a process or open fd at a scan; rhythm of short actions is estimated from fewer beats.",
      },
    });
    if (finding) {
      finding.evidence.sort((a, b) => a.ts - b.ts);
      // For the timeline: each rhythm with its beats (bounded: a long session's first ones).
      finding.rhythms = found.map(({ key, p, beats }) => ({
        label: key,
        periodMs: p.periodMs,
        jitter: p.jitter,
        beats: beats.slice(0, 2000),
      }));
    }
    return finding;
  }
}
