import { readdirSync, readlinkSync, watch, type FSWatcher } from "node:fs";
import { readProc } from "../../proc/read-proc.js";
import { safeReadlink } from "../../proc/read-link.js";
import path from "node:path";
import type { RawEvent } from "../../events/schema.js";
import { readStat, startEpochMs, type ProcStat } from "../../proc/stat.js";
import { readStatus } from "../../proc/status.js";
import type { Sensor, SensorContext, SensorStats } from "../sensor.js";
import { readFdFlags, readFds, readSockets, type SocketInfo } from "./fd-table.js";
import watchDirs from "../../data/procfs-watch-dirs.json" with { type: "json" };
import { cgroupOf, inSubtree } from "../../targets/cgroup-root.js";

interface Known {
  stat: ProcStat;
  creds: string;
  fds: Map<number, string>;
  /** What it runs, to tell an exec from a plain fork of the parent's own program. */
  image: string;
}

const safeRead = (p: string) => {
  try {
    return readProc(p);
  } catch {
    return undefined;
  }
};

/** How many scans apart the outsiders that exited are forgotten (~1 s). */
const PRUNE_EVERY = 10;
/** How many scans apart a cgroup target's outsiders are asked their cgroup again (~1 s). */
const RESCOPE_EVERY = 10;

/** The shortest time between two inotify-driven scans. */
const MIN_RESCAN_MS = 25;

/**
 * The unprivileged sensor: polls /proc (every 100 ms by default) and rescans at once when inotify
 * reports activity in the usual directories, as pspy does. Follows the whole tree, including
 * descendants that detach, through parent links and the session marker in their environment.
 */
export class ProcfsSensor implements Sensor {
  readonly name = "procfs" as const;
  private readonly known = new Map<number, Known>();
  private readonly outsiders = new Map<number, number>(); // pid -> starttime, checked and not ours
  // pid -> starttime of processes we saw end: a zombie lingers in /proc until it is reaped, and
  // must not be adopted again (which made an exit event every other scan).
  private readonly ended = new Map<number, number>();
  private readonly s: SensorStats = { events: 0, dropped: 0, errors: 0, status: "idle" };
  private timer: NodeJS.Timeout | undefined;
  private watchers: FSWatcher[] = [];
  private ctx: SensorContext | undefined;
  private rescanQueued = false;
  /** The pids /proc listed at the previous scan. */
  private listed = new Set<number>();

  constructor(
    private readonly intervalMs = 100,
    private readonly extraWatchRoots: string[] = [],
  ) {}

  async probe() {
    try {
      readdirSync("/proc/self/fd");
      return {
        usable: true,
        reason: `/proc readable; polls every ${this.intervalMs} ms plus inotify rescans (no root needed)`,
      };
    } catch {
      return { usable: false, reason: "/proc is not mounted or not readable" };
    }
  }

  async start(ctx: SensorContext): Promise<void> {
    this.ctx = ctx;
    this.s.status = "running";
    this.scan();
    this.timer = setInterval(() => this.scan(), this.intervalMs);
    for (const root of ["/", ...this.extraWatchRoots]) {
      for (const dir of watchDirs.dirs) {
        try {
          const w = watch(path.join(root, dir), { persistent: false }, () => this.queueRescan());
          w.on("error", () => undefined);
          this.watchers.push(w);
        } catch {
          /* directory absent */
        }
      }
    }
  }

  /**
   * An inotify event asks for a scan at once, but never sooner than MIN_RESCAN_MS after the last
   * one: a busy /tmp (a build, a cache) would otherwise have us rescan /proc in a loop and take
   * the CPU from the target we observe.
   */
  private queueRescan(): void {
    if (this.rescanQueued) return;
    this.rescanQueued = true;
    const wait = Math.max(0, this.lastScan + MIN_RESCAN_MS - Date.now());
    setTimeout(() => {
      this.rescanQueued = false;
      this.scan();
    }, wait);
  }

  /** Scans so far, and /proc/PID/stat reads (for tests and the bench). */
  scans = 0;
  statReads = 0;
  private readStat(pid: number): ProcStat | undefined {
    this.statReads++;
    return readStat(pid);
  }
  private lastScan = 0;

  private emit(e: RawEvent): void {
    this.s.events++;
    this.ctx!.emit(e);
  }

  /** One pass over /proc. */
  scan(): void {
    this.scans++;
    this.lastScan = Date.now();
    const ctx = this.ctx;
    if (!ctx) return;
    let names: string[];
    try {
      names = readdirSync("/proc");
    } catch (err) {
      this.s.errors++;
      this.s.status = "failed";
      this.s.detail = `cannot read /proc: ${(err as Error).message}`;
      ctx.onFailure(this.s.detail);
      return;
    }
    const alive = new Set<number>();
    let sockets: Map<number, SocketInfo> | undefined;
    const socketsNow = () => (sockets ??= readSockets(ctx.tree.rootPid));
    // Parents before children: ascending pids is close enough, and a second pass catches the rest.
    const pids = names
      .filter((n) => n.charCodeAt(0) <= 57)
      .map(Number)
      .sort((a, b) => a - b);
    // A pid found not ours (or ended) that /proc listed at the previous scan too is the same
    // process: a pid is reused only after the kernel wraps pid_max, not within one scan. Reading
    // its stat again every scan was most of a scan's cost on a machine with many processes.
    const listed = this.listed;
    // A cgroup target: a process moved into the cgroup was an outsider until then. About once a
    // second the outsiders are asked again which cgroup they are in.
    const rescope = ctx.tree.scope !== undefined && this.scans % RESCOPE_EVERY === 1;
    for (let pass = 0; pass < 2; pass++) {
      for (const pid of pids) {
        if (this.known.has(pid)) {
          if (pass === 0) this.update(pid, alive, socketsNow);
          continue;
        }
        const outsider = this.outsiders.has(pid) && !(rescope && pass === 0);
        if (listed.has(pid) && (outsider || this.ended.has(pid))) continue;
        const stat = this.readStat(pid);
        if (!stat) continue;
        if (
          (outsider && this.outsiders.get(pid) === stat.starttime) ||
          this.ended.get(pid) === stat.starttime
        )
          continue;
        const member =
          ctx.tree.has(pid) || this.known.has(stat.ppid) || this.hasMarker(pid) || this.inScope(pid);
        if (member && !ctx.tree.ignores?.(pid)) {
          this.outsiders.delete(pid);
          this.adopt(pid, stat, socketsNow);
          alive.add(pid);
        } else if (pass === 1) this.outsiders.set(pid, stat.starttime);
      }
    }
    this.listed = new Set(pids);
    // Outsiders that /proc no longer lists have exited: forgotten, or on a busy host the map would
    // hold every pid the host ever made (a day-long session's memory grew with the host's forks).
    if (this.scans % PRUNE_EVERY === 0)
      for (const pid of this.outsiders.keys()) if (!this.listed.has(pid)) this.outsiders.delete(pid);
    for (const [pid, k] of this.known) {
      if (alive.has(pid)) continue;
      this.known.delete(pid);
      this.ended.set(pid, k.stat.starttime);
      if (this.ended.size > 65_536) this.ended.delete(this.ended.keys().next().value!);
      this.emit({
        kind: "exit",
        ts: Date.now(),
        pid,
        ppid: k.stat.ppid,
        comm: k.stat.comm,
        sensor: "procfs",
        inferred: true,
      });
    }
  }

  /** In the cgroup v2 subtree of a cgroup target (/proc/PID/cgroup). */
  private inScope(pid: number): boolean {
    const scope = this.ctx!.tree.scope;
    if (!scope) return false;
    const cgroup = cgroupOf(pid);
    return cgroup !== undefined && inSubtree(cgroup, scope.path);
  }

  private hasMarker(pid: number): boolean {
    const marker = this.ctx!.tree.marker;
    return marker !== undefined && (safeRead(`/proc/${pid}/environ`)?.includes(marker) ?? false);
  }

  private adopt(pid: number, stat: ProcStat, sockets: () => Map<number, SocketInfo>): void {
    const ctx = this.ctx!;
    const ts = startEpochMs(stat.starttime);
    const base = { ts, pid, ppid: stat.ppid, comm: stat.comm, sensor: "procfs" as const };
    const parent = this.known.get(stat.ppid);
    ctx.tree.add(pid, parent ? stat.ppid : undefined);
    if (parent)
      this.emit({
        ...base,
        kind: "fork",
        pid: stat.ppid,
        ppid: parent.stat.ppid,
        comm: parent.stat.comm,
        child: pid,
      });
    let exe = "";
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      /* kernel thread or no permission */
    }
    const argv = (safeRead(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean);
    let cwd: string | undefined;
    try {
      cwd = readlinkSync(`/proc/${pid}/cwd`);
    } catch {
      cwd = undefined;
    }
    // A child still running its parent's program only forked; an exec shows as a new image. The
    // root is the exception: it is reported once, whatever it runs.
    const image = `${exe}\0${argv.join("\0")}`;
    const execd = exe !== "" && (!parent || parent.image !== image || pid === ctx.tree.rootPid);
    if (execd) this.emit({ ...base, kind: "exec", path: exe, argv, ...(cwd ? { cwd } : {}) });
    if (stat.sid === pid && (!parent || parent.stat.sid !== pid)) this.emit({ ...base, kind: "setsid" });
    // Found after its creator was gone (a double fork's middle process lives less than a scan).
    // Another sensor's fork event may name the creator, but it can arrive after this scan; without
    // it, a descendant (it carries our marker) whose parent lies outside the tree was reparented.
    const creator = ctx.tree.creatorOf(pid);
    const reparented =
      creator !== undefined
        ? creator !== stat.ppid
        : pid !== ctx.tree.rootPid && !parent && !ctx.tree.has(stat.ppid);
    if (reparented)
      this.emit({
        ...base,
        kind: "reparent",
        to: stat.ppid,
        ...(creator !== undefined ? { from: creator } : {}),
      });
    const status = readStatus(pid);
    this.known.set(pid, {
      stat,
      creds: status ? JSON.stringify([status.uid, status.gid, status.capEff]) : "",
      fds: new Map(),
      image,
    });
    this.diffFds(pid, sockets);
  }

  private update(pid: number, alive: Set<number>, sockets: () => Map<number, SocketInfo>): void {
    const k = this.known.get(pid)!;
    const stat = this.readStat(pid);
    if (!stat || stat.state === "Z" || stat.starttime !== k.stat.starttime) return;
    alive.add(pid);
    const base = { ts: Date.now(), pid, ppid: stat.ppid, comm: stat.comm, sensor: "procfs" as const };
    // An exec renames the process: when the name changes, look at what it runs. A new image is an
    // exec (the target leaving our launch gate, a shell's `exec`); the same image, a rename.
    if (stat.comm !== k.stat.comm) {
      const exe = safeReadlink(`/proc/${pid}/exe`) ?? "";
      const argv = (safeRead(`/proc/${pid}/cmdline`) ?? "").split("\0").filter(Boolean);
      const image = `${exe}\0${argv.join("\0")}`;
      if (exe !== "" && image !== k.image) {
        k.image = image;
        const cwd = safeReadlink(`/proc/${pid}/cwd`);
        this.emit({ ...base, kind: "exec", path: exe, argv, ...(cwd ? { cwd } : {}), inferred: true });
      } else this.emit({ ...base, kind: "comm", name: stat.comm, inferred: true });
    }
    if (stat.ppid !== k.stat.ppid) this.emit({ ...base, kind: "reparent", from: k.stat.ppid, to: stat.ppid });
    if (stat.sid !== k.stat.sid && stat.sid === pid) this.emit({ ...base, kind: "setsid", inferred: true });
    const status = readStatus(pid);
    const creds = status ? JSON.stringify([status.uid, status.gid, status.capEff]) : k.creds;
    if (status && creds !== k.creds) {
      this.emit({
        ...base,
        kind: "cred",
        syscall: "procfs",
        uid: status.uid[0]!,
        euid: status.uid[1]!,
        gid: status.gid[0]!,
        egid: status.gid[1]!,
        caps: status.capEff,
        inferred: true,
      });
    }
    k.stat = stat;
    k.creds = creds;
    this.diffFds(pid, sockets);
  }

  /** New fds since the last scan become open/connect/listen events. */
  private diffFds(pid: number, sockets: () => Map<number, SocketInfo>): void {
    const k = this.known.get(pid)!;
    const now = readFds(pid);
    const base = {
      ts: Date.now(),
      pid,
      ppid: k.stat.ppid,
      comm: k.stat.comm,
      sensor: "procfs" as const,
      inferred: true,
    };
    let listening: Set<string> | undefined;
    for (const [fd, target] of now) {
      if (k.fds.get(fd) === target) continue;
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode) {
        const info = sockets().get(Number(inode));
        if (info?.kind === "inet") {
          const { row } = info;
          const family = row.proto.endsWith("6") ? "inet6" : "inet";
          if (row.state === "LISTEN")
            this.emit({ ...base, kind: "listen", family, address: row.local.address, port: row.local.port });
          else if (row.remote.port !== 0)
            // /proc/net says where a socket goes, not who dialled: one whose local port is a port
            // listened on here was accepted (a client came in), not a connection the daemon made.
            this.emit({
              ...base,
              kind: (listening ??= listeningPorts(sockets())).has(`${row.proto}:${row.local.port}`)
                ? "accept"
                : "connect",
              family,
              address: row.remote.address,
              port: row.remote.port,
            });
        } else if (info?.kind === "unix" && info.path) {
          this.emit({
            ...base,
            kind: info.listening ? "listen" : "connect",
            family: "unix",
            unixPath: info.path,
          });
        }
      } else if (target.startsWith("/")) {
        this.emit({
          ...base,
          kind: "open",
          path: target.replace(/ \(deleted\)$/, ""),
          // Unknown (closed, or its number reused since the readlink): no flags rather than another file's.
          flags: readFdFlags(pid, fd, target) ?? [],
          fd,
        });
      }
    }
    k.fds = now;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.scan(); // a last look: exits and fds since the previous pass
    for (const w of this.watchers) w.close();
    this.watchers = [];
    if (this.s.status === "running") this.s.status = "stopped";
  }

  stats(): SensorStats {
    return { ...this.s };
  }
}

/** proto:port of every listening TCP socket in the namespace (accepted sockets share the port). */
function listeningPorts(sockets: Map<number, SocketInfo>): Set<string> {
  const out = new Set<string>();
  for (const info of sockets.values())
    if (info.kind === "inet" && info.row.state === "LISTEN")
      out.add(`${info.row.proto}:${info.row.local.port}`);
  return out;
}
