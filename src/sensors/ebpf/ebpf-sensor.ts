import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readlinkSync, statSync } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import { readStat } from "../../proc/stat.js";
import { sleepUnless } from "../../util/sleep.js";
import { describeExit, diesWithUs } from "../../util/bound-spawn.js";
import { writeNewFile } from "../../util/safe-fs.js";
import type { Sensor, SensorContext, SensorStats } from "../sensor.js";
import { readSockets } from "../procfs/fd-table.js";
import type { KernelUsage } from "../../session/usage.js";
import { ALL_UNITS, buildProgram, type EbpfUnit } from "./program.js";
import { EbpfRecordParser, type LiveLookups } from "./records.js";
import { readProc } from "../../proc/read-proc.js";

const TRACEFS = "/sys/kernel/tracing";
const safe = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
/** Polls `done` every 20 ms; true if it held before `ms` ran out. */
async function waitUntil(done: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (done()) return true;
  return done();
}

/** /proc lookups for what the kernel records leave out (cwd, fd paths, thread groups, socket ends). */
export const liveLookups: LiveLookups = {
  cwd: (pid) => safe(() => readlinkSync(`/proc/${pid}/cwd`)),
  exe: (pid) => safe(() => readlinkSync(`/proc/${pid}/exe`)),
  fdPath: (pid, fd) => safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`)),
  openFileByInode: (pid, dev, ino, hint) => {
    const dir = `/proc/${pid}/fd`;
    for (const fd of [String(hint), ...(safe(() => readdirSync(dir)) ?? [])]) {
      const st = safe(() => statSync(`${dir}/${fd}`));
      if (st?.ino === ino && st.dev === dev) return safe(() => readlinkSync(`${dir}/${fd}`));
    }
    return undefined;
  },
  tgid: (tid) => safe(() => Number(/^Tgid:\s*(\d+)/m.exec(readProc(`/proc/${tid}/status`))?.[1])),
  socket: (pid, fd) => {
    const inode = /^socket:\[(\d+)\]$/.exec(safe(() => readlinkSync(`/proc/${pid}/fd/${fd}`)) ?? "")?.[1];
    const info = inode ? readSockets(pid).get(Number(inode)) : undefined;
    if (info?.kind === "inet") {
      const r = info.row;
      const remote = r.remote.port !== 0 ? r.remote : r.local;
      return { family: r.proto.endsWith("6") ? "inet6" : "inet", address: remote.address, port: remote.port };
    }
    return info?.kind === "unix"
      ? { family: "unix", ...(info.path ? { unixPath: info.path } : {}) }
      : undefined;
  },
};

/** The target and any descendants it already has (for --pid), to seed the kernel's tree map. */
function treeOf(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const n of safe(() => readdirSync("/proc")) ?? []) {
    if (!/^\d+$/.test(n)) continue;
    const s = readStat(Number(n));
    if (s) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s.pid]);
  }
  const out = [root];
  for (let i = 0; i < out.length && out.length < 512; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

/** The eBPF sensor: kernel tracepoints through bpftrace, filtered in the kernel to the observed tree. */
export class EbpfSensor implements Sensor {
  readonly name = "ebpf" as const;
  private proc: ChildProcess | undefined;
  private parser: EbpfRecordParser | undefined;
  private readonly s: SensorStats = { events: 0, dropped: 0, errors: 0, status: "idle" };
  private closed: Promise<void> | undefined;
  private launched = false;

  constructor(private readonly units?: readonly EbpfUnit[]) {}

  async probe() {
    if (process.geteuid?.() !== 0)
      return { usable: false, reason: "needs root (or CAP_BPF and CAP_PERFMON)" };
    const v = spawnSync("bpftrace", ["--version"], { encoding: "utf8" });
    if (v.error || v.status !== 0)
      return { usable: false, reason: "bpftrace is not installed (Debian package: bpftrace)" };
    if (!existsSync("/sys/kernel/btf/vmlinux"))
      return { usable: false, reason: "the kernel exposes no BTF (/sys/kernel/btf/vmlinux)" };
    if (!existsSync(`${TRACEFS}/events/syscalls`)) {
      return {
        usable: false,
        reason: `syscall tracepoints not visible: mount tracefs (mount -t tracefs nodev ${TRACEFS}); kernel needs CONFIG_FTRACE_SYSCALLS`,
      };
    }
    return {
      usable: true,
      reason: `${v.stdout.trim()}; kernel tracepoints filtered in-kernel to the observed tree`,
    };
  }

  async start(ctx: SensorContext): Promise<void> {
    const program = path.join(ctx.workDir, "shadow-signals.bt");
    // Capability checks need the capability:cap_capable tracepoint (Linux 5.17 and later).
    const units = (this.units ?? ALL_UNITS).filter(
      (u) => u !== "caps" || existsSync(`${TRACEFS}/events/capability/cap_capable`),
    );
    this.launched = ctx.tree.marker !== undefined;
    writeNewFile(program, buildProgram(treeOf(ctx.tree.rootPid), units, process.pid));
    const offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    const parser = (this.parser = new EbpfRecordParser(offsetNs, liveLookups));
    // Its own process group, so that a Ctrl-C on our terminal reaches us and not bpftrace (we
    // stop it in order), and the parent-death signal, so that it never outlives us.
    const [file, ...args] = diesWithUs(["bpftrace", "-f", "json", program]);
    const proc = (this.proc = spawn(file!, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        BPFTRACE_STRLEN: "200",
        BPFTRACE_MAP_KEYS_MAX: "65536",
        BPFTRACE_PERF_RB_PAGES: "256",
      },
    }));
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const rl = readline.createInterface({ input: proc.stdout! });
    let onReady: (() => void) | undefined;
    rl.on("line", (line) => {
      for (const e of parser.parse(line)) {
        if (e.kind === "fork") ctx.tree.add(e.child, e.pid);
        this.s.events++;
        ctx.emit(e);
      }
      if (parser.ready && onReady) {
        onReady();
        onReady = undefined;
      }
    });
    this.closed = new Promise((resolve) => rl.once("close", () => resolve()));
    // bpftrace's last real complaint; the RLIMIT_MEMLOCK line is a harmless warning on kernels
    // that account BPF memory by cgroup, and never the cause of anything.
    const lastError = () =>
      stderr
        .split("\n")
        .filter((l) => l.trim() !== "" && !/RLIMIT_MEMLOCK/.test(l))
        .at(-1) ?? "";
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      const last = lastError();
      return `bpftrace ${describeExit(code, signal)}${last && !signal ? `: ${last}` : ""}`;
    };
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`bpftrace did not attach within 60 s: ${lastError() || "no message"}`)),
        60_000,
      );
      onReady = () => {
        clearTimeout(timer);
        resolve();
      };
      proc.once("exit", (code, signal) => {
        clearTimeout(timer);
        if (this.s.status === "running") {
          this.s.status = "failed";
          this.s.detail = `${ended(code, signal)} at ${new Date().toISOString()}`;
          ctx.onFailure(ended(code, signal));
        }
        reject(new Error(`${ended(code, signal)} before attaching`));
      });
    });
    this.s.status = "running";
  }

  async stop(hurry?: AbortSignal): Promise<void> {
    const proc = this.proc;
    const parser = this.parser;
    // A process killed by a signal has no exit code: both say it is gone.
    const gone = () => proc === undefined || proc.exitCode !== null || proc.signalCode !== null;
    const alive = !gone();
    if (proc && parser && hurry?.aborted && alive) proc.kill("SIGKILL");
    else if (proc && parser && alive) {
      this.s.status = "stopped"; // before the signal, so its exit is not taken for a failure
      const exited = new Promise((r) => proc.once("exit", r));
      // Ask for the write sums still in the kernel (see buildProgram), then end bpftrace at once:
      // its own exit would detach every probe first, 5 s before printing them.
      const asked = parser.flushes;
      void process.ppid;
      if (await waitUntil(() => parser.flushes > asked || gone() || hurry?.aborted === true, 3000)) {
        await sleepUnless(200, hurry); // records from other CPUs' buffers may trail the answer by one poll
        proc.kill("SIGKILL");
      } else {
        this.s.detail = "bpftrace did not answer the final flush; waited for its exit instead";
        proc.kill("SIGINT"); // it prints its maps after detaching
        await Promise.race([exited, sleepUnless(15_000, hurry)]);
        if (!gone()) proc.kill("SIGKILL");
      }
    }
    await Promise.race([this.closed, sleep(2000)]);
    if (this.s.status === "running") this.s.status = "stopped";
  }

  usage(): KernelUsage | undefined {
    const u = this.parser?.usage();
    if (!u) return undefined;
    return {
      sensor: "ebpf",
      // Attached to a running daemon, its start-up calls were made before we came.
      complete: this.launched,
      note: this.launched
        ? "every syscall of the tree counted in the kernel (raw_syscalls:sys_enter) from the target's first instruction"
        : "every syscall of the tree counted in the kernel from the attach: what the daemon did before (its start-up) is not counted",
      ...u,
    };
  }

  stats(): SensorStats {
    const lost = this.parser?.lost ?? 0;
    return {
      ...this.s,
      dropped: lost,
      errors: this.s.errors + (this.parser?.errors ?? 0),
      ...(lost > 0 && !this.s.detail ? { detail: `bpftrace lost ${lost} event(s) (perf buffer full)` } : {}),
    };
  }
}
