import { readFileSync } from "node:fs";

/** `\040` and friends: mountinfo escapes spaces, tabs, newlines and backslashes in octal. */
const unescape = (s: string) =>
  s.replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));

/**
 * Where the cgroup v2 hierarchy is mounted, from a mountinfo text: `/sys/fs/cgroup` on a unified
 * host, `/sys/fs/cgroup/unified` on a hybrid one. Undefined where there is none (v1 only).
 */
export function cgroupV2RootFrom(mountinfo: string): string | undefined {
  for (const line of mountinfo.split("\n")) {
    const sep = line.indexOf(" - ");
    if (sep < 0) continue;
    const fstype = line.slice(sep + 3).split(" ")[0];
    if (fstype !== "cgroup2") continue;
    const fields = line.slice(0, sep).split(" ");
    // Only a mount of the hierarchy's root: a bind mount of a sub-cgroup (a container's view) is
    // not where paths from /proc/PID/cgroup start.
    if (fields[3] === "/" && fields[4]) return unescape(fields[4]);
  }
  return undefined;
}

let cached: string | undefined | null = null;

/** This host's cgroup v2 root, read once from /proc/self/mountinfo. */
export function cgroupV2Root(): string | undefined {
  if (cached === null) {
    try {
      cached = cgroupV2RootFrom(readFileSync("/proc/self/mountinfo", "utf8"));
    } catch {
      cached = undefined;
    }
  }
  return cached;
}

/** The v2 cgroup path of a process (`0::/system.slice/x.service`), undefined if gone or none. */
export function cgroupOfText(text: string): string | undefined {
  for (const line of text.split("\n")) if (line.startsWith("0::")) return line.slice(3).trim();
  return undefined;
}

export function cgroupOf(pid: number): string | undefined {
  try {
    return cgroupOfText(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
  } catch {
    return undefined;
  }
}

/** Whether a cgroup path lies in the subtree at `scope` (the path itself or below it). */
export const inSubtree = (cgroup: string, scope: string) =>
  scope === "/" || cgroup === scope || cgroup.startsWith(scope + "/");
