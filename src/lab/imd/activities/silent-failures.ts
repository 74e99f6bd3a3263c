import { sleepUnless } from "../../../util/sleep.js";
import { runChild } from "../run-child.js";
import type { ImdContext } from "../context.js";

/**
 * Tries a helper that does not exist, then one that exits non-zero, then falls back to doing
 * nothing — and logs none of it.
 */
export async function failSilently(ctx: ImdContext): Promise<void> {
  const missing = await runChild(ctx.layout.missingHelper, ["--sync"]);
  ctx.truth.record(
    "silent-failure-fallback",
    "exec-missing-helper",
    missing.pid ?? process.pid,
    ctx.layout.missingHelper,
  );
  const failing = await runChild("/bin/sh", ["-c", "exit 3"], (pid) => {
    if (pid !== undefined) ctx.truth.record("silent-failure-fallback", "helper-exit-nonzero", pid, "/bin/sh");
  });
  // The fallback: carry on as if both had worked. Deliberately no log line.
  void failing;
}

/** Stalls without exiting: a gap in activity while the process stays alive. */
export function pause(ctx: ImdContext): Promise<void> {
  ctx.truth.record("silent-failure-fallback", "pause", process.pid, `${ctx.config.pause_ms}ms`);
  return sleepUnless(ctx.config.pause_ms, ctx.stopping);
}
