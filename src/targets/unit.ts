import { spawnSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync } from "node:fs";
import path from "node:path";
import { UsageError } from "../util/result.js";
import { cgroupTarget } from "./cgroup.js";
import { cgroupV2Root } from "./cgroup-root.js";
import type { ResolvedTarget } from "./target.js";

const UNIT_SUFFIX = /\.(service|scope|slice|socket|timer|mount)$/;
/** Where unit files live when systemd cannot say (it is not running here). */
const UNIT_DIRS = [
  "/etc/systemd/system",
  "/run/systemd/system",
  "/lib/systemd/system",
  "/usr/lib/systemd/system",
];

/** `nginx` -> `nginx.service`; a name that already has a unit type keeps it. */
export function unitName(given: string): string {
  if (!/^[A-Za-z0-9:_.@\\-]+$/.test(given)) throw new UsageError(`--unit ${given}: not a unit name`);
  return UNIT_SUFFIX.test(given) ? given : `${given}.service`;
}

/** Whether systemd manages this machine (sd_booted's test). */
export const systemdRuns = () => existsSync("/run/systemd/system");

/** The `systemctl show` properties of a unit, as a map. */
export function parseShow(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/**
 * Without systemd (a container, these test machines), a unit is the cgroup `NAME` anywhere under
 * the v2 root, as systemd would have made it (`system.slice/NAME`); walked a few levels deep.
 */
export function findUnitCgroups(root: string, name: string, maxDepth = 4): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > maxDepth || found.length > 8) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.isSymbolicLink()) continue;
      const sub = path.join(dir, e.name);
      if (e.name === name) found.push(sub.slice(root.length));
      else walk(sub, depth + 1);
    }
  };
  walk(root, 1);
  return found;
}

function unitFileOf(name: string): string | undefined {
  for (const d of UNIT_DIRS) {
    const f = path.join(d, name);
    try {
      if (lstatSync(f).isFile()) return f;
    } catch {
      /* not there */
    }
  }
  return undefined;
}

/** `observe --unit NAME`: the unit's cgroup, from systemd where it runs, else found by name. */
export function unitTarget(given: string): ResolvedTarget {
  const name = unitName(given);
  if (systemdRuns()) {
    const r = spawnSync(
      "systemctl",
      ["show", "-p", "ControlGroup,MainPID,FragmentPath,ActiveState", "--", name],
      { encoding: "utf8", timeout: 10_000 },
    );
    if (r.status !== 0)
      throw new UsageError(`--unit ${name}: systemctl show failed: ${(r.stderr ?? "").trim()}`);
    const p = parseShow(r.stdout);
    const cgroup = p.get("ControlGroup") ?? "";
    if (p.get("ActiveState") !== "active" || cgroup === "")
      throw new UsageError(`unit ${name} is not running (ActiveState=${p.get("ActiveState") ?? "unknown"})`);
    const fragment = p.get("FragmentPath");
    return cgroupTarget(cgroup, {
      kind: "unit",
      label: name,
      mainPid: Number(p.get("MainPID") ?? 0),
      what: `unit ${name}`,
      details: { unit: name, ...(fragment ? { unitFile: fragment } : {}) },
    });
  }
  const root = cgroupV2Root();
  if (!root) throw new UsageError(`unit ${name} is not running: no systemd, and no cgroup v2 hierarchy here`);
  const matches = findUnitCgroups(root, name);
  if (matches.length === 0)
    throw new UsageError(
      `unit ${name} is not running (systemd does not run here, and no cgroup */${name} under ${root})`,
    );
  if (matches.length > 1)
    throw new UsageError(`unit ${name} is ambiguous: ${matches.join(", ")}; give one with --cgroup`);
  const file = unitFileOf(name);
  return cgroupTarget(matches[0]!, {
    kind: "unit",
    label: name,
    what: `unit ${name}`,
    details: { unit: name, ...(file ? { unitFile: file } : {}) },
  });
}
