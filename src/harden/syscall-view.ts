import type { ObservedSurface } from "./surface.js";

/**
 * The syscalls and capability checks the sessions saw, merged over sensors and sessions. The list
 * is an allow-list only when every session had a complete source: one session seen in part would
 * make the union look complete when it is not.
 */
export interface SyscallView {
  /** Union of the complete sources; undefined when some session had none. */
  complete: Set<string> | undefined;
  /** Every syscall name any source saw, complete or not. */
  seen: Set<string>;
  /** One line per source: sensor, how many, how counted. */
  sources: string[];
  /** Why there is no complete list, when there is none. */
  missing?: string;
  /** Capabilities the kernel checked for the tree; undefined unless every session counted them. */
  capabilities: Set<string> | undefined;
}

export function syscallView(s: ObservedSurface): SyscallView {
  const seen = new Set<string>();
  const complete = new Set<string>();
  const capabilities = new Set<string>();
  const sources: string[] = [];
  let allComplete = s.sessions.length > 0;
  let allCaps = s.sessions.length > 0;
  for (const session of s.sessions) {
    let sessionComplete = false;
    let sessionCaps = false;
    for (const u of session.usage) {
      const names = Object.keys(u.syscalls);
      for (const n of names) seen.add(n);
      if (u.complete) {
        sessionComplete = true;
        for (const n of names) complete.add(n);
      }
      if (u.capabilities) {
        sessionCaps = true;
        for (const c of Object.keys(u.capabilities)) capabilities.add(c);
      }
      sources.push(
        `${session.dir}: ${u.sensor}${u.complete ? "" : " (partial)"}, ${names.length} syscalls: ${u.note}`,
      );
    }
    allComplete &&= sessionComplete;
    allCaps &&= sessionCaps;
  }
  const none = s.sessions.every((x) => x.usage.length === 0);
  const missing = allComplete
    ? undefined
    : none
      ? "no sensor in these sessions counted syscalls: observe with the ebpf sensor (it counts every syscall in the kernel), or import a strace log captured without -e trace="
      : "a session has only a partial syscall view (ptrace traces just the syscalls its events need): observe it with the ebpf sensor, or import a strace log captured without -e trace=";
  return {
    complete: allComplete ? complete : undefined,
    seen,
    sources,
    ...(missing ? { missing } : {}),
    capabilities: allCaps ? capabilities : undefined,
  };
}
