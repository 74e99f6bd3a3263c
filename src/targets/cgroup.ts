import { lstatSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { readStat } from "../proc/stat.js";
import { UsageError } from "../util/result.js";
import { cgroupV2Root } from "./cgroup-root.js";
import type { CgroupScope, ResolvedTarget } from "./target.js";

/** How deep and how wide a subtree is walked for its members (a container's own cgroups). */
const MAX_DIRS = 4096;

/**
 * A cgroup path as given (`system.slice/x.service`, `/system.slice/x.service`, or the directory
 * under the v2 root) checked and resolved: it must exist below the v2 root, as directories only
 * (no `..`, no symbolic link), and be a cgroup (it has cgroup.procs). A usage error otherwise.
 */
export function resolveCgroupScope(given: string, root = cgroupV2Root()): CgroupScope {
  if (!root)
    throw new UsageError("no cgroup v2 hierarchy is mounted here (/proc/self/mountinfo has no cgroup2)");
  let rel = given.startsWith(root + "/") ? given.slice(root.length) : given;
  rel = rel.replace(/\/+$/, "");
  const parts = rel.split("/").filter((p) => p !== "");
  if (parts.length === 0)
    throw new UsageError(`--cgroup ${given}: give a cgroup below the v2 root (the whole host is 'survey')`);
  if (parts.some((p) => p === ".." || p === "."))
    throw new UsageError(
      `--cgroup ${given}: '.' and '..' are refused: give the path below the v2 root ${root}`,
    );
  let dir = root;
  for (const part of parts) {
    dir = path.join(dir, part);
    let st;
    try {
      st = lstatSync(dir);
    } catch {
      throw new UsageError(`--cgroup ${given}: no such cgroup (${dir} does not exist)`);
    }
    if (st.isSymbolicLink()) throw new UsageError(`--cgroup ${given}: ${dir} is a symbolic link: refused`);
    if (!st.isDirectory()) throw new UsageError(`--cgroup ${given}: ${dir} is not a directory`);
  }
  try {
    lstatSync(path.join(dir, "cgroup.procs"));
  } catch {
    throw new UsageError(`--cgroup ${given}: ${dir} is not a cgroup v2 directory (no cgroup.procs)`);
  }
  return { path: "/" + parts.join("/"), dir, id: lstatSync(dir).ino, level: parts.length };
}

/** The pids of a cgroup and of the cgroups below it, read from their cgroup.procs. */
export function cgroupMembers(dir: string): number[] {
  const pids: number[] = [];
  const queue = [dir];
  for (let seen = 0; queue.length > 0 && seen < MAX_DIRS; seen++) {
    const d = queue.shift()!;
    try {
      for (const l of readFileSync(path.join(d, "cgroup.procs"), "utf8").split("\n"))
        if (/^\d+$/.test(l)) pids.push(Number(l));
      for (const e of readdirSync(d, { withFileTypes: true }))
        if (e.isDirectory() && !e.isSymbolicLink()) queue.push(path.join(d, e.name));
    } catch {
      /* removed while we walked */
    }
  }
  return pids;
}

/** The member that stands for the cgroup: the oldest process of its top cgroup, else of its subtree. */
export function oldestMember(dir: string): number | undefined {
  let top: number[] = [];
  try {
    top = readFileSync(path.join(dir, "cgroup.procs"), "utf8")
      .split("\n")
      .filter((l) => /^\d+$/.test(l))
      .map(Number);
  } catch {
    /* gone */
  }
  const pick = (pids: number[]) => {
    let best: { pid: number; start: number } | undefined;
    for (const pid of pids) {
      const start = readStat(pid)?.starttime;
      if (start !== undefined && (!best || start < best.start || (start === best.start && pid < best.pid)))
        best = { pid, start };
    }
    return best?.pid;
  };
  return pick(top) ?? pick(cgroupMembers(dir));
}

/** `observe --cgroup PATH`: every process in the subtree, those that join later too. Never touched. */
export function cgroupTarget(
  given: string,
  opts: {
    mainPid?: number;
    kind?: ResolvedTarget["kind"];
    label?: string;
    details?: Record<string, string>;
    what?: string;
  } = {},
): ResolvedTarget {
  const cgroup = resolveCgroupScope(given);
  const mainPid = opts.mainPid && opts.mainPid > 0 ? opts.mainPid : oldestMember(cgroup.dir);
  if (mainPid === undefined)
    throw new UsageError(`${opts.what ?? `cgroup ${cgroup.path}`} has no running process`);
  return {
    kind: opts.kind ?? "cgroup",
    label: opts.label ?? `cgroup ${cgroup.path}`,
    cgroup,
    mainPid,
    members: () => cgroupMembers(cgroup.dir),
    follows: "cgroup",
    ownedByUs: false,
    details: { cgroup: cgroup.path, ...opts.details },
  };
}
