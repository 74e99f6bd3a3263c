/**
 * The local service IMD talks to: a line-oriented responder on loopback TCP and on a unix socket.
 * The lab runs it as its own process so that IMD's connections go to another service, as they
 * would on a real host. Usage: peer-service.js --port N --socket PATH
 */
import { rmSync } from "node:fs";
import net from "node:net";
import { fileURLToPath } from "node:url";

export const PEER_SCRIPT = fileURLToPath(import.meta.url);

export function startPeerService(port: number, socketPath: string): Promise<net.Server[]> {
  const handler = (socket: net.Socket) => {
    socket.on("error", () => socket.destroy());
    socket.once("data", () => socket.end("OK imd-peer\n"));
  };
  const listen = (server: net.Server, arg: number | string) =>
    new Promise<net.Server>((resolve, reject) => {
      server.once("error", reject);
      if (typeof arg === "number") server.listen(arg, "127.0.0.1", () => resolve(server));
      else server.listen(arg, () => resolve(server));
    });
  rmSync(socketPath, { force: true });
  return Promise.all([
    listen(net.createServer(handler), port),
    listen(net.createServer(handler), socketPath),
  ]);
}

async function main(argv: string[]): Promise<void> {
  const port = Number(argv[argv.indexOf("--port") + 1]);
  const socketPath = argv[argv.indexOf("--socket") + 1];
  if (!Number.isInteger(port) || !socketPath) {
    process.stderr.write("peer-service: usage: peer-service.js --port N --socket PATH\n");
    process.exit(2);
  }
  const servers = await startPeerService(port, socketPath);
  process.stdout.write("ready\n");
  const stop = () => {
    for (const s of servers) s.close();
    rmSync(socketPath, { force: true });
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (process.argv[1] === PEER_SCRIPT) {
  main(process.argv.slice(2)).catch((err: Error) => {
    process.stderr.write(`peer-service: ${err.message}\n`);
    process.exit(1);
  });
}
