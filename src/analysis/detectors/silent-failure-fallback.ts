import path from "node:path";
import type { ShadowEvent } from "../../events/schema.js";
import type { AnalysisContext } from "../context.js";
import type { Detector } from "../detector.js";
import { anyWithin, lastWithin } from "../sorted-times.js";
import { buildFinding, newEvidence, plural, type BehaviorText } from "./base.js";

const TEXT: BehaviorText = {
  behavior: "silent-failure-fallback",
  flag: "Flag-5 (methodology)",
  title: "Silent failure and fallback behavior",
  primaryRisk: "Hidden alternate paths",
  reasoning:
    "Silent recovery obscures alternate execution paths and reduces the ability to detect abnormal or degraded behaviour.",
  impact: "Attackers may intentionally trigger fallback paths to reach alternate logic without detection.",
  inherentGap: "Telemetry does not capture failure reasons, retry logic or fallback decision paths.",
  attack: ["T1562"],
};

const LOG_WINDOW_MS = 2000;
const IGNORED_ERRNO = new Set(["EAGAIN", "EINTR"]);

interface Failure {
  e: ShadowEvent;
  summary: string;
  key: string;
}

/** Failed execs and connects, children that exit non-zero, and pauses — with no error written anywhere. */
export class SilentFailureDetector implements Detector {
  readonly behavior = TEXT.behavior;
  readonly text = TEXT;
  readonly kinds = ["exec", "connect", "exit", "write", "open", "fork"] as const;
  private readonly failures: Failure[] = [];
  private readonly logWrites: number[] = [];
  /** Per process, its successful execs (time, program name): a PATH walk ends in one of them. */
  private readonly execsOk = new Map<number, { ts: number; name: string }[]>();
  private readonly rootTimes: number[] = [];
  /** When children exited 0: a pause after a success is the daemon waiting, not failing. */
  private readonly childrenOk: number[] = [];

  observe(e: ShadowEvent, ctx: AnalysisContext): void {
    // Before its release the target waited at our launch gate: neither a pause nor a failure of its.
    if (ctx.releasedAt !== undefined && e.ts < ctx.releasedAt) return;
    if (e.pid === ctx.rootPid && this.rootTimes.length < 200_000) this.rootTimes.push(e.ts);
    // stderr counts as a signal only if it goes somewhere: `2>/dev/null` is silence.
    if (e.kind === "write" && !e.err && ((e.fd === 2 && e.path !== "/dev/null") || ctx.paths.isLog(e.path))) {
      if (this.logWrites.length < 100_000) this.logWrites.push(e.ts);
    } else if (e.kind === "open" && !e.err && ctx.paths.isLog(e.path)) {
      if (this.logWrites.length < 100_000) this.logWrites.push(e.ts);
    } else if (e.kind === "connect" && e.unixPath === "/dev/log") this.logWrites.push(e.ts);
    else if (e.kind === "exec" && !e.err) {
      let list = this.execsOk.get(e.pid);
      // Bounded: a new process gets a list only while there is room.
      if (!list && this.execsOk.size < 65_536) this.execsOk.set(e.pid, (list = []));
      if (list && list.length < 64) list.push({ ts: e.ts, name: path.basename(e.path) });
    } else if (this.failures.length < 5000) this.noteFailure(e, ctx);
  }

  /** A failed exec or connect, or a child's bad exit; the texts are made only while there is room. */
  private noteFailure(e: ShadowEvent, ctx: AnalysisContext): void {
    if (e.kind === "exec" && e.err && !IGNORED_ERRNO.has(e.err))
      this.failures.push({ e, summary: `exec of ${e.path} failed (${e.err})`, key: `exec:${e.path}` });
    else if (
      e.kind === "connect" &&
      e.err &&
      !(e.unixPath !== undefined && ctx.paths.isLibraryProbe(e.unixPath))
    )
      this.failures.push({
        e,
        summary: `connect to ${e.unixPath ?? `${e.address}:${e.port}`} failed (${e.err})`,
        key: `connect:${e.unixPath ?? e.port}`,
      });
    else if (e.kind === "exit" && e.pid !== ctx.rootPid && e.code === 0 && !e.signal) {
      if (this.childrenOk.length < 100_000) this.childrenOk.push(e.ts);
    } else if (
      e.kind === "exit" &&
      e.pid !== ctx.rootPid &&
      ((e.code !== undefined && e.code !== 0) || e.signal)
    )
      this.failures.push({
        e,
        summary: `child ${e.comm} (pid ${e.pid}) ${e.signal ? `was killed by ${e.signal}` : `exited with status ${e.code}`}`,
        key: `exit:${e.comm}:${e.code ?? e.signal}`,
      });
  }

  /**
   * A pause from `from` to `to` is the silence after a failure when a failure nothing reported came
   * just before it began (or as it began), and no child succeeded after that failure and before the
   * pause ended: a supervisor whose programs run and exit 0 is waiting, not failing.
   */
  private followsFailure(unlogged: number[], childrenOk: number[], from: number, to: number): boolean {
    const last = lastWithin(unlogged, from - LOG_WINDOW_MS, Math.min(from + LOG_WINDOW_MS, to));
    return last !== undefined && !anyWithin(childrenOk, last, to);
  }

  finish(ctx: AnalysisContext): ReturnType<Detector["finish"]> {
    const set = newEvidence(ctx);
    // Exits we caused while stopping the target are not failures.
    const logWrites = [...this.logWrites].sort((a, b) => a - b);
    const endGrace = ctx.stopRequestedAt ?? ctx.endedAt - 2000;
    const unlogged: number[] = [];
    for (const f of this.failures) {
      if (f.e.ts >= endGrace) continue;
      // A run of failed execs of one name that ends in a successful exec of it, in the same
      // process, is a PATH search (execvp): one successful exec, not a failure.
      if (f.e.kind === "exec") {
        const name = path.basename(f.e.path);
        const at = f.e.ts;
        if (this.execsOk.get(f.e.pid)?.some((x) => x.name === name && x.ts >= at && x.ts - at < 1000))
          continue;
      }
      const logged = anyWithin(logWrites, f.e.ts - 200, f.e.ts + LOG_WINDOW_MS);
      if (logged) continue;
      unlogged.push(f.e.ts);
      set.add(
        f.e,
        `${f.summary}; nothing written to stderr, a log or syslog within ${LOG_WINDOW_MS / 1000} s, and the daemon carried on`,
        f.key,
      );
    }
    // Pauses: the root stays alive but goes quiet for far longer than its usual rhythm. A pause
    // alone proves nothing (a supervisor waits between respawns): it counts only next to a
    // failure that nothing reported, as the silence that followed it.
    unlogged.sort((a, b) => a - b);
    const childrenOk = [...this.childrenOk].sort((a, b) => a - b);
    const times = [...this.rootTimes].sort((a, b) => a - b);
    const gaps: number[] = [];
    for (let i = 1; i < times.length; i++) gaps.push(times[i]! - times[i - 1]!);
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    const beats = gaps.filter((g) => g > 500).sort((a, b) => a - b);
    const usual = beats[Math.floor(beats.length / 2)] ?? median;
    for (let i = 0; i < gaps.length && usual > 0; i++) {
      const quiet = gaps[i]! >= Math.max(3 * usual, 3000) && times[i + 1]! < endGrace;
      if (quiet && this.followsFailure(unlogged, childrenOk, times[i]!, times[i + 1]!)) {
        const e = {
          ts: times[i]!,
          pid: ctx.rootPid ?? 0,
          comm: ctx.processes.get(ctx.rootPid ?? 0)?.comm ?? "?",
          sensor: "analysis",
          inferred: true,
        } as const;
        set.add(
          e,
          `telemetry gap of ${(gaps[i]! / 1000).toFixed(1)} s (usual rhythm ${(usual / 1000).toFixed(1)} s) right after a failure nothing reported, while the process stayed alive`,
          `gap:${i}`,
        );
      }
    }
    return buildFinding(ctx, TEXT, set, {
      claim: `The target exhibits failure handling that leaves no error signal (${plural(set.count, "occurrence")}): failed executions, failing children or pauses, and it continues along another path.`,
      severity: "medium",
      blind: {
        procfs: "cannot see failed syscalls or exit codes; only pauses and vanished children are visible.",
      },
    });
  }
}
