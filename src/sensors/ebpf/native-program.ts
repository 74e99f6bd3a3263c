import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EbpfUnit } from "./program.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * The eBPF sensor's own program: build/shadow-ebpf, built by scripts/setup.sh from native/ebpf
 * (clang, bpftool, libbpf-dev). It runs every unit of program.ts on BTF raw tracepoints, each
 * syscall of the tree seen once at sys_exit, instead of bpftrace's perf-event tracepoints (~0.4 µs
 * a hit, bench/README.md), and prints the same records. Without it, bpftrace runs program.ts.
 */
export const NATIVE_PROGRAM = path.join(REPO, "build", "shadow-ebpf");

/**
 * Whether the native program can run here, and if not why. SHADOW_SIGNALS_EBPF_NATIVE=0 turns it
 * off (to compare the two in bench/, and as a way out should it fail on some kernel).
 */
export function nativeProgramAvailability(): { usable: true } | { usable: false; reason: string } {
  if (process.env.SHADOW_SIGNALS_EBPF_NATIVE === "0")
    return { usable: false, reason: "turned off (SHADOW_SIGNALS_EBPF_NATIVE=0)" };
  if (process.arch !== "x64")
    return { usable: false, reason: `built for x86_64 only (this is ${process.arch})` };
  try {
    accessSync(NATIVE_PROGRAM, constants.X_OK);
  } catch {
    return {
      usable: false,
      reason: `${path.relative(process.cwd(), NATIVE_PROGRAM) || NATIVE_PROGRAM} is not built (scripts/setup.sh builds it; needs clang, bpftool, libbpf-dev)`,
    };
  }
  return { usable: true };
}

/**
 * argv of the native program running `units`, its tree seeded with `pids` and, for a cgroup
 * target, every process of the cgroup v2 subtree `scope` (its id and level, checked in the kernel).
 */
export function nativeProgramArgv(
  units: readonly EbpfUnit[],
  pids: readonly number[],
  scope?: { id: number; level: number },
): string[] {
  return [
    NATIVE_PROGRAM,
    units.join(","),
    ...pids.map(String),
    ...(scope ? [`cgroup:${scope.id}:${scope.level}`] : []),
  ];
}
