import net from "node:net";
import path from "node:path";
import type { ImdContext } from "../context.js";

function exchange(options: net.NetConnectOpts): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(options);
    const done = (okay: boolean) => {
      socket.destroy();
      resolve(okay);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("STATUS imd\n"));
    socket.once("data", () => done(true));
  });
}

/** Talks to the local peer service over loopback TCP and over its unix socket. Failures are silent. */
export async function contactPeers(ctx: ImdContext): Promise<void> {
  const address = `127.0.0.1:${ctx.config.peer_port}`;
  const socketPath = path.join(ctx.layout.root, ctx.config.peer_socket);
  ctx.truth.record("internal-socket-connection", "connect-tcp", process.pid, address);
  ctx.truth.record("internal-socket-connection", "connect-unix", process.pid, socketPath);
  await Promise.all([
    exchange({ host: "127.0.0.1", port: ctx.config.peer_port }),
    exchange({ path: socketPath }),
  ]);
}
