/**
 * The contract suite's live workload: a small daemon that forks, execs (one long and one 1 ms
 * child), opens, writes, renames, connects to a local TCP and unix listener and detaches a
 * renamed grandchild. Usage: workload.js run PORT UNIX_PATH DIR
 */
import { spawn } from "node:child_process";
import { closeSync, openSync, renameSync, writeFileSync, writeSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const WORKLOAD_SCRIPT = fileURLToPath(import.meta.url);
export const ORPHAN_TITLE = "[contract-orphan]";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const run = (file: string, args: string[]) =>
  new Promise((r) => spawn(file, args, { stdio: "ignore" }).once("exit", r));

async function hold(options: net.NetConnectOpts, ms: number): Promise<void> {
  const socket = net.connect(options);
  await new Promise<void>((resolve) => {
    socket.once("connect", resolve);
    socket.once("error", () => resolve());
  });
  await sleep(ms);
  socket.destroy();
}

async function workload(port: number, unixPath: string, dir: string): Promise<void> {
  await sleep(300); // let every sensor settle on the new process
  await run("/bin/sh", ["-c", "sleep 0.5"]);
  await run("/bin/true", []);
  const fd = openSync(path.join(dir, "held.txt"), "w");
  writeSync(fd, "held open for half a second\n");
  await sleep(500);
  closeSync(fd);
  writeFileSync(path.join(dir, "draft.txt"), "renamed into place\n");
  renameSync(path.join(dir, "draft.txt"), path.join(dir, "final.txt"));
  await hold({ host: "127.0.0.1", port }, 500);
  await hold({ path: unixPath }, 500);
  // Double fork: the launcher starts the orphan in its own session and exits at once.
  await run(process.execPath, [WORKLOAD_SCRIPT, "launch"]);
  await sleep(1800);
}

function main(argv: string[]): void {
  const [mode, ...rest] = argv;
  if (mode === "launch") {
    spawn(process.execPath, [WORKLOAD_SCRIPT, "orphan"], { detached: true, stdio: "ignore" }).unref();
  } else if (mode === "orphan") {
    process.title = ORPHAN_TITLE;
    setTimeout(() => process.exit(0), 1500);
  } else if (mode === "run") {
    void workload(Number(rest[0]), rest[1]!, rest[2]!);
  }
}

if (process.argv[1] === WORKLOAD_SCRIPT) main(process.argv.slice(2));
