import { readdirSync } from "node:fs";
import { readStat } from "../proc/stat.js";
import { cgroupOf } from "../targets/cgroup-root.js";

/** One process as the survey groups it. */
export interface HostProcess {
  pid: number;
  ppid: number;
  comm: string;
  /** Its cgroup v2 path (`/system.slice/nginx.service`), if any. */
  cgroup: string | undefined;
  starttime: number;
}

/** A service of the host: a systemd unit's cgroup, or a top-level daemon with its descendants. */
export interface Service {
  /** `nginx.service`, `cron`, `cron-812` when two daemons share a name. */
  name: string;
  kind: "unit" | "daemon";
  /** A unit's cgroup path. */
  cgroup?: string;
  /** The process that stands for it: the unit's oldest process, or the daemon itself. */
  mainPid: number;
  pids: number[];
}

/** `/system.slice/nginx.service/x` -> `/system.slice/nginx.service`: the first unit-like part. */
export function unitCgroup(cgroup: string | undefined): string | undefined {
  if (!cgroup) return undefined;
  const parts = cgroup.split("/");
  const i = parts.findIndex((p) => /\.(service|scope)$/.test(p));
  return i < 0 ? undefined : parts.slice(0, i + 1).join("/");
}

/**
 * Groups a host's processes into services. Left out: pid 1, kernel threads (children of
 * kthreadd), and `ours` (the survey's own process and everything below it). A process in a unit's
 * cgroup belongs to the unit; any other to its top-level ancestor, the one whose parent is pid 1
 * (or was reparented there: a subreaper's children count from the subreaper down).
 */
export function groupServices(procs: readonly HostProcess[], ours: ReadonlySet<number>): Service[] {
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const kernel = (p: HostProcess) => p.pid === 2 || p.ppid === 2;
  const mine = (p: HostProcess) => {
    for (let q: HostProcess | undefined = p, n = 0; q && n < 256; q = byPid.get(q.ppid), n++)
      if (ours.has(q.pid)) return true;
    return false;
  };
  const topOf = (p: HostProcess) => {
    let q = p;
    for (let n = 0; n < 256; n++) {
      const parent = byPid.get(q.ppid);
      if (!parent || parent.pid === 1 || q.ppid <= 1) return q;
      q = parent;
    }
    return q;
  };
  const groups = new Map<
    string,
    { kind: Service["kind"]; cgroup?: string; top?: HostProcess; members: HostProcess[] }
  >();
  for (const p of procs) {
    if (p.pid === 1 || kernel(p) || mine(p)) continue;
    const unit = unitCgroup(p.cgroup);
    const key = unit ? `unit:${unit}` : `daemon:${topOf(p).pid}`;
    let g = groups.get(key);
    if (!g)
      groups.set(
        key,
        (g = unit
          ? { kind: "unit", cgroup: unit, members: [] }
          : { kind: "daemon", top: topOf(p), members: [] }),
      );
    g.members.push(p);
  }
  const services: Service[] = [];
  const taken = new Map<string, number>();
  for (const g of groups.values()) {
    const oldest = [...g.members].sort((a, b) => a.starttime - b.starttime || a.pid - b.pid)[0]!;
    const main = g.top ?? oldest;
    const base = g.kind === "unit" ? g.cgroup!.split("/").pop()! : main.comm;
    taken.set(base, (taken.get(base) ?? 0) + 1);
    services.push({
      name: base,
      kind: g.kind,
      ...(g.cgroup ? { cgroup: g.cgroup } : {}),
      mainPid: main.pid,
      pids: g.members.map((m) => m.pid).sort((a, b) => a - b),
    });
  }
  // Two daemons of one name (two shells, two workers) are told apart by their pids.
  for (const s of services) if (taken.get(s.name)! > 1) s.name = `${s.name}-${s.mainPid}`;
  return services.sort((a, b) => a.name.localeCompare(b.name));
}

/** The host's processes now, from /proc. */
export function hostProcesses(): HostProcess[] {
  const out: HostProcess[] = [];
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n)) continue;
    const s = readStat(Number(n));
    if (s)
      out.push({ pid: s.pid, ppid: s.ppid, comm: s.comm, cgroup: cgroupOf(s.pid), starttime: s.starttime });
  }
  return out;
}

/** Our own process and every process below it: never surveyed. */
export function ourProcesses(procs: readonly HostProcess[], self = process.pid): Set<number> {
  const ours = new Set([self]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs)
      if (!ours.has(p.pid) && ours.has(p.ppid)) {
        ours.add(p.pid);
        grew = true;
      }
  }
  return ours;
}

/** `--include 'nginx*' --exclude '*.scope'`: shell-style globs on service names. */
export function globMatcher(glob: string): (name: string) => boolean {
  const re = new RegExp(
    "^" +
      glob
        .split("")
        .map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
        .join("") +
      "$",
  );
  return (name) => re.test(name);
}
