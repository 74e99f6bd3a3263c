import { UsageError } from "../util/result.js";
import { cgroupTarget } from "./cgroup.js";
import { containerTarget } from "./container.js";
import { launchTarget, type LaunchTarget } from "./launch.js";
import { pidTarget } from "./pid.js";
import type { ResolvedTarget } from "./target.js";
import { unitTarget } from "./unit.js";

/** The flags that name a target, one of which (or `-- CMD`) a command takes. */
export const TARGET_OPTIONS = {
  pid: { type: "string" },
  cgroup: { type: "string" },
  unit: { type: "string" },
  container: { type: "string" },
} as const;

export const TARGET_HELP = `  -- CMD ARGS          launch CMD (stdin/stdout/stderr pass through); stops when the duration is up
                       or CMD and all its descendants have exited; then ends everything it started,
                       detached descendants included.
  --pid N              a running process and its new descendants; never signalled.
  --cgroup PATH        every process in a cgroup v2 subtree (PATH below the v2 root, found in
                       /proc/self/mountinfo: system.slice/nginx.service), those that join later too.
                       Never touched, never stopped.
  --unit NAME          a systemd unit's cgroup (systemctl show ControlGroup, MainPID, FragmentPath);
                       without systemd, the cgroup */NAME.service under the v2 root. harden checks
                       its drop-in against the unit's own file.
  --container NAME|ID  a podman or docker container: its cgroup and init pid; the report names its image.`;

/** What the flags name: a command to launch or a running target, resolved now (exit 2 if not running). */
export function resolveTarget(
  values: {
    pid?: string | undefined;
    cgroup?: string | undefined;
    unit?: string | undefined;
    container?: string | undefined;
  },
  rest: readonly string[],
): LaunchTarget | ResolvedTarget {
  const named = (["pid", "cgroup", "unit", "container"] as const).filter((k) => values[k] !== undefined);
  if (named.length + (rest.length > 0 ? 1 : 0) === 0)
    throw new UsageError(
      "give a target: -- CMD ARGS, --pid N, --cgroup PATH, --unit NAME or --container NAME",
    );
  if (named.length + (rest.length > 0 ? 1 : 0) > 1)
    throw new UsageError(
      `give one target, not ${[...named.map((k) => `--${k}`), ...(rest.length ? ["a command"] : [])].join(" and ")}`,
    );
  if (rest.length > 0) return launchTarget(rest);
  if (values.pid !== undefined) {
    const pid = Number(values.pid);
    if (!/^\d+$/.test(values.pid) || pid <= 0)
      throw new UsageError(`--pid: expected a process id, got '${values.pid}'`);
    return pidTarget(pid);
  }
  if (values.cgroup !== undefined) return cgroupTarget(values.cgroup);
  if (values.unit !== undefined) return unitTarget(values.unit);
  return containerTarget(values.container!);
}

export type { LaunchTarget, ResolvedTarget };
