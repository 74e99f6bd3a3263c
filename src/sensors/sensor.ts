import type { ChildProcess } from "node:child_process";
import type { RawEvent, SensorName } from "../events/schema.js";
import type { KernelUsage } from "../session/usage.js";
import type { CgroupScope } from "../targets/target.js";

/** Whether a sensor can run here, and if not, why (shown by `sensors` and in every report). */
export interface ProbeResult {
  usable: boolean;
  reason: string;
}

export interface SensorStats {
  events: number;
  dropped: number;
  errors: number;
  status: "idle" | "running" | "stopped" | "failed";
  /** Why it failed, or what it noticed (e.g. lost events). */
  detail?: string;
}

/** The tree under observation, shared by all sensors: any of them can add a descendant. */
export interface ObservedTree {
  readonly rootPid: number;
  /** Set for a command we launched: every descendant inherits it in its environment. */
  readonly marker?: string;
  /**
   * Set for a cgroup target (--cgroup, --unit, --container): every process in this cgroup v2
   * subtree belongs to the tree, whether forked there or moved there later.
   */
  readonly scope?: CgroupScope;
  has(pid: number): boolean;
  /**
   * Processes never to take in, whatever their parent (the survey's own: it runs below a process
   * it surveys). Absent: none.
   */
  ignores?(pid: number): boolean;
  /** Adds a process; `creator` is the process that forked it, when a sensor saw the fork. */
  add(pid: number, creator?: number): void;
  /** The process that forked `pid`, if known: lets a sensor see that it has been reparented. */
  creatorOf(pid: number): number | undefined;
  pids(): Iterable<number>;
}

export interface SensorContext {
  tree: ObservedTree;
  emit(event: RawEvent): void;
  /** Scratch space for the sensor (raw logs), inside the session's out dir. */
  workDir: string;
  /**
   * Called when the sensor dies mid-session: the others go on. `disturbsTarget`: its death changed
   * the target (strace's seccomp filter outlives strace), so what follows is not the target's own.
   */
  onFailure(reason: string, opts?: { disturbsTarget?: boolean }): void;
}

/** A source of events. Small on purpose: name, probe, start, stop, stats. */
export interface Sensor {
  readonly name: SensorName;
  probe(): Promise<ProbeResult>;
  /**
   * For `observe -- CMD`: a sensor that must own the process (ptrace) wraps the launcher command.
   * Others leave it undefined and attach to the pid once it is known.
   */
  wrapCommand?(argv: string[], workDir: string): string[];
  /** What wrapping adds to the target's own confinement (strace's seccomp filter), if anything. */
  readonly confinementAdded?: { seccompFilters: number; noNewPrivs: boolean };
  /** The process that `wrapCommand` made (strace): the sensor watches it for an early death. */
  watchWrapper?(child: ChildProcess): void;
  start(ctx: SensorContext): Promise<void>;
  /** Bounded; `hurry` aborts every grace period (a second Ctrl-C). */
  stop(hurry?: AbortSignal): Promise<void>;
  stats(): SensorStats;
  /** What the tree asked of the kernel (syscalls, capability checks), where the sensor counts it. */
  usage?(): KernelUsage | undefined;
}
