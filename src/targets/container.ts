import { spawnSync } from "node:child_process";
import { UsageError } from "../util/result.js";
import { cgroupTarget } from "./cgroup.js";
import { cgroupOf } from "./cgroup-root.js";
import type { ResolvedTarget } from "./target.js";

/** The engines asked, in order: each answers `inspect` for its own containers. */
const ENGINES = ["podman", "docker"];

interface Inspected {
  engine: string;
  pid: number;
  running: boolean;
  image: string;
  id: string;
  name: string;
}

const FORMAT = "{{.State.Pid}}\t{{.State.Running}}\t{{.Config.Image}}\t{{.Id}}\t{{.Name}}";

/** One line of `inspect --format FORMAT`. */
export function parseInspect(engine: string, line: string): Inspected | undefined {
  const [pid, running, image, id, name] = line.trim().split("\t");
  if (pid === undefined || id === undefined || !/^\d+$/.test(pid)) return undefined;
  return {
    engine,
    pid: Number(pid),
    running: running === "true",
    image: image ?? "",
    id,
    name: (name ?? "").replace(/^\//, ""),
  };
}

function inspect(ref: string): Inspected | undefined {
  for (const engine of ENGINES) {
    const r = spawnSync(engine, ["inspect", "--type", "container", "--format", FORMAT, "--", ref], {
      encoding: "utf8",
      timeout: 20_000,
    });
    if (r.error || r.status !== 0) continue; // not installed, no engine running, or not its container
    const c = parseInspect(engine, r.stdout.split("\n")[0] ?? "");
    if (c) return c;
  }
  return undefined;
}

/** `observe --container NAME|ID`: the container's cgroup and init pid; the report names its image. */
export function containerTarget(ref: string): ResolvedTarget {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(ref))
    throw new UsageError(`--container ${ref}: not a container name or id`);
  const c = inspect(ref);
  if (!c) throw new UsageError(`container ${ref} not found (asked ${ENGINES.join(" and ")})`);
  if (!c.running || c.pid <= 0) throw new UsageError(`container ${ref} is not running`);
  const cgroup = cgroupOf(c.pid);
  if (!cgroup) throw new UsageError(`container ${ref}: its init pid ${c.pid} has no cgroup v2 path`);
  return cgroupTarget(cgroup, {
    kind: "container",
    label: `container ${c.name || ref} (image ${c.image})`,
    mainPid: c.pid,
    what: `container ${ref}`,
    details: { container: c.name || ref, containerId: c.id.slice(0, 12), image: c.image, engine: c.engine },
  });
}
