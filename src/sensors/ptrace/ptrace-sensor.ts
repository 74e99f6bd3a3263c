import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readStat } from "../../proc/stat.js";
import type { Sensor, SensorContext, SensorStats } from "../sensor.js";
import { FileTail } from "./file-tail.js";
import { StraceEventMapper, TRACED_SYSCALLS } from "./strace-events.js";
import { StraceLineParser } from "./strace-line.js";

const readComm = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
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
  private logFile: string | undefined;
  private wrapped = false;
  private proc: ChildProcess | undefined;
  private tail: FileTail | undefined;
  private readonly s: SensorStats = { events: 0, dropped: 0, errors: 0, status: "idle" };

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
      const [file, ...args] = [
        ...pinToCpu(readStat(pid)?.processor ?? -1),
        "strace",
        ...straceOptions(this.logFile, true),
        "-p",
        String(pid),
      ];
      this.proc = spawn(file!, args, { stdio: ["ignore", "ignore", "pipe"] });
      this.proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
      this.proc.once("exit", (code) => {
        if (this.s.status === "running" && code !== 0) {
          this.s.status = "failed";
          this.s.detail = `strace exited with ${code}: ${stderr.trim().split("\n").at(-1) ?? ""}`;
          ctx.onFailure(this.s.detail);
        }
      });
    }
    this.tail = new FileTail(this.logFile!, (line) => {
      const { record, error } = parser.parse(line);
      if (error) {
        this.s.errors++;
        return;
      }
      if (!record) return;
      for (const e of mapper.map(record)) {
        if (e.kind === "fork") ctx.tree.add(e.child, e.pid);
        this.s.events++;
        ctx.emit(e);
      }
    });
    this.tail.start();
    this.s.status = "running";
  }

  async stop(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc!.once("exit", r));
      this.proc.kill("SIGINT"); // strace detaches cleanly from its tracees on SIGINT
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
    }
    this.tail?.stop();
    if (this.s.status === "running") this.s.status = "stopped";
    // The raw log holds write payloads, secrets included: it never outlives the session.
    if (this.logFile) rmSync(this.logFile, { force: true });
  }

  stats(): SensorStats {
    return { ...this.s };
  }
}
