import { spawnSync } from "node:child_process";

let pdeathsig: boolean | undefined;

/** setpriv (util-linux) can set the parent-death signal before it execs the command. */
function hasPdeathsig(): boolean {
  pdeathsig ??= /--pdeathsig/.test(spawnSync("setpriv", ["--help"], { encoding: "utf8" }).stdout ?? "");
  return pdeathsig;
}

/**
 * argv prefixed so that the command gets `signal` when we die, even by SIGKILL (prctl
 * PR_SET_PDEATHSIG survives the exec; the command's own children do not inherit it). Without
 * setpriv the argv is returned as is, and the guardian (guardian.ts) is the only safety net.
 */
export function diesWithUs(argv: readonly string[], signal: "KILL" | "TERM" = "KILL"): string[] {
  return hasPdeathsig() ? ["setpriv", `--pdeathsig=${signal}`, "--", ...argv] : [...argv];
}

/** "was killed by SIGKILL" or "exited with status 1": how a child ended, in words. */
export function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal) return `was killed by ${signal}`;
  return code === null ? "ended (status unknown)" : `exited with status ${code}`;
}
