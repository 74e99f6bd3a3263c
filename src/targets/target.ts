/**
 * What a target resolves to: the scope the sensors filter by and what the report names. The
 * target family (one file each: launch, pid, cgroup, unit, container) shares this contract and
 * one contract test (targets.contract.test.ts). Tetragon's policy filter is the model: a cgroup
 * id the kernel program checks, so that a target's processes are told apart where they run.
 */
export interface CgroupScope {
  /** The cgroup's path below the v2 root, `/system.slice/nginx.service`. */
  path: string;
  /** Its directory, under the v2 root found in /proc/self/mountinfo. */
  dir: string;
  /** Its id: the inode of its directory, what bpf_get_current_cgroup_id() answers. */
  id: number;
  /** Its depth below the v2 root (the root is 0): where its id stands among a task's ancestors. */
  level: number;
}

export type TargetKind = "launch" | "pid" | "cgroup" | "unit" | "container";

export interface ResolvedTarget {
  kind: Exclude<TargetKind, "launch">;
  /** How the report names it: `nginx.service`, `container web (image localhost/app)`. */
  label: string;
  /** Where it has one, its cgroup: every process in the subtree belongs to the target. */
  cgroup?: CgroupScope;
  /** The process that stands for the target (its main pid): the root of the analysis. */
  mainPid: number;
  /** Its processes now (the main pid among them). */
  members(): number[];
  /**
   * How new members are found: `descendants`, by fork from a member (launch, pid); `cgroup`, any
   * process that appears in the subtree, moved there or forked there.
   */
  follows: "descendants" | "cgroup";
  /** Started by us: only then do we stop it. A unit, a container or a pid is never touched. */
  ownedByUs: boolean;
  /** What the report says besides the label: the unit's file, the container's image and id. */
  details: Record<string, string>;
}
