import { serve } from "@hono/node-server";
import { isIP } from "node:net";
import { dashboard } from "../serve/dashboard.js";
import { indexSessions } from "../serve/session-index.js";
import { UsageError } from "../util/result.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

export const serveCommand: Command = {
  name: "serve",
  summary: "a local dashboard of sessions: list, open report.html, compare two",
  help: `Usage: shadow-signals serve [DIR...] [--port 8177] [--host 127.0.0.1] [--token T]

Serves, read-only, the sessions under the dirs given (default ./shadow-signals-sessions): a list
with target, date, sensors and findings; each session's report.html, .md, .json and .sarif; and
the diff of any two; and for a dir that 'collect' made, its fleet (hosts × behaviours, the
outliers). Sessions are named by number, never by a path: nothing outside the dirs
given can be reached. Stop it with Ctrl-C.

Options:
  --port N     the port (default 8177; 0: any free one, printed)
  --host H     the address to bind (default 127.0.0.1). Anything but loopback needs a token
  --token T    require ?token=T or "Authorization: Bearer T" (or set SHADOW_SIGNALS_TOKEN,
               which, unlike an argument, other users cannot read in ps)

Example:
  shadow-signals serve ./shadow-signals-sessions /var/tmp/lab-runs`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      port: { type: "string" },
      host: { type: "string" },
      token: { type: "string" },
    });
    const host = values.host ?? "127.0.0.1";
    const port = Number(values.port ?? "8177");
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new UsageError(`--port: a port number, not '${values.port}'`);
    if (!LOOPBACK.has(host) && isIP(host) === 0) throw new UsageError(`--host: an IP address, not '${host}'`);
    const token = values.token ?? process.env.SHADOW_SIGNALS_TOKEN;
    if (!LOOPBACK.has(host) && !token)
      throw new UsageError(
        `--host ${host} is reachable by others: set a token (--token or SHADOW_SIGNALS_TOKEN)`,
      );
    if (token !== undefined && token.length < 16)
      throw new UsageError("the token must be at least 16 characters");
    const roots = positionals.length ? positionals : ["shadow-signals-sessions"];
    const app = dashboard(roots, token);
    const server = serve({ fetch: app.fetch, port, hostname: host });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", () => resolve());
      server.once("error", (err) => reject(err));
    });
    const address = server.address();
    const actual = typeof address === "object" && address ? address.port : port;
    const shown = host.includes(":") ? `[${host}]` : host;
    process.stdout.write(
      `Serving ${indexSessions(roots).length} session(s) from ${roots.join(", ")} at http://${shown}:${actual}/${token ? "?token=…" : ""}\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        server.close(() => resolve());
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    return 0;
  },
};
