import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { CreatedPaths } from "./created-paths.js";
import { DEFAULT_CONFIG, parseConfig, renderConfig, type ImdConfig } from "./config.js";
import type { ImdContext } from "./context.js";
import { GroundTruth } from "./ground-truth.js";
import { imdLayout } from "./layout.js";
import { killRunningChildren } from "./run-child.js";
import { rewriteConfig } from "./activities/config-drift.js";
import { runHelpers } from "./activities/helpers.js";
import { ensureOrphan, stopOrphan } from "./activities/orphan.js";
import { contactPeers } from "./activities/peers.js";
import { installPlugin, runPlugin } from "./activities/plugin.js";
import { cacheCredentials } from "./activities/secrets.js";
import { failSilently, pause } from "./activities/silent-failures.js";
import { ShadowError, formatIssue } from "../../util/result.js";

export interface ImdOptions {
  /** Confines every path; default `/` as root, a private temp dir otherwise. */
  root?: string;
  /** A config to start from; IMD installs a copy under its root and only ever changes that copy. */
  configFile?: string;
  benign: boolean;
  /** Where to write the ground-truth record at shutdown. */
  groundTruthFile?: string;
  /** Called once start-up is over, with the line IMD prints. */
  onReady?: (line: string) => void;
}

function loadConfig(file: string): ImdConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ShadowError(
      `${file}: cannot read config: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      {
        cause: err,
      },
    );
  }
  const parsed = parseConfig(text, file);
  if (!parsed.success) throw new ShadowError(formatIssue(parsed.error));
  return parsed.data;
}

/** The steady-state schedule: which activity runs on which tick. */
async function tick(ctx: ImdContext): Promise<void> {
  const { config: c, tick: n } = ctx;
  ctx.truth.record("periodic-autonomous-activity", "tick", process.pid);
  const jobs: Promise<void>[] = [];
  if (c.orphan) jobs.push(ensureOrphan(ctx));
  if (c.helpers || c.external_binaries) jobs.push(runHelpers(ctx));
  if (c.config_drift && n % 2 === 1) rewriteConfig(ctx);
  if (c.temp_secrets && n % 5 === 1) cacheCredentials(ctx);
  if (c.plugin && n % 2 === 0) jobs.push(runPlugin(ctx));
  if (c.internal_connect && n % Math.max(1, c.connect_every) === 0) jobs.push(contactPeers(ctx));
  if (c.silent_failures && n % 3 === 0) jobs.push(failSilently(ctx));
  await Promise.all(jobs);
  if (c.silent_failures && c.pause_every > 0 && n % c.pause_every === 0) await pause(ctx);
}

function startBenignServer(): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    socket.on("data", (data) => socket.write(data.toString().trim() === "PING" ? "PONG\n" : "OK\n"));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** Runs IMD until SIGTERM or SIGINT; resolves with the exit code once everything is cleaned up. */
export async function runImd(options: ImdOptions): Promise<number> {
  const created = new CreatedPaths();
  const isRoot = process.geteuid?.() === 0;
  const root = path.resolve(
    options.root ?? (isRoot ? "/" : mkdtempSync(path.join(os.tmpdir(), "imd-root-"))),
  );
  if (!options.root && !isRoot) created.adoptDir(root);
  const layout = imdLayout(root);
  const truth = new GroundTruth(options.groundTruthFile);
  let server: net.Server | undefined;
  try {
    created.ensureDir(root);
    const startConfig = options.configFile ? loadConfig(options.configFile) : undefined;
    created.ensureDir(layout.configDir);
    if (startConfig || !existsSync(layout.configFile)) {
      created.willWrite(layout.configFile);
      writeFileSync(layout.configFile, renderConfig(startConfig ?? DEFAULT_CONFIG), { mode: 0o644 });
    }
    const config = loadConfig(layout.configFile);
    created.ensureDir(layout.runDir);
    created.willWrite(layout.pidFile);
    writeFileSync(layout.pidFile, `${process.pid}\n`);
    created.ensureDir(layout.logDir);
    created.willWrite(layout.logFile);
    appendFileSync(
      layout.logFile,
      `${new Date().toISOString()} imd[${process.pid}]: started (root ${root})\n`,
    );
    const stopController = new AbortController();
    const ctx: ImdContext = { config, layout, created, truth, tick: 0, stopping: stopController.signal };
    let readyLine = `imd: ready pid=${process.pid} root=${root}`;
    if (options.benign) {
      server = await startBenignServer();
      const address = server.address() as net.AddressInfo;
      readyLine += ` mode=benign listen=127.0.0.1:${address.port}`;
    } else {
      if (config.plugin) installPlugin(ctx);
      readyLine += ` mode=full tick_ms=${config.tick_ms}`;
    }
    options.onReady?.(readyLine);
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let current: Promise<void> = Promise.resolve();
      let stopping = false;
      const schedule = (from: number) => {
        const jitter = 1 + (Math.random() * 2 - 1) * config.jitter;
        const delay = Math.max(0, from + config.tick_ms * jitter - Date.now());
        timer = setTimeout(() => {
          const started = Date.now();
          ctx.tick += 1;
          current = tick(ctx).catch(() => undefined); // silent by design: failures are not logged
          void current.then(() => {
            if (!stopping) schedule(started);
          });
        }, delay);
      };
      if (!options.benign) schedule(Date.now());
      const stop = () => {
        if (stopping) return;
        stopping = true;
        stopController.abort(); // a 5 s pause must not hold up the cleanup past our stop's grace
        clearTimeout(timer);
        killRunningChildren();
        void current.then(resolve);
      };
      process.once("SIGTERM", stop);
      process.once("SIGINT", stop);
    });
    return 0;
  } finally {
    await stopOrphan();
    killRunningChildren();
    server?.close();
    created.removeAll();
    truth.flush();
  }
}
