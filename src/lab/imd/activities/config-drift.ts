import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { parseConfig, renderConfig } from "../config.js";
import type { ImdContext } from "../context.js";

/**
 * Rewrites IMD's own config in steady state by write-temp-then-rename: no authorization, nothing
 * logged. As root under `/` this is a privileged write to /etc.
 */
export function rewriteConfig(ctx: ImdContext): void {
  const { configFile } = ctx.layout;
  const current = parseConfig(readFileSync(configFile, "utf8"), configFile);
  const next = current.success ? current.data : ctx.config;
  next.generation += 1;
  const temp = `${configFile}.tmp`;
  ctx.created.willWrite(temp);
  writeFileSync(temp, renderConfig(next), { mode: 0o644 });
  renameSync(temp, configFile);
  ctx.truth.record("config-file-modification", "rewrite-config", process.pid, configFile);
  if (process.geteuid?.() === 0) {
    ctx.truth.record("privileged-write-steady-state", "rewrite-config", process.pid, configFile);
  }
}
