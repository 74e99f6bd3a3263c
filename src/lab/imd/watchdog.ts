/**
 * IMD's detached "watchdog", the orphan of the lab. Run as a separate program:
 *   watchdog.js launch --parent PID --ttl S   the intermediate: double-forks `run` with setsid, prints its pid, exits
 *   watchdog.js run --parent PID --ttl S      the orphan: renames itself to look like a kernel thread
 * It exits by itself after its TTL, or as soon as IMD is gone.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const WATCHDOG_TITLE = "[kworker/u8:3-imd]";
export const WATCHDOG_SCRIPT = fileURLToPath(import.meta.url);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

function launch(parent: string, ttl: string): void {
  // detached: true makes the child call setsid(); our own exit then reparents it away from IMD.
  const child = spawn(process.execPath, [WATCHDOG_SCRIPT, "run", "--parent", parent, "--ttl", ttl], {
    detached: true,
    stdio: "ignore",
  });
  process.stdout.write(`${child.pid}\n`);
  child.unref();
}

function run(parent: number, ttlSeconds: number): void {
  // Pads the title so libuv has room: it overwrites argv in place and sets comm via prctl.
  process.title = WATCHDOG_TITLE;
  const deadline = Date.now() + ttlSeconds * 1000;
  const timer = setInterval(() => {
    if (Date.now() > deadline || !alive(parent)) {
      clearInterval(timer);
      process.exit(0);
    }
  }, 250);
  process.on("SIGTERM", () => process.exit(0));
}

function main(argv: string[]): void {
  const [mode, , parent, , ttl] = argv;
  if (!parent || !ttl) {
    process.stderr.write("watchdog: usage: watchdog.js launch|run --parent PID --ttl SECONDS\n");
    process.exit(2);
  }
  if (mode === "launch") launch(parent, ttl);
  else run(Number(parent), Number(ttl));
}

if (process.argv[1] === WATCHDOG_SCRIPT) main(process.argv.slice(2));
