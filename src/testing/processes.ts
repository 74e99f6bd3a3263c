import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { readStat } from "../proc/stat.js";

/** A live process as /proc shows it right now (undefined once it is gone or a zombie). */
export interface ProcInfo {
  pid: number;
  ppid: number;
  sid: number;
  comm: string;
  cmdline: string[];
  exe: string | undefined;
  status: Record<string, string>;
}

export function readProc(pid: number): ProcInfo | undefined {
  try {
    const stat = readStat(pid);
    if (!stat || stat.state === "Z" || stat.state === "X") return undefined;
    const status: Record<string, string> = {};
    for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
      const i = line.indexOf(":");
      if (i > 0) status[line.slice(0, i)] = line.slice(i + 1).trim();
    }
    let exe: string | undefined;
    try {
      exe = readlinkSync(`/proc/${pid}/exe`);
    } catch {
      exe = undefined; // another user's process, or a kernel thread
    }
    return {
      pid,
      ppid: stat.ppid,
      sid: stat.sid,
      comm: stat.comm,
      cmdline: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean),
      exe,
      status,
    };
  } catch {
    return undefined;
  }
}

export function allPids(): number[] {
  return readdirSync("/proc")
    .filter((n) => /^\d+$/.test(n))
    .map(Number);
}

/** A live child of `ppid` running under the name `comm` (a sensor process a test started). */
export function childNamed(ppid: number, comm: string): ProcInfo | undefined {
  for (const pid of allPids()) {
    const p = readProc(pid);
    if (p?.ppid === ppid && p.comm === comm) return p;
  }
  return undefined;
}

/** The sensors' own programs a process started (the eBPF sensor's, strace): their pids, to check later. */
export function sensorProgramsOf(ppid: number): number[] {
  return ["shadow-ebpf", "bpftrace", "strace"].flatMap((name) => childNamed(ppid, name)?.pid ?? []);
}

export function isAlive(pid: number): boolean {
  return readProc(pid) !== undefined;
}

/** Namespaces of a process as inode links, for comparing isolation between parent and child. */
export function namespaces(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  try {
    for (const ns of readdirSync(`/proc/${pid}/ns`)) out[ns] = readlinkSync(`/proc/${pid}/ns/${ns}`);
  } catch {
    /* gone */
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls until `check` returns a value, or fails after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => T | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}
