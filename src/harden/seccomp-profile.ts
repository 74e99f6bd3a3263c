import { ShadowError } from "../util/result.js";
import type { SyscallView } from "./syscall-view.js";

/**
 * What an OCI runtime (runc, crun) or bubblewrap still calls between loading the filter and the
 * target's first instruction, and what every exit needs: added to whatever was observed.
 */
export const RUNTIME_BASE = ["execve", "exit", "exit_group", "rt_sigreturn", "futex"] as const;

export interface SeccompProfile {
  defaultAction: "SCMP_ACT_ERRNO";
  defaultErrnoRet: number;
  architectures: string[];
  syscalls: { names: string[]; action: "SCMP_ACT_ALLOW" }[];
}

const ARCH: Record<string, string> = { x64: "SCMP_ARCH_X86_64", arm64: "SCMP_ARCH_AARCH64" };

/**
 * An OCI seccomp allow-list (`linux.seccomp` of a runtime config, or `docker --security-opt
 * seccomp=`): the syscalls the tree made, the runtime's base set, EPERM for the rest. Refused when
 * no session saw every syscall: an allow-list from a partial view denies what the daemon needs.
 */
export function seccompProfile(view: SyscallView): SeccompProfile {
  if (!view.complete) throw new ShadowError(`seccomp profile refused: ${view.missing}`);
  const unnamed = [...view.complete].filter((n) => n.startsWith("nr_"));
  if (unnamed.length)
    throw new ShadowError(
      `seccomp profile refused: syscalls we cannot name on this architecture (${unnamed.slice(0, 3).join(", ")})`,
    );
  const names = [...new Set([...view.complete, ...RUNTIME_BASE])].sort();
  return {
    defaultAction: "SCMP_ACT_ERRNO",
    defaultErrnoRet: 1, // EPERM
    architectures: [ARCH[process.arch] ?? `SCMP_ARCH_${process.arch.toUpperCase()}`],
    syscalls: [{ names, action: "SCMP_ACT_ALLOW" }],
  };
}
