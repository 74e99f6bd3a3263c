import { readlinkSync } from "node:fs";
import { readStat, startEpochMs } from "../proc/stat.js";
import { redactArgv } from "../secrets/redact.js";
import { readStatus, type ProcCreds } from "../proc/status.js";
import { readProc } from "../proc/read-proc.js";

/** What /proc said about one process when we looked. */
export interface ProcessSnapshot extends ProcCreds {
  at: number;
  comm: string;
  ppid: number;
  sid: number;
  exe?: string;
  cmdline: string[];
  cwd?: string;
  cgroup?: string;
  ns: Record<string, string>;
}

/**
 * Everything the session knows about one process of the observed tree. A process is a pid and a
 * start time: when the kernel gives an ended process's pid to a new one (pid_max wraps on a busy
 * host over a day), the new one is a new record, the pid's next generation.
 */
export interface ProcessRecord {
  pid: number;
  /** 0 (absent) for the first process seen with this pid, then 1, 2, … for each reuse. */
  gen?: number;
  /** The start time /proc gave (clock ticks since boot): with the pid, the process's identity. */
  startTicks?: number;
  ppid?: number;
  comm?: string;
  started?: number;
  ended?: number;
  exitCode?: number;
  exitSignal?: string;
  /** ppid changes seen over the session (reparenting to init or a subreaper). */
  reparented?: { at: number; from?: number; to: number }[];
  snapshots: ProcessSnapshot[];
}

const safe = <T>(f: () => T): T | undefined => {
  try {
    return f();
  } catch {
    return undefined;
  }
};

/**
 * The entries of /proc/PID/ns (Linux 5.6 and later; a kernel without one has no link, skipped).
 * Named rather than listed: a readdir of /proc/PID/ns was the largest single cost of a snapshot
 * (~57 µs of ~150, node --cpu-prof of `observe` on a fork-heavy target), and a snapshot is taken
 * for every fork and exec of the tree.
 */
const NAMESPACES = [
  "cgroup",
  "ipc",
  "mnt",
  "net",
  "pid",
  "pid_for_children",
  "time",
  "time_for_children",
  "user",
  "uts",
] as const;

export function snapshotProcess(pid: number): (ProcessSnapshot & { starttime: number }) | undefined {
  const stat = readStat(pid);
  const creds = readStatus(pid);
  if (!stat || !creds || stat.state === "Z") return undefined;
  const ns: Record<string, string> = {};
  for (const n of NAMESPACES) {
    const link = safe(() => readlinkSync(`/proc/${pid}/ns/${n}`));
    if (link) ns[n] = link;
  }
  const exe = safe(() => readlinkSync(`/proc/${pid}/exe`));
  const cwd = safe(() => readlinkSync(`/proc/${pid}/cwd`));
  const cgroup = safe(() => readProc(`/proc/${pid}/cgroup`).trim());
  return {
    ...creds,
    at: Date.now(),
    comm: stat.comm,
    ppid: stat.ppid,
    sid: stat.sid,
    ...(exe ? { exe } : {}),
    cmdline: redactArgv((safe(() => readProc(`/proc/${pid}/cmdline`)) ?? "").split("\0").filter(Boolean)),
    ...(cwd ? { cwd } : {}),
    ...(cgroup ? { cgroup } : {}),
    ns,
    starttime: stat.starttime,
  };
}

/** Slack between the clocks of an exit event and of /proc's start time (ticks of 10 ms). */
const CLOCK_SLACK_MS = 50;

/** Whether /proc's process with this start time is another than the one `r` records. */
function isAnotherProcess(r: ProcessRecord, starttime: number): boolean {
  if (r.startTicks !== undefined) return r.startTicks !== starttime;
  // No start time read yet (a record made from events): another process only if it started after
  // this one ended. A process still inside exit(2), past its exit event, is the same one.
  return r.ended !== undefined && startEpochMs(starttime) > r.ended + CLOCK_SLACK_MS;
}

/** Where ended processes' records go, so that a long session's memory stays flat (session.db). */
export interface ProcessSpill {
  /** Saves a record under its pid and generation. */
  save(r: ProcessRecord): void;
  /** The newest generation of a pid. */
  load(pid: number): ProcessRecord | undefined;
}

/**
 * The session's process table: one record per process (pid and generation), snapshots taken when a
 * process is first seen.
 */
export class ProcessTable {
  /** The records in memory, the newest generation of each pid: live processes, and ended ones not yet spilled. */
  readonly records = new Map<number, ProcessRecord>();
  /** Earlier generations of reused pids, when there is no spill to keep them (an import). */
  readonly retired: ProcessRecord[] = [];

  constructor(private readonly spill?: ProcessSpill) {}

  /**
   * A fork made `pid` at `at`: if the pid's record is of a process that had ended by then, the
   * kernel reused the pid, and the child is a new record (the old one is kept as it was).
   */
  born(pid: number, at: number): ProcessRecord {
    const r = this.get(pid);
    return r.ended !== undefined && r.ended <= at ? this.renew(r) : r;
  }

  private renew(old: ProcessRecord): ProcessRecord {
    if (this.spill) this.spill.save(old);
    else this.retired.push(old);
    const next: ProcessRecord = { pid: old.pid, gen: (old.gen ?? 0) + 1, snapshots: [] };
    this.records.set(old.pid, next);
    return next;
  }

  get(pid: number): ProcessRecord {
    let r = this.records.get(pid);
    if (r) return r; // every event asks: no map write when the record is there
    // Not in memory: a new pid, a late event of a spilled process, or a pid used again. The spill
    // is asked each time (an indexed read, once a process): a set of the spilled pids filled for
    // hours, and once it let a pid go, that pid's next process took generation 0 again and its
    // record replaced the first one's in session.db.
    r = this.spill?.load(pid);
    r ??= { pid, snapshots: [] };
    this.records.set(pid, r);
    return r;
  }

  /** Moves the records of processes that ended before `before` (epoch ms) out of memory. */
  spillEnded(before: number): void {
    if (!this.spill) return;
    for (const r of this.records.values()) {
      if (r.ended === undefined || r.ended >= before) continue;
      this.spill.save(r);
      this.records.delete(r.pid);
    }
  }

  /** Takes a /proc snapshot now; returns false if the process is already gone. */
  snapshot(pid: number): boolean {
    const taken = snapshotProcess(pid);
    if (!taken) return false;
    const { starttime, ...snap } = taken;
    let r = this.get(pid);
    if (isAnotherProcess(r, starttime)) r = this.renew(r); // the pid was reused, its fork unseen
    r.startTicks = starttime;
    const last = r.snapshots.at(-1);
    if (last && last.ppid !== snap.ppid)
      (r.reparented ??= []).push({ at: snap.at, from: last.ppid, to: snap.ppid });
    r.snapshots.push(snap);
    if (r.snapshots.length > 8) r.snapshots.splice(1, 1); // keep the first and the latest few
    r.ppid ??= snap.ppid;
    r.comm = snap.comm;
    r.started ??= startEpochMs(starttime);
    return true;
  }
}
