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
import { nativeProgramArgv, nativeProgramAvailability } from "./native-program.js";
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
    const fds = [String(hint), ...(safe(() => readdirSync(dir)) ?? [])];
    const same = (st: { dev: number; ino: number } | undefined) => st?.ino === ino && st.dev === dev;
    // An fd's target can change between two reads of it: a shell's `echo >&3` points fd 1 at the
    // file and back at its stdout a million times a second. So the name read is checked, not the
    // fd: the path, seen from the writer's root, must be that inode now.
    for (const fd of fds) {
      const name = safe(() => readlinkSync(`${dir}/${fd}`));
      if (name?.startsWith("/") && same(safe(() => statSync(`/proc/${pid}/root${name}`)))) return name;
    }
    // A file with no reachable name (unlinked, or out of our sight): the fd's own link, as it was.
    for (const fd of fds)
      if (same(safe(() => statSync(`${dir}/${fd}`)))) return safe(() => readlinkSync(`${dir}/${fd}`));
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

/** The program feeding the sensor's parser: bpftrace, or the native program. */
interface Feed {
  name: string;
  proc: ChildProcess;
  closed: Promise<void>;
  /** Its stderr's last real complaint. */
  lastError(): string;
}

/**
 * The eBPF sensor: kernel tracepoints filtered in the kernel to the observed tree. Its native
 * program (native-program.ts) runs them on BTF raw tracepoints; where that is not built, bpftrace
 * runs program.ts. Both print the same records, read by one parser.
 */
export class EbpfSensor implements Sensor {
  readonly name = "ebpf" as const;
  private feed: Feed | undefined;
  private parser: EbpfRecordParser | undefined;
  private readonly s: SensorStats = { events: 0, dropped: 0, errors: 0, status: "idle" };
  private launched = false;
  private native = false;

  /**
   * `units`: a subset of the program's units (for measuring). `nativeProgram`: false runs
   * bpftrace even where the native program is built.
   */
  constructor(
    private readonly units?: readonly EbpfUnit[],
    private readonly nativeProgram = true,
  ) {}

  private nativeAvailability() {
    return this.nativeProgram
      ? nativeProgramAvailability()
      : { usable: false as const, reason: "turned off for this sensor" };
  }

  async probe() {
    if (process.geteuid?.() !== 0)
      return { usable: false, reason: "needs root (or CAP_BPF and CAP_PERFMON)" };
    const native = this.nativeAvailability();
    // bpftrace is asked for its version only when it is the one that would run.
    const v = native.usable ? undefined : spawnSync("bpftrace", ["--version"], { encoding: "utf8" });
    const bpftrace = v !== undefined && !v.error && v.status === 0;
    if (!native.usable && !bpftrace)
      return {
        usable: false,
        reason: `bpftrace is not installed (Debian package: bpftrace), and the native program ${native.reason}`,
      };
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
      reason: native.usable
        ? "native CO-RE program (build/shadow-ebpf): BTF raw tracepoints filtered in-kernel to the observed tree"
        : `${v?.stdout.trim() ?? "bpftrace"}; kernel tracepoints filtered in-kernel to the observed tree (the native program ${native.reason})`,
    };
  }

  async start(ctx: SensorContext): Promise<void> {
    const program = path.join(ctx.workDir, "shadow-signals.bt");
    // Capability checks need the capability:cap_capable tracepoint (Linux 5.17 and later).
    const units = (this.units ?? ALL_UNITS).filter(
      (u) => u !== "caps" || existsSync(`${TRACEFS}/events/capability/cap_capable`),
    );
    this.native = this.nativeAvailability().usable;
    this.launched = ctx.tree.marker !== undefined;
    // The root's tree as /proc shows it now, and the members a cgroup target already has.
    const pids = [...new Set([...treeOf(ctx.tree.rootPid), ...ctx.tree.pids()])];
    const scope = ctx.tree.scope;
    let name = "the native eBPF program";
    let argv: string[];
    if (this.native) argv = nativeProgramArgv(units, pids, scope);
    else {
      writeNewFile(program, buildProgram(pids, units, process.pid, scope));
      [name, argv] = ["bpftrace", ["bpftrace", "-f", "json", program]];
    }
    const offsetNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
    const parser = (this.parser = new EbpfRecordParser(offsetNs, liveLookups));
    let onReady: (() => void) | undefined;
    const { feed, early } = this.spawnFeed(name, argv, ctx, () => onReady?.());
    this.feed = feed;
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `the eBPF sensor did not attach within 60 s (${name}: ${feed.lastError() || "no message"})`,
            ),
          );
        }, 60_000);
        onReady = () => {
          if (parser.readies < 1) return;
          clearTimeout(timer);
          resolve();
        };
        void early.then((why) => {
          clearTimeout(timer);
          reject(new Error(`${why} before attaching`));
        });
      });
    } catch (err) {
      if (feed.proc.exitCode === null && feed.proc.signalCode === null) feed.proc.kill("SIGKILL");
      throw err;
    }
    this.s.status = "running";
  }

  /**
   * Starts one feed, its lines into the parser. `early` resolves (with why) if it ends while the
   * sensor is not yet running; once running, its end is a sensor failure.
   */
  private spawnFeed(
    name: string,
    argv: string[],
    ctx: SensorContext,
    onLine: () => void,
  ): { feed: Feed; early: Promise<string> } {
    const parser = this.parser!;
    // Its own process group, so that a Ctrl-C on our terminal reaches us and not the feed (we
    // stop it in order), and the parent-death signal, so that it never outlives us.
    const [file, ...args] = diesWithUs(argv);
    const proc = spawn(file!, args, {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        BPFTRACE_STRLEN: "200",
        BPFTRACE_MAP_KEYS_MAX: "65536",
        BPFTRACE_PERF_RB_PAGES: "256",
      },
    });
    let stderr = "";
    proc.stderr!.on(
      "data",
      (d: Buffer) => (stderr += d.toString()).length > 65_536 && (stderr = stderr.slice(-8192)),
    );
    const rl = readline.createInterface({ input: proc.stdout! });
    rl.on("line", (line) => {
      for (const e of parser.parse(line)) {
        if (e.kind === "fork") ctx.tree.add(e.child, e.pid);
        // The kernel found a process of a cgroup target (moved into its cgroup): the tree learns it.
        else if (ctx.tree.scope !== undefined && !ctx.tree.has(e.pid)) ctx.tree.add(e.pid);
        this.s.events++;
        ctx.emit(e);
      }
      onLine();
    });
    // The last real complaint; the RLIMIT_MEMLOCK line is a harmless warning on kernels that
    // account BPF memory by cgroup, and never the cause of anything.
    const lastError = () =>
      stderr
        .split("\n")
        .filter((l) => l.trim() !== "" && !/RLIMIT_MEMLOCK/.test(l))
        .at(-1) ?? "";
    const ended = (code: number | null, signal: NodeJS.Signals | null) => {
      const last = lastError();
      return `${name} ${describeExit(code, signal)}${last && !signal ? `: ${last}` : ""}`;
    };
    const early = new Promise<string>((resolve) =>
      proc.once("exit", (code, signal) => {
        if (this.s.status === "running") {
          this.s.status = "failed";
          this.s.detail = `${ended(code, signal)} at ${new Date().toISOString()}`;
          ctx.onFailure(ended(code, signal));
        } else if (this.s.status === "idle") resolve(ended(code, signal));
      }),
    );
    const closed = new Promise<void>((resolve) => rl.once("close", () => resolve()));
    return { feed: { name, proc, closed, lastError }, early };
  }

  async stop(hurry?: AbortSignal): Promise<void> {
    const parser = this.parser;
    const feed = this.feed;
    if (!feed) return;
    // A process killed by a signal has no exit code: both say it is gone.
    const gone = () => feed.proc.exitCode !== null || feed.proc.signalCode !== null;
    const kill = (signal: NodeJS.Signals) => {
      if (!gone()) feed.proc.kill(signal);
    };
    if (parser && hurry?.aborted) kill("SIGKILL");
    if (parser && !gone() && !hurry?.aborted) {
      this.s.status = "stopped"; // before the signal, so its exit is not taken for a failure
      // Ask for the write sums and counters still in the kernel: bpftrace answers our getppid()
      // (see buildProgram), the native program a SIGUSR1. Then end it at once: bpftrace's own
      // exit would detach every probe first, 5 s before printing its maps.
      const asked = parser.flushes;
      if (feed.name === "bpftrace") void process.ppid;
      else kill("SIGUSR1");
      if (await waitUntil(() => parser.flushes > asked || gone() || hurry?.aborted === true, 3000)) {
        await sleepUnless(200, hurry); // records from other CPUs' buffers may trail the answer by one poll
        kill("SIGKILL");
      } else {
        this.s.detail = "the eBPF sensor did not answer the final flush; waited for its exit instead";
        const exited = gone() ? undefined : new Promise((r) => feed.proc.once("exit", r));
        kill(feed.name === "bpftrace" ? "SIGINT" : "SIGUSR1"); // bpftrace prints its maps after detaching
        await Promise.race([exited, sleepUnless(15_000, hurry)]);
        kill("SIGKILL");
      }
    }
    await Promise.race([feed.closed, sleep(2000)]);
    if (this.s.status === "running") this.s.status = "stopped";
  }

  usage(): KernelUsage | undefined {
    const u = this.parser?.usage();
    if (!u) return undefined;
    return {
      sensor: "ebpf",
      // Attached to a running daemon, its start-up calls were made before we came.
      complete: this.launched,
      note: `every syscall of the tree counted in the kernel (${
        this.native
          ? "at the raw sys_exit tracepoint, with the call each task dies in or waits in at the end"
          : "raw_syscalls:sys_enter"
      }) ${
        this.launched
          ? "from the target's first instruction"
          : "from the attach: what the daemon did before (its start-up) is not counted"
      }`,
      ...u,
    };
  }

  stats(): SensorStats {
    const lost = this.parser?.lost ?? 0;
    return {
      ...this.s,
      dropped: lost,
      errors: this.s.errors + (this.parser?.errors ?? 0),
      ...(lost > 0 && !this.s.detail ? { detail: `the kernel's buffers lost ${lost} event(s) (full)` } : {}),
    };
  }
}
