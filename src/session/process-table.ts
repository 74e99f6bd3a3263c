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

/** Everything the session knows about one process of the observed tree. */
export interface ProcessRecord {
  pid: number;
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

/** Where ended processes' records go, so that a long session's memory stays flat (session.db). */
export interface ProcessSpill {
  save(r: ProcessRecord): void;
  load(pid: number): ProcessRecord | undefined;
}

/** The session's process table: one record per pid, snapshots taken when a process is first seen. */
export class ProcessTable {
  /** The records in memory: live processes, and ended ones not yet spilled. */
  readonly records = new Map<number, ProcessRecord>();
  private readonly spilled = new Set<number>();

  constructor(private readonly spill?: ProcessSpill) {}

  get(pid: number): ProcessRecord {
    let r = this.records.get(pid);
    if (r) return r; // every event asks: no map write when the record is there
    if (this.spilled.delete(pid)) r = this.spill?.load(pid); // a late event, or a reused pid
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
      this.spilled.add(r.pid);
    }
  }

  /** Takes a /proc snapshot now; returns false if the process is already gone. */
  snapshot(pid: number): boolean {
    const taken = snapshotProcess(pid);
    if (!taken) return false;
    const { starttime, ...snap } = taken;
    const r = this.get(pid);
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
