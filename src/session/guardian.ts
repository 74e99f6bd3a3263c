import { spawn, type ChildProcess } from "node:child_process";

// Waits for EOF on stdin, which comes when we die, however we die. Then it ends what we launched:
// SIGTERM to the target's root (a daemon cleans up after itself) with 5 s to go, SIGKILL to every
// process that still carries the session marker (detached descendants included), and last the
// wrapper (strace) — after its tracees, because a tracee that outlives strace's seccomp filter
// has its traced syscalls fail with ENOSYS.
const SCRIPT = `
read _ || :
m=$1 root=$2; shift 2
ours() { tr '\\0' '\\n' < /proc/$1/environ 2>/dev/null | grep -qxF -- "$m"; }
if ours "$root"; then
  kill -TERM "$root" 2>/dev/null
  i=0
  while [ $i -lt 50 ] && ours "$root"; do sleep 0.1; i=$((i+1)); done
fi
for round in 1 2 3 4 5; do
  for f in $(grep -lzxF -- "$m" /proc/[0-9]*/environ 2>/dev/null); do
    p=\${f#/proc/}; kill -KILL "\${p%/environ}" 2>/dev/null
  done
  sleep 0.2
done
for p in "$@"; do kill -KILL "$p" 2>/dev/null; done
`;

/** The process that ends what we launched if we are killed before we could. */
export class Guardian {
  private readonly child: ChildProcess;

  constructor(marker: string, rootPid: number, wrapperPids: number[]) {
    // Its own session: a Ctrl-C on our terminal must not end it before it is needed.
    this.child = spawn(
      "/bin/sh",
      ["-c", SCRIPT, "shadow-signals-guardian", marker, String(rootPid), ...wrapperPids.map(String)],
      {
        detached: true,
        stdio: ["pipe", "ignore", "ignore"],
      },
    );
    this.child.on("error", () => undefined);
    this.child.unref();
    (this.child.stdin as unknown as { unref?: () => void }).unref?.();
  }

  /** We ended everything ourselves: the guardian is not needed. */
  dismiss(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
  }
}
