import table from "../data/syscalls.json" with { type: "json" };

/**
 * What the observed tree asked of the kernel, counted: the syscalls it made and the capabilities
 * the kernel checked for it. `harden` turns these into a seccomp allow-list, SystemCallFilter=
 * groups and a CapabilityBoundingSet=. `complete` says whether the sensor saw every syscall (an
 * allow-list from a partial view would deny what the daemon needs).
 */
export interface KernelUsage {
  sensor: string;
  complete: boolean;
  /** How the counts were taken and what they leave out, for harden.md. */
  note: string;
  syscalls: Record<string, number>;
  /** Capability name -> checks, and how many of them the kernel refused. */
  capabilities?: Record<string, { checks: number; denied: number }>;
}

const X86_64 = table.x86_64 as Record<string, string>;

/** The syscall behind a number on this machine's architecture; `nr_N` where we have no table. */
export function syscallName(nr: number): string {
  return (process.arch === "x64" ? X86_64[String(nr)] : undefined) ?? `nr_${nr}`;
}

// include/uapi/linux/capability.h, in number order.
const CAPABILITIES = [
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
].map((c) => `CAP_${c}`);

export function capabilityName(nr: number): string {
  return CAPABILITIES[nr] ?? `CAP_${nr}`;
}

export const ALL_CAPABILITIES: readonly string[] = CAPABILITIES;

/** Counts syscall names as a sensor sees them. */
export class SyscallCounter {
  private readonly counts = new Map<string, number>();

  add(name: string, n = 1): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + n);
  }

  get size(): number {
    return this.counts.size;
  }

  names(): string[] {
    return [...this.counts.keys()];
  }

  toRecord(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => a.localeCompare(b)));
  }
}
