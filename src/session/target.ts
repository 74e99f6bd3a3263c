/** What a session observed. `root` is IMD-style confinement: paths under it are judged as if at `/`. */
export interface TargetInfo {
  kind: "command" | "pid" | "import" | "lab" | "cgroup" | "unit" | "container";
  label: string;
  /** A cgroup target's cgroup v2 path (observe --cgroup, --unit, --container). */
  cgroup?: string;
  /** A unit's name and its unit file (what `harden` checks its drop-in against). */
  unit?: string;
  unitFile?: string;
  /** A container's name, short id, image and engine. */
  container?: string;
  containerId?: string;
  image?: string;
  engine?: string;
  argv?: string[];
  pid?: number;
  root?: string;
  input?: string;
  /**
   * A replay: the target ran inside this sandbox program (bubblewrap), which the analysis treats as
   * launch plumbing, like the gate. `profile`: the harden out dir whose profile it enforced.
   */
  sandbox?: { program: string; profile: string; tier: string };
}

/**
 * What a sensor adds to the confinement of every process it traces: strace --seccomp-bpf stacks
 * one seccomp filter and sets no_new_privs. `baseline` is what the target would have had without
 * it (it inherits ours), read when it was launched.
 */
export interface SensorConfinement {
  by: string;
  seccompFilters: number;
  noNewPrivs: boolean;
  baseline: { seccomp: number; seccompFilters: number; noNewPrivs: number };
}
