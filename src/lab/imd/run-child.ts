import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";

export interface ChildOutcome {
  pid: number | undefined;
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: string;
}

const running = new Set<ChildProcess>();

/** Runs a program with IMD's own privileges (no uid change, no sandbox) and waits for it. */
export function runChild(
  file: string,
  args: string[],
  onStart?: (pid: number | undefined) => void,
): Promise<ChildOutcome> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: "ignore" });
    running.add(child);
    onStart?.(child.pid);
    child.once("error", (err: NodeJS.ErrnoException) => {
      running.delete(child);
      resolve({ pid: child.pid, code: null, signal: null, error: err.code ?? err.message });
    });
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ pid: child.pid, code, signal });
    });
  });
}

/** Stops children still running at shutdown. */
export function killRunningChildren(): void {
  for (const child of running) child.kill("SIGTERM");
}

/**
 * Absolute path of a system utility. Resolved once so that exec never walks $PATH: a PATH walk
 * makes failed execve calls that would look like silent failures IMD did not mean to show.
 */
export function systemTool(name: string): string {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    const candidate = `${dir}/${name}`;
    if (existsSync(candidate)) return candidate;
  }
  return name;
}
