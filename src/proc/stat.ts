import { readProc } from "./read-proc.js";

/** The fields of /proc/PID/stat that the lab uses. comm may hold spaces and parentheses. */
export interface ProcStat {
  pid: number;
  comm: string;
  state: string;
  ppid: number;
  pgrp: number;
  sid: number;
  /** Clock ticks after boot. */
  starttime: number;
  /** The CPU it last ran on. */
  processor: number;
}

export function parseStat(text: string): ProcStat | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const f = text.slice(close + 2).split(" ");
  if (f.length < 20) return undefined;
  const pid = Number(text.slice(0, open).trim());
  const ppid = Number(f[1]);
  // Whole numbers or nothing: a torn read (the process died mid-read) must not become pid NaN.
  if (!Number.isSafeInteger(pid) || !Number.isSafeInteger(ppid) || !/^\d+$/.test(f[19] ?? ""))
    return undefined;
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: f[0]!,
    ppid,
    pgrp: Number(f[2]),
    sid: Number(f[3]),
    starttime: Number(f[19]),
    processor: Number(f[36] ?? -1),
  };
}

export function readStat(pid: number): ProcStat | undefined {
  try {
    return parseStat(readProc(`/proc/${pid}/stat`));
  } catch {
    return undefined;
  }
}

let bootMs: number | undefined;
/**
 * Epoch milliseconds of a process start, from its starttime in clock ticks (USER_HZ = 100).
 * Boot time comes from /proc/uptime (10 ms resolution), not /proc/stat's btime, which is whole
 * seconds: with btime, procfs timestamps were up to a second off those of the other sensors.
 */
export function startEpochMs(starttime: number): number {
  if (bootMs === undefined) {
    const uptime = Number(readProc("/proc/uptime").split(" ")[0]);
    bootMs = Date.now() - uptime * 1000;
  }
  return bootMs + starttime * 10;
}
