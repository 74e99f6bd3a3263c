import { readdirSync } from "node:fs";
import { readStat } from "../proc/stat.js";
import { sleepUnless } from "../util/sleep.js";
import { readProc } from "../proc/read-proc.js";

const alive = (pid: number) => {
  const s = readStat(pid);
  return s !== undefined && s.state !== "Z";
};

/** Every live process whose environment carries `marker` (what we launched, detached or not). */
export function processesWithMarker(marker: string): number[] {
  const out: number[] = [];
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    try {
      if (readProc(`/proc/${n}/environ`).split("\0").includes(marker) && alive(Number(n)))
        out.push(Number(n));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/**
 * Ends what we started: SIGTERM to the root first (a daemon cleans up after itself), then to every
 * remaining process with our marker, then SIGKILL whatever is still there.
 */
export async function terminateLaunched(
  rootPid: number,
  marker: string,
  hurry?: AbortSignal,
  graceMs = 5000,
): Promise<void> {
  const sleep = (ms: number) => sleepUnless(ms, hurry);
  const signal = (pid: number, sig: NodeJS.Signals) => {
    try {
      process.kill(pid, sig);
    } catch {
      /* already gone */
    }
  };
  if (alive(rootPid)) {
    signal(rootPid, "SIGTERM");
    for (let t = 0; t < graceMs && alive(rootPid) && !hurry?.aborted; t += 50) await sleep(50);
  }
  let rest = processesWithMarker(marker);
  for (const pid of rest) signal(pid, "SIGTERM");
  for (let t = 0; t < 1000 && rest.length > 0 && !hurry?.aborted; t += 50) {
    await sleep(50);
    rest = rest.filter(alive);
  }
  for (const pid of rest) signal(pid, "SIGKILL");
}

/** The children of `pid` (by their ppid in /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const n of readdirSync("/proc"))
    if (/^\d+$/.test(n) && readStat(Number(n))?.ppid === pid) out.push(Number(n));
  return out;
}

export { alive as isProcessAlive };
