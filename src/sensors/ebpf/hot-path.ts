import { accessSync, constants } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { EbpfUnit } from "./program.js";

const REPO = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * The eBPF sensor's hot path: build/shadow-ebpf-hot, built by scripts/setup.sh from
 * native/ebpf-hot (clang, bpftool, libbpf-dev). It takes the units whose syscalls a busy daemon
 * makes in tight loops, on the raw sys_exit tracepoint: one cheap program call per syscall instead
 * of bpftrace's perf-event tracepoints (~0.4 µs a hit, bench/README.md). bpftrace keeps the rest.
 */
export const HOT_PATH_BINARY = path.join(REPO, "build", "shadow-ebpf-hot");

/** The units the hot path runs when it is there. */
export const HOT_UNITS: readonly EbpfUnit[] = ["open", "write", "syscalls"];

/**
 * Whether the hot path can run here, and if not why. SHADOW_SIGNALS_EBPF_HOT=0 turns it off (for
 * comparing the two in bench/, and as a way out should it fail on some kernel).
 */
export function hotPathAvailability(): { usable: true } | { usable: false; reason: string } {
  if (process.env.SHADOW_SIGNALS_EBPF_HOT === "0")
    return { usable: false, reason: "turned off (SHADOW_SIGNALS_EBPF_HOT=0)" };
  if (process.arch !== "x64")
    return { usable: false, reason: `built for x86_64 only (this is ${process.arch})` };
  try {
    accessSync(HOT_PATH_BINARY, constants.X_OK);
  } catch {
    return {
      usable: false,
      reason: `${path.relative(process.cwd(), HOT_PATH_BINARY) || HOT_PATH_BINARY} is not built (scripts/setup.sh builds it; needs clang, bpftool, libbpf-dev)`,
    };
  }
  return { usable: true };
}

/** argv of the hot path for `units` (those of HOT_UNITS it should run), seeded with `pids`. */
export function hotPathArgv(units: readonly EbpfUnit[], pids: readonly number[]): string[] {
  return [HOT_PATH_BINARY, units.join(","), ...pids.map(String)];
}
