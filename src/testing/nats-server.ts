import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const hasNatsServer = spawnSync("nats-server", ["--version"]).status === 0;

/**
 * A real `nats-server -js` on loopback with a temp store, for the fleet's tests. `port` 0 lets
 * the server choose; `stop()` ends it by its pid, `start()` brings it back on the same port and
 * store (a restart, for the outage tests), `dispose()` stops it and removes the store.
 */
export class NatsServer {
  private child: ChildProcess | undefined;
  readonly storeDir = mkdtempSync(path.join(os.tmpdir(), "nats-store-"));
  port = 0;

  /** `config`: nats-server config lines (auth, TLS); `tls`: clients must use tls://. */
  constructor(private readonly opts: { config?: string; tls?: boolean } = {}) {}

  get url(): string {
    return `${this.opts.tls ? "tls" : "nats"}://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const configFile = path.join(this.storeDir, "server.conf");
    if (this.opts.config !== undefined) writeFileSync(configFile, this.opts.config + "\n", { mode: 0o600 });
    const child = spawn(
      "nats-server",
      [
        ...(this.opts.config !== undefined ? ["-c", configFile] : []),
        "-js",
        "-a",
        "127.0.0.1",
        "-p",
        this.port === 0 ? "-1" : String(this.port),
        "-sd",
        this.storeDir,
      ],
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    this.child = child;
    let log = "";
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`nats-server did not start: ${log}`)), 10_000);
      child.stderr!.on("data", (d: Buffer) => {
        log += d.toString();
        const m = /Listening for client connections on [\d.]+:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`nats-server exited (${code}): ${log}`));
      });
    });
    child.removeAllListeners("exit");
    child.stderr!.resume();
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      process.kill(child.pid!, "SIGTERM");
    });
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}
