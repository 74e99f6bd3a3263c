import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { WATCHDOG_SCRIPT, WATCHDOG_TITLE } from "../watchdog.js";
import type { ImdContext } from "../context.js";

let orphanPid: number | undefined;

/** True when `pid` is still our watchdog (guards against pid reuse before we signal it). */
function isOurOrphan(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").startsWith(WATCHDOG_TITLE);
  } catch {
    return false;
  }
}

/** Detaches the watchdog (double fork + setsid) unless the previous one is still alive. */
export async function ensureOrphan(ctx: ImdContext): Promise<void> {
  if (orphanPid !== undefined && isOurOrphan(orphanPid)) return;
  const args = [
    WATCHDOG_SCRIPT,
    "launch",
    "--parent",
    String(process.pid),
    "--ttl",
    String(ctx.config.orphan_ttl_s),
  ];
  const stdout = await new Promise<string>((resolve) => {
    execFile(process.execPath, args, (_err, out) => resolve(out));
  });
  const pid = Number(stdout.trim());
  if (!Number.isInteger(pid) || pid <= 0) return;
  orphanPid = pid;
  ctx.truth.record("hidden-orphan-process", "detach-watchdog", pid, WATCHDOG_TITLE);
}

/** Stops the watchdog and waits until it is gone. */
export async function stopOrphan(): Promise<void> {
  const pid = orphanPid;
  orphanPid = undefined;
  if (pid === undefined || !isOurOrphan(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 40 && isOurOrphan(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isOurOrphan(pid)) process.kill(pid, "SIGKILL");
}
