import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { runChild } from "../run-child.js";
import type { ImdContext } from "../context.js";

/** Start-up: installs the plugin into a world-writable temp directory (the unsafe part). */
export function installPlugin(ctx: ImdContext): void {
  const { pluginDir, pluginConfig, pluginScript } = ctx.layout;
  ctx.created.ensureDir(pluginDir);
  chmodSync(pluginDir, 0o777);
  // World-writable, and the script executable by anyone: whoever can write there runs code as IMD.
  for (const [file, text, mode] of [
    [pluginConfig, "# imd refresh plugin\nenabled = true\nscript = refresh.sh\n", 0o666],
    [pluginScript, "#!/bin/sh\n# imd refresh plugin (lab): does nothing harmful\n: refresh\n", 0o777],
  ] as const) {
    ctx.created.willWrite(file);
    writeFileSync(file, text, { mode });
    chmodSync(file, mode);
  }
}

/**
 * Steady state: reads the plugin config and script from temp storage, then executes the script
 * itself (its #! line names the shell), so that the program run is the file in the writable dir.
 */
export async function runPlugin(ctx: ImdContext): Promise<void> {
  const { pluginConfig, pluginScript } = ctx.layout;
  const conf = readFileSync(pluginConfig, "utf8");
  readFileSync(pluginScript);
  ctx.truth.record("mutable-artifact-dependency", "read-plugin", process.pid, pluginConfig);
  if (!/enabled\s*=\s*true/.test(conf)) return;
  await runChild(pluginScript, [], (pid) => {
    if (pid !== undefined) ctx.truth.record("mutable-artifact-dependency", "exec-plugin", pid, pluginScript);
  });
}
