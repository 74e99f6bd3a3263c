import { runChild, systemTool } from "../run-child.js";
import type { ImdContext } from "../context.js";

const SHELL = "/bin/sh";

/**
 * Runs the maintenance helpers with IMD's full privileges: a shell with `-c` and a system
 * utility. The shell lingers a little, as a real maintenance script would.
 */
export async function runHelpers(ctx: ImdContext): Promise<void> {
  const jobs: Promise<unknown>[] = [];
  if (ctx.config.helpers || ctx.config.external_binaries) {
    const argv = ["-c", "id -u >/dev/null; hostname >/dev/null; sleep 0.3"];
    jobs.push(
      runChild(SHELL, argv, (pid) => {
        if (pid === undefined) return;
        if (ctx.config.helpers) ctx.truth.record("child-without-isolation", "helper-shell", pid, SHELL);
        if (ctx.config.external_binaries)
          ctx.truth.record("external-binary-execution", "shell-c", pid, SHELL);
      }),
    );
  }
  if (ctx.config.external_binaries) {
    const uname = systemTool("uname");
    jobs.push(
      runChild(uname, ["-a"], (pid) => {
        if (pid !== undefined) ctx.truth.record("external-binary-execution", "system-utility", pid, uname);
      }),
    );
  }
  await Promise.all(jobs);
}
