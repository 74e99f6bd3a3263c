import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import { openSession } from "../session/session-reader.js";
import type { SessionMeta } from "../session/session-db.js";
import type { TargetInfo } from "../session/target.js";
import type { KernelUsage } from "../session/usage.js";
import { LaunchPlumbing } from "../analysis/launch-plumbing.js";
import { makePaths } from "../analysis/context.js";
import { CoverageTracker, type Coverage as ObservationCoverage } from "../analysis/coverage.js";
import { PhaseTracker } from "../analysis/phases.js";
import { ShadowError, type Issue } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";

/** A finding as report.json has it: what `harden` ties each generated line to. */
export interface FindingRef {
  behavior: string;
  flag: string;
  title: string;
  severity: string;
  evidence: { summary: string }[];
}

/** One session that went into the profile: its coverage. */
export interface Coverage {
  dir: string;
  label: string;
  kind: TargetInfo["kind"];
  durationMs: number;
  sensors: string[];
  events: number;
  /** Events `--max-disk` dropped before harden read the session: the profile never saw them. */
  dropped?: { events: number; untilAt: number };
  /** What the tree asked of the kernel in this session, per sensor that counted it. */
  usage: KernelUsage[];
}

export interface Peer {
  family: string;
  address?: string;
  port?: number;
  unixPath?: string;
}

/**
 * What the observed tree did, as far as enforcement cares: the union over every session given.
 * Paths are as the kernel saw them (IMD's --root included): profiles apply to the real files.
 */
export interface ObservedSurface {
  sessions: Coverage[];
  /** Whether the sessions, end to end, watched long enough (see analysis/coverage.ts). */
  observed?: ObservationCoverage;
  target: TargetInfo;
  findings: FindingRef[];
  /** Programs executed (successfully), and the ones whose exec failed. */
  executed: Set<string>;
  execFailed: Set<string>;
  /**
   * Shared objects it opened (`.so`, Node's `.node` addons): loaded with executable mappings,
   * which noexec forbids as it forbids exec. The sensors see the open, not the mmap: an opened
   * library counts as mapped.
   */
  mapped: Set<string>;
  /** Files opened for reading only (successfully). */
  read: Set<string>;
  /** Files created, opened for writing, renamed, unlinked, chmod'ed or chown'ed (successfully). */
  written: Set<string>;
  /** Written paths the tree created, renamed or removed: their directory must be writable. */
  createdOrRemoved: Set<string>;
  /** /proc/PID files of processes outside the observed tree (what ProtectProc= hides). */
  procOthers: Set<string>;
  /** Directories read as such (O_DIRECTORY). */
  listed: Set<string>;
  /** Paths under /tmp or /var/tmp the tree used without creating them first in the session. */
  tmpNotCreated: Set<string>;
  /** Write attempts that failed (the daemon still tries these: a profile changes only the errno). */
  writeFailed: Set<string>;
  /** chmod modes that set the setuid or setgid bit. */
  setidModes: string[];
  families: Set<string>;
  /** Outbound peers (connect), local binds and listens, and inbound peers (accept). */
  connects: Peer[];
  binds: Peer[];
  listens: Peer[];
  accepts: Peer[];
  /** unshare/setns seen: namespaces the tree made or joined. */
  namespaceOps: string[];
  /** uid/gid changes the tree made (setuid & co.). */
  credChanges: string[];
  /** Effective uids the tree ran as (from /proc snapshots). */
  euids: Set<number>;
}

const SHARED_OBJECT = /\.(so(\.[\d.]+)?|node)$/;
const WRITE_FLAG = /^O_(WRONLY|RDWR|CREAT|TRUNC|APPEND)$/;

export function emptySurface(target: TargetInfo): ObservedSurface {
  return {
    sessions: [],
    target,
    findings: [],
    executed: new Set(),
    execFailed: new Set(),
    mapped: new Set(),
    read: new Set(),
    written: new Set(),
    createdOrRemoved: new Set(),
    procOthers: new Set(),
    listed: new Set(),
    tmpNotCreated: new Set(),
    writeFailed: new Set(),
    setidModes: [],
    families: new Set(),
    connects: [],
    binds: [],
    listens: [],
    accepts: [],
    namespaceOps: [],
    credChanges: [],
    euids: new Set(),
  };
}

/** Sensors that see each syscall themselves (procfs only infers from what it finds open). */
const SYSCALL_SENSORS = new Set(["ebpf", "ptrace"]);
const isTmp = (p: string) => /^\/(var\/)?tmp\//.test(p);
const peerKey = (p: Peer) => `${p.family} ${p.address ?? ""} ${p.port ?? ""} ${p.unixPath ?? ""}`;

/**
 * Folds one session's events into the surface.
 *
 * Whether a temp path was used before the tree made it is decided by time, once the session is
 * read (`finish`): sensors report at their own pace, so a use can arrive before the creation it
 * follows (procfs seeing the new file's fd between two scans, ahead of the syscall sensors).
 */
class SurfaceBuilder {
  /** When the tree first made each path (an O_CREAT open, a rename onto it). */
  private readonly firstCreated = new Map<string, number>();
  /** When the tree first used each temp path, created or not. */
  private readonly firstTmpUse = new Map<string, number>();
  private readonly peers = new Map<string, Set<string>>();
  private readonly plumbing = new LaunchPlumbing();
  /** The launched root as the session recorded it: until the release it is the gate shell. */
  private readonly gate: number | undefined;

  constructor(
    private readonly s: ObservedSurface,
    /** Paths that are ours, not the target's: the session's own out dir (the lab's ground truth). */
    private readonly ours: string,
    private readonly releasedAt: number | undefined,
    /** The tree's pids, when the session knows them (a live session's process table). */
    private readonly tree: ReadonlySet<number>,
    /** Who the target is: the gate and a replay's sandbox are launch plumbing, not the daemon. */
    private readonly launch: { target: TargetInfo; rootPid: number | undefined },
    /**
     * A syscall sensor (eBPF, ptrace) watched the session: it sees every open itself, so an fd
     * procfs found open is one it saw opened, or one opened before the session (an inherited fd,
     * which a private /tmp does not take away).
     */
    private readonly syscallsSeen: boolean,
  ) {
    this.gate = launch.rootPid;
    for (const [k, list] of [
      ["connect", s.connects],
      ["bind", s.binds],
      ["listen", s.listens],
      ["accept", s.accepts],
    ] as const)
      this.peers.set(k, new Set(list.map(peerKey)));
  }

  private addPeer(kind: "connect" | "bind" | "listen" | "accept", p: Peer, list: Peer[]): void {
    const seen = this.peers.get(kind)!;
    const key = peerKey(p);
    if (!seen.has(key)) {
      seen.add(key);
      list.push(p);
    }
  }

  private usable(p: string): boolean {
    return p.startsWith("/") && !p.startsWith(this.ours + "/") && p !== this.ours;
  }

  private made(p: string, ts: number): void {
    if (ts < (this.firstCreated.get(p) ?? Infinity)) this.firstCreated.set(p, ts);
  }

  private usedTmp(p: string, e: ShadowEvent): void {
    if (!isTmp(p)) return;
    // What procfs inferred is an fd it found open: an inherited stdio file is the launcher's, and
    // with a syscall sensor the open itself is in the session (or came before it).
    if (e.inferred && (this.syscallsSeen || (e.kind === "open" && e.fd !== undefined && e.fd <= 2))) return;
    if (e.ts < (this.firstTmpUse.get(p) ?? Infinity)) this.firstTmpUse.set(p, e.ts);
  }

  /** Adds the temp paths used before the tree made them (or never made) to the surface. */
  finish(): void {
    for (const [p, usedAt] of this.firstTmpUse)
      if (usedAt < (this.firstCreated.get(p) ?? Infinity)) this.s.tmpNotCreated.add(p);
  }

  /** The gate shell that held the target is ours; in a replay, so is the sandbox (its mounts would otherwise read as the daemon's). */
  readonly isPlumbing = (e: ShadowEvent): boolean => this.plumbing.isPlumbing(e, this.launch);

  /** Folds one event that is not plumbing (see isPlumbing). */
  readonly observe = (e: ShadowEvent): void => {
    // What the gate did before the release is ours too.
    if (this.releasedAt !== undefined && e.ts < this.releasedAt && e.pid === this.gate) return;
    const s = this.s;
    switch (e.kind) {
      case "exec":
        if (!this.usable(e.path)) return;
        (e.err ? s.execFailed : s.executed).add(e.path.replace(/ \(deleted\)$/, ""));
        return;
      case "open": {
        if (!this.usable(e.path)) return;
        const writes = e.flags.some((f) => WRITE_FLAG.test(f));
        if (e.err) {
          if (writes) s.writeFailed.add(e.path);
          return;
        }
        if (e.flags.includes("O_CREAT")) {
          this.made(e.path, e.ts);
          s.createdOrRemoved.add(e.path);
        }
        const proc = /^\/proc\/(\d+)\//.exec(e.path);
        if (proc && this.tree.size > 0 && !this.tree.has(Number(proc[1]))) s.procOthers.add(e.path);
        if (!e.flags.includes("O_TMPFILE")) this.usedTmp(e.path, e);
        if (e.flags.includes("O_DIRECTORY")) s.listed.add(e.path);
        else if (writes) s.written.add(e.path);
        else {
          s.read.add(e.path);
          if (SHARED_OBJECT.test(e.path)) s.mapped.add(e.path);
        }
        return;
      }
      case "write":
        return; // the open that preceded it carries the path and the intent
      case "rename":
        if (e.err || !this.usable(e.to)) return;
        s.written.add(e.from);
        s.written.add(e.to);
        s.createdOrRemoved.add(e.from);
        s.createdOrRemoved.add(e.to);
        this.usedTmp(e.from, e);
        this.made(e.to, e.ts);
        return;
      case "unlink":
        if (e.err || !this.usable(e.path)) return;
        s.written.add(e.path);
        s.createdOrRemoved.add(e.path);
        return;
      case "chown":
        if (!e.err && this.usable(e.path)) s.written.add(e.path);
        return;
      case "chmod":
        if (e.err || !this.usable(e.path)) return;
        s.written.add(e.path);
        if ((parseInt(e.mode, 8) & 0o6000) !== 0) s.setidModes.push(`${e.path} ${e.mode}`);
        return;
      case "connect":
      case "bind":
      case "listen":
      case "accept": {
        if (e.err && e.err !== "EINPROGRESS") return;
        if (e.family) s.families.add(e.family);
        const p: Peer = {
          family: e.family ?? "?",
          ...(e.address !== undefined ? { address: e.address } : {}),
          ...(e.port !== undefined ? { port: e.port } : {}),
          ...(e.unixPath !== undefined ? { unixPath: e.unixPath } : {}),
        };
        const list = { connect: s.connects, bind: s.binds, listen: s.listens, accept: s.accepts }[e.kind];
        this.addPeer(e.kind, p, list);
        // A socket in /tmp, ours or another's, is met there by processes outside the tree.
        if (e.unixPath) this.usedTmp(e.unixPath, e);
        return;
      }
      case "ns":
        if (!e.err) s.namespaceOps.push(`${e.syscall}(${e.flags ?? ""})`);
        return;
      case "cred":
        if (!e.err && e.syscall !== "capset") s.credChanges.push(e.syscall);
        return;
      default:
        return;
    }
  };
}

function readFindings(dir: string): FindingRef[] {
  const file = path.join(dir, "report.json");
  if (!existsSync(file)) return [];
  assertRegularFile(file);
  const r = JSON.parse(readFileSync(file, "utf8")) as { findings?: FindingRef[] };
  return (r.findings ?? []).map((f) => ({
    behavior: f.behavior,
    flag: f.flag,
    title: f.title,
    severity: f.severity,
    evidence: (f.evidence ?? []).map((x) => ({ summary: x.summary })),
  }));
}

/**
 * Reads session dirs into one surface. Sessions of different targets are refused: a profile is
 * for one daemon.
 */
export async function readSurface(dirs: string[], warn: (i: Issue) => void): Promise<ObservedSurface> {
  let surface: ObservedSurface | undefined;
  const coverage = new CoverageTracker();
  let span = 0;
  let census: KernelUsage | null | undefined;
  for (const dir of dirs) {
    const session = openSession(dir);
    const meta = session.meta;
    // Its syscall counts hold the sandbox's own set-up (mount, pivot_root): not the daemon's needs.
    if (meta.target.sandbox)
      throw new ShadowError(`${dir}: is a replay under a sandbox; harden the session it replayed`);
    const s = (surface ??= emptySurface(meta.target));
    if (s.target.label !== meta.target.label)
      throw new ShadowError(
        `${dir}: observes "${meta.target.label}", not "${s.target.label}": one profile is for one daemon`,
      );
    const builder = new SurfaceBuilder(
      s,
      // The dir it was recorded in: for a copy rebuilt by `collect`, the host's, not this one.
      meta.outDir ?? path.resolve(dir),
      meta.releasedAt,
      new Set(meta.target.kind === "import" ? [] : meta.processes.keys()),
      { target: meta.target, rootPid: meta.rootPid },
      (meta.sensors ?? []).some(
        (x) => SYSCALL_SENSORS.has(x.name) && !["unavailable", "failed"].includes(x.status),
      ),
    );
    let count = 0;
    let first = Infinity;
    let last = 0;
    const live = meta.target.kind !== "import";
    // The sessions laid end to end: each one's times moved to follow the one before.
    const from = live ? (meta.releasedAt ?? meta.started) : undefined;
    let shift = from !== undefined ? span - from : undefined;
    const ctx = coverageContext(meta, shift);
    // Its start-up, told as the report's analysis tells it: coverage samples what comes after.
    const phases = new PhaseTracker();
    const phase = {
      target: meta.target,
      rootPid: meta.rootPid,
      processes: meta.processes,
      startedAt: live ? meta.started : 0,
      releasedAt: meta.releasedAt,
      steadyFrom: undefined as number | undefined,
    };
    await session.events((e) => {
      count++;
      if (e.ts < first) first = e.ts;
      if (e.ts > last) last = e.ts;
      shift ??= span - e.ts;
      if (builder.isPlumbing(e)) return;
      phases.observe(e, phase);
      ctx.steadyFrom = phase.steadyFrom !== undefined ? phase.steadyFrom + shift : undefined;
      builder.observe(e);
      coverage.observe({ ...e, ts: e.ts + shift }, ctx);
    }, warn);
    builder.finish();
    const to = live ? (meta.stopRequestedAt ?? meta.ended ?? last) : last;
    span += Math.max(0, to - (from ?? (Number.isFinite(first) ? first : to)));
    census = mergeCensus(census, meta.usage);
    for (const p of [...meta.processes.values(), ...meta.earlierGenerations])
      for (const snap of p.snapshots) if (snap.uid[1] !== undefined) s.euids.add(snap.uid[1]);
    s.findings.push(...readFindings(dir));
    s.sessions.push({
      dir,
      label: meta.target.label,
      kind: meta.target.kind,
      durationMs: live && meta.ended ? meta.ended - meta.started : Math.max(0, last - first),
      sensors: (meta.sensors ?? []).filter((x) => x.status !== "unavailable").map((x) => x.name),
      events: count,
      ...(meta.eventParts?.dropped
        ? { dropped: { events: meta.eventParts.dropped.events, untilAt: meta.eventParts.dropped.lastTs } }
        : {}),
      usage: meta.usage,
    });
  }
  if (!surface) throw new ShadowError("harden: no session given");
  surface.observed = coverage.finish(0, span, census ? [census] : []);
  return surface;
}

/** What coverage needs of a session's context, its stop request moved with its events. */
function coverageContext(meta: SessionMeta, shift: number | undefined) {
  return {
    target: meta.target,
    rootPid: meta.rootPid,
    paths: makePaths(meta.target),
    stopRequestedAt:
      meta.stopRequestedAt !== undefined && shift !== undefined ? meta.stopRequestedAt + shift : undefined,
    steadyFrom: undefined as number | undefined,
  };
}

/**
 * The union's census: the sum of every session's complete count, or null once one session has
 * none (a partial view would call a syscall rare that another session made all the time).
 */
function mergeCensus(sum: KernelUsage | null | undefined, usage: readonly KernelUsage[]): KernelUsage | null {
  const own = usage.find((u) => u.complete);
  if (sum === null || !own) return null;
  if (sum === undefined) return { ...own, syscalls: { ...own.syscalls } };
  for (const [k, n] of Object.entries(own.syscalls)) sum.syscalls[k] = (sum.syscalls[k] ?? 0) + n;
  if (own.capabilities) {
    const caps = (sum.capabilities ??= {});
    for (const [k, v] of Object.entries(own.capabilities)) {
      const c = (caps[k] ??= { checks: 0, denied: 0 });
      c.checks += v.checks;
      c.denied += v.denied;
    }
  }
  return sum;
}
