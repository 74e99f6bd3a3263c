import { spawn, spawnSync, type ChildProcess } from "node:child_process";

import os from "node:os";
import path from "node:path";
import { readStat } from "../../proc/stat.js";
import { sleepUnless } from "../../util/sleep.js";
import { describeExit, diesWithUs } from "../../util/bound-spawn.js";
import type { Sensor, SensorContext, SensorStats } from "../sensor.js";
import { SyscallCounter, type KernelUsage } from "../../session/usage.js";
import { FileTail } from "./file-tail.js";
import { StraceEventMapper, TRACED_SYSCALLS } from "./strace-events.js";
import { StraceLineParser } from "./strace-line.js";
import { readProc } from "../../proc/read-proc.js";

const readComm = (pid: number) => {
  try {
    return readProc(`/proc/${pid}/comm`).trim();
  } catch {
    return undefined;
  }
};

/** strace options: decoded fds and addresses, epoch timestamps, only the catalogue's syscalls. */
export function straceOptions(logFile: string, attach: boolean): string[] {
  return [
    "-f",
    "-q",
    "-ttt",
    "-yy",
    "-s",
    "256",
    // seccomp-bpf stops the tracee only on the syscalls we trace; it cannot be installed by -p.
    ...(attach ? [] : ["--seccomp-bpf"]),
    "-e",
    `trace=${TRACED_SYSCALLS.join(",")}`,
    "-o",
    logFile,
  ];
}

/**
 * Every traced syscall stops the tracee and wakes strace. When the two sit on different CPUs each
 * stop costs a cross-CPU wake-up: on this workload strace and its tracee on one CPU run ~3x faster
 * than apart (bench/README.md). A command we launch is pinned with strace. `--pid` never changes
 * the target's affinity: there only strace is pinned, to the CPU the target last ran on, and the
 * scheduler tends to wake a tracee where the tracer that resumed it runs.
 * Returns the taskset prefix, or nothing where pinning cannot help or cannot be done.
 */
export function pinToCpu(cpu: number): string[] {
  if (os.availableParallelism() < 2 || !(cpu >= 0)) return [];
  // A dry run: taskset refuses a CPU outside our own allowed set (a cgroup cpuset, say).
  if (spawnSync("taskset", ["-c", String(cpu), "true"]).status !== 0) return [];
  return ["taskset", "-c", String(cpu)];
}

/** The ptrace sensor: every traced syscall of the tree, through strace. */
export class PtraceSensor implements Sensor {
  readonly name = "ptrace" as const;
  /** --seccomp-bpf: one filter on every tracee, and no_new_privs (a launched target only). */
  readonly confinementAdded = { seccompFilters: 1, noNewPrivs: true };
  private logFile: string | undefined;
  private wrapped = false;
  private proc: ChildProcess | undefined;
  private wrapper: ChildProcess | undefined;
  private tail: FileTail | undefined;
  private readonly s: SensorStats = { events: 0, dropped: 0, errors: 0, status: "idle" };
  private readonly syscalls = new SyscallCounter();

  async probe() {
    const r = spawnSync("strace", ["-V"], { encoding: "utf8" });
    if (r.error || r.status !== 0)
      return { usable: false, reason: "strace is not installed (Debian package: strace)" };
    const version = /version (\S+)/.exec(r.stdout)?.[1] ?? "?";
    return {
      usable: true,
      reason: `strace ${version}; traces the target's tree (${process.geteuid?.() === 0 ? "root" : "own processes only"})`,
    };
  }

  wrapCommand(argv: string[], workDir: string): string[] {
    this.logFile = path.join(workDir, "strace.log");
    this.wrapped = true;
    return [
      ...pinToCpu(os.availableParallelism() - 1),
      "strace",
      ...straceOptions(this.logFile, false),
      "--",
      ...argv,
    ];
  }

  async start(ctx: SensorContext): Promise<void> {
    const parser = new StraceLineParser();
    const mapper = new StraceEventMapper(readComm);
    if (!this.wrapped) {
      this.logFile = path.join(ctx.workDir, "strace.log");
      let stderr = "";
      const pid = ctx.tree.rootPid;
      // Every member a cgroup target has now (with -f, their new descendants too); strace cannot
      // follow a process that joins the cgroup later without being forked by a member.
      const members = [...ctx.tree.pids()];
      const [file, ...args] = [
        ...pinToCpu(readStat(pid)?.processor ?? -1),
        "strace",
        ...straceOptions(this.logFile, true),
        ...members.flatMap((p) => ["-p", String(p)]),
      ];
      // Dies with us; its own process group keeps a Ctrl-C on our terminal from detaching it early.
      const [bin, ...rest] = diesWithUs([file!, ...args]);
      this.proc = spawn(bin!, rest, { detached: true, stdio: ["ignore", "ignore", "pipe"] });
      this.proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      this.proc.once("exit", (code, signal) => {
        if (this.s.status === "running" && (code !== 0 || signal)) {
          const last = stderr.trim().split("\n").at(-1) ?? "";
          this.fail(ctx, `strace ${describeExit(code, signal)}${last && !signal ? `: ${last}` : ""}`, false);
        }
      });
    } else this.watchExit(ctx);
    this.tail = new FileTail(this.logFile!, (line) => {
      const { record, error } = parser.parse(line);
      if (error) {
        this.s.errors++;
        return;
      }
      if (!record) return;
      if (record.type === "syscall") this.syscalls.add(record.name);
      for (const e of mapper.map(record)) {
        if (e.kind === "fork") ctx.tree.add(e.child, e.pid);
        this.s.events++;
        ctx.emit(e);
      }
    });
    this.tail.start();
    this.s.status = "running";
  }

  usage(): KernelUsage | undefined {
    if (this.syscalls.size === 0) return undefined;
    return {
      sensor: "ptrace",
      complete: false,
      note: "strace traced only the syscalls the events need (its -e trace= list): the others the tree made are not counted",
      syscalls: this.syscalls.toRecord(),
    };
  }

  watchWrapper(child: ChildProcess): void {
    this.wrapper = child;
  }

  /**
   * strace in front of a launched target exits by itself once its tracees are gone (status 0). Any
   * other end while it runs is a failure, and one that changes the target: the seccomp filter that
   * --seccomp-bpf installed stays, and with no tracer the kernel fails each traced syscall with
   * ENOSYS. The target's behaviour from then on is not its own.
   */
  private watchExit(ctx: SensorContext): void {
    const child = this.wrapper;
    if (!child) return;
    // strace ends with its tracees (with their status, or their signal): no failure. It failed if
    // a process of the tree still runs without it.
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      const orphaned = [...ctx.tree.pids()].some((pid) => {
        const st = readStat(pid);
        return st !== undefined && st.state !== "Z";
      });
      if (this.s.status !== "running" || !orphaned) return;
      this.fail(
        ctx,
        `strace ${describeExit(code, signal)} while the target ran; the target keeps strace's seccomp filter, so its traced syscalls fail with ENOSYS from then on`,
        true,
      );
    };
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    else child.once("exit", onExit);
  }

  private fail(ctx: SensorContext, reason: string, disturbsTarget: boolean): void {
    this.s.status = "failed";
    this.s.detail = reason;
    ctx.onFailure(reason, { disturbsTarget });
  }

  async stop(hurry?: AbortSignal): Promise<void> {
    if (this.proc && this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise((r) => this.proc!.once("exit", r));
      // strace detaches cleanly from its tracees on SIGINT; in a hurry, SIGKILL detaches them too.
      this.proc.kill(hurry?.aborted ? "SIGKILL" : "SIGINT");
      await Promise.race([exited, sleepUnless(3000, hurry)]);
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill("SIGKILL");
    }
    this.tail?.stop();
    if (this.s.status === "running") this.s.status = "stopped";
  }

  stats(): SensorStats {
    return { ...this.s };
  }
}
