import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { userUmaskOctal } from "../util/umask.js";

/** The environment variable every process we launch inherits, so we can find its detached descendants. */
export const MARKER_VAR = "SHADOW_SIGNALS_SESSION";
/** argv[0] of the gate shell: its exec is the launcher's, not the target's. */
export const GATE_NAME = "shadow-signals-gate";

// Reports its pid on fd 3, waits for a line on fd 4, then becomes the command: the sensors attach
// to the pid before the command's first instruction runs. The marker is exported here, not given to
// the spawn, so that a wrapper in front of the gate (strace) does not carry it. The user's umask
// comes back here: ours (077) is for our own files, not the target's. If we die before the release,
// the read ends at EOF and the gate exits: the target never runs unobserved.
const gate = (id: string) =>
  `echo $$ >&3; read _ <&4 || exit 125; umask ${userUmaskOctal()}; export ${MARKER_VAR}=${id}; exec "$@" 3>&- 4<&-`;

export interface Launched {
  child: ChildProcess;
  pid: number;
  marker: string;
  release(): void;
}

/** An open file handed to the target at a fixed fd number (bubblewrap reads its seccomp filter so). */
export interface PassedFd {
  at: number;
  fd: number;
}

/**
 * Starts `argv` stopped at a gate; `wrap` lets a sensor (ptrace) put itself in front. With
 * `stdoutToStderr` the target writes its stdout to our stderr: our stdout is a stream of alerts
 * (`watch`) that a pipeline parses line by line, and the target's lines must not enter it.
 */
export async function launchGated(
  argv: string[],
  wrap: (argv: string[]) => string[],
  pass?: PassedFd,
  stdoutToStderr = false,
): Promise<Launched> {
  const id = randomBytes(8).toString("hex");
  const full = wrap(["/bin/sh", "-c", gate(id), GATE_NAME, ...argv]);
  const stdio: ("inherit" | "pipe" | "ignore" | number)[] = [
    "inherit",
    stdoutToStderr ? 2 : "inherit",
    "inherit",
    "pipe",
    "pipe",
  ];
  if (pass) {
    while (stdio.length < pass.at) stdio.push("ignore");
    stdio[pass.at] = pass.fd;
  }
  const child = spawn(full[0]!, full.slice(1), { stdio });
  const pid = await new Promise<number>((resolve, reject) => {
    let text = "";
    child.once("error", (err) =>
      reject(new Error(`cannot start ${full[0]}: ${err.message}`, { cause: err })),
    );
    child.once("exit", (code) =>
      reject(new Error(`${full[0]} exited with ${code} before the command started`)),
    );
    (child.stdio[3] as NodeJS.ReadableStream).on("data", (d: Buffer) => {
      text += d.toString();
      if (text.includes("\n")) resolve(Number(text.trim()));
    });
  });
  child.removeAllListeners("exit");
  child.removeAllListeners("error");
  return {
    child,
    pid,
    marker: `${MARKER_VAR}=${id}`,
    release: () => (child.stdio[4] as NodeJS.WritableStream).end("go\n"),
  };
}
