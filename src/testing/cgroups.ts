import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { cgroupV2Root } from "../targets/cgroup-root.js";
import { sleep } from "./processes.js";

/** Why cgroup tests cannot run here, or false. */
export function cgroupsUnavailable(): string | false {
  if (process.geteuid?.() !== 0) return "needs root to create cgroups";
  if (!cgroupV2Root()) return "no cgroup v2 hierarchy is mounted";
  return false;
}

/**
 * A cgroup a test makes under the v2 root (`system.slice/NAME.service`, as systemd would), the
 * processes it starts there, and their removal: each process it started killed by its pid, then
 * the directories removed, deepest first.
 */
export class TestCgroup {
  readonly path: string;
  readonly dir: string;
  private readonly started: ChildProcess[] = [];
  private readonly made: string[] = [];

  constructor(relative: string) {
    const root = cgroupV2Root()!;
    this.path = "/" + relative.replace(/^\/+/, "");
    this.dir = path.join(root, this.path);
    let d = root;
    for (const part of this.path.split("/").filter(Boolean)) {
      d = path.join(d, part);
      try {
        mkdirSync(d);
        this.made.push(d);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    }
  }

  /** Starts `argv` inside the cgroup (the shell moves itself there, then execs it). */
  start(argv: string[], sub = ""): ChildProcess {
    const procs = path.join(this.dir, sub, "cgroup.procs");
    const child = spawn("/bin/sh", ["-c", `echo $$ > '${procs}' && exec "$@"`, "sh", ...argv], {
      stdio: "ignore",
    });
    this.started.push(child);
    return child;
  }

  /** Moves a running process (one the test started) into the cgroup. */
  move(pid: number, sub = ""): void {
    writeFileSync(path.join(this.dir, sub, "cgroup.procs"), String(pid));
  }

  /** Adopts a process the test started elsewhere, so that remove() ends it. */
  own(child: ChildProcess): ChildProcess {
    this.started.push(child);
    return child;
  }

  async remove(): Promise<void> {
    for (const c of this.started)
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
        await new Promise((r) => c.once("exit", r));
      }
    // What those processes started is ours too, and nothing else is in a cgroup we made:
    // cgroup.kill (Linux 5.14) ends every process left in it, deepest cgroups first.
    for (const d of [...this.made].reverse()) {
      try {
        writeFileSync(path.join(d, "cgroup.kill"), "1");
      } catch {
        /* an older kernel: the processes we started are already gone */
      }
    }
    for (const d of [...this.made].reverse())
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          await sleep(100); // the kernel frees a cgroup a moment after its last process ends
        }
      }
  }
}
