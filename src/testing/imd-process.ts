import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

export const BIN = fileURLToPath(new URL("../../../bin/shadow-signals", import.meta.url));

export interface RunningImd {
  child: ChildProcess;
  pid: number;
  root: string;
  readyLine: string;
  stderr: () => string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `shadow-signals imd` (optionally as another user through setpriv) and waits for its ready line. */
export async function startImd(
  args: string[],
  options: { user?: string; timeoutMs?: number } = {},
): Promise<RunningImd> {
  const cmd = options.user
    ? [
        "setpriv",
        `--reuid=${options.user}`,
        `--regid=${options.user === "nobody" ? "nogroup" : options.user}`,
        "--clear-groups",
        process.execPath,
        BIN,
        "imd",
        ...args,
      ]
    : [process.execPath, BIN, "imd", ...args];
  const child = spawn(cmd[0]!, cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const readyLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`imd did not start: ${err}`)),
      options.timeoutMs ?? 15_000,
    );
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const line = out.split("\n").find((l) => l.startsWith("imd: ready"));
      if (line) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`imd exited with ${code} before ready: ${err}`));
    });
  });
  const pid = Number(/pid=(\d+)/.exec(readyLine)![1]);
  const root = /root=(\S+)/.exec(readyLine)![1]!;
  return {
    child,
    pid,
    root,
    readyLine,
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null) return child.exitCode;
      const exited = once(child, "exit");
      child.kill("SIGTERM");
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
