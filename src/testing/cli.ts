import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { BIN } from "./imd-process.js";
import { readProc } from "./processes.js";

export const isRoot = process.geteuid?.() === 0;
export const hasStrace = spawnSync("strace", ["-V"]).status === 0;

/** Runs the CLI to the end; a test's whole call, with its output. */
export function runCli(args: string[], timeoutMs = 90_000, env: NodeJS.ProcessEnv = process.env) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", timeout: timeoutMs, env });
}

/**
 * Runs the CLI to the end without blocking the event loop: for tests that run concurrently in one
 * file, where spawnSync would freeze the others' timers and sockets for the whole session.
 */
export async function runCliAsync(
  args: string[],
  timeoutMs = 90_000,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill("SIGTERM"), timeoutMs);
  const status = await new Promise<number | null>((r) => child.once("close", (code) => r(code)));
  clearTimeout(timer);
  return { status, stdout, stderr };
}

/** Starts the CLI in its own process group (as a shell runs a foreground job), not waiting. */
export function startCli(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [BIN, ...args], {
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, output: () => out, exited };
}

/** Runs `body` in a fresh temp dir (0755: tests' daemons may run as others) and removes it after. */
export async function withTmpDir(prefix: string, body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  try {
    await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Live processes whose command line contains `needle` (what a test started, found by a token). */
export function processesMatching(needle: string): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const n of readdirSync("/proc")) {
    if (!/^\d+$/.test(n) || Number(n) === process.pid) continue;
    const p = readProc(Number(n));
    const cmdline = p?.cmdline.join(" ") ?? "";
    if (p && cmdline.includes(needle)) out.push({ pid: p.pid, cmdline });
  }
  return out;
}

/** Every file under `dir` (recursively) with its content as latin1 text, for leak checks. */
export function filesUnder(dir: string): { file: string; mode: number; text: string }[] {
  const out: { file: string; mode: number; text: string }[] = [];
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    const st = statSync(file);
    if (st.isDirectory()) out.push(...filesUnder(file));
    else out.push({ file, mode: st.mode & 0o777, text: readFileSync(file, "latin1") });
  }
  return out;
}

/** The URL `serve` printed (it picks a free port with --port 0), waited for up to 10 s. */
export async function servedUrl(server: { output: () => string }): Promise<string> {
  let url = "";
  for (let i = 0; i < 100 && !url; i++) {
    url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(server.output())?.[1] ?? "";
    if (!url) await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(url, `no URL printed: ${server.output()}`);
  return url;
}
