import path from "node:path";
import { natsTarget } from "../fleet/nats-connection.js";
import { Publisher } from "../fleet/publisher.js";
import { checkHostName, defaultHostName, sessionName } from "../fleet/subjects.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { parseSize } from "../util/size.js";

/** The options of `observe` and `lab` that send a session to a fleet's bus. */
export const PUBLISH_OPTIONS = {
  publish: { type: "string" },
  host: { type: "string" },
  "nats-creds": { type: "string" },
  "nats-tls-ca": { type: "string" },
  "publish-backlog": { type: "string" },
  "publish-wait": { type: "string" },
} as const;

export const PUBLISH_HELP = `Fleet (see 'shadow-signals collect --help'):
  --publish URL       also send the session, as it is recorded, to a NATS JetStream server
                      (nats://HOST:PORT, or tls://HOST:PORT). The out dir is written as always;
                      a server that is down or slow never slows or stops the session: events wait
                      on disk and go when it is back
  --host NAME         this host's name in the fleet (default: the first label of the hostname)
  --nats-creds FILE   a NATS credentials file (JWT + nkey seed); never printed
  --nats-tls-ca FILE  verify the server's certificate with this CA (TLS is then required)
  --publish-backlog S the most events that may wait on disk for the server, e.g. 256MiB (the
                      default); past it the oldest unsent ones are given up, counted and reported
  --publish-wait D    at the end, how long to wait for the server to take the rest (default 30s)`;

type PublishValues = { [K in keyof typeof PUBLISH_OPTIONS]?: string | undefined };

export interface PublishPlan {
  make(outDir: string): { publisher: Publisher; waitMs: number };
}

/** Checks the options before anything starts (a typo is a usage error, not a session lost). */
export function publishPlan(values: PublishValues): PublishPlan | undefined {
  if (values.publish === undefined) {
    for (const o of ["host", "nats-creds", "nats-tls-ca", "publish-backlog", "publish-wait"] as const)
      if (values[o] !== undefined) throw new UsageError(`--${o} needs --publish nats://HOST:PORT`);
    return undefined;
  }
  const target = natsTarget(values.publish, "--publish", values["nats-creds"], values["nats-tls-ca"]);
  const host = checkHostName(values.host ?? defaultHostName());
  const backlog = parseSize(values["publish-backlog"] ?? "256MiB", "--publish-backlog");
  const waitMs = parseDuration(values["publish-wait"] ?? "30s", "--publish-wait");
  return {
    make: (outDir) => ({
      publisher: new Publisher(
        target,
        host,
        sessionName(outDir),
        path.join(outDir, "events.jsonl"),
        backlog,
        (line) => process.stderr.write(`shadow-signals: ${line}\n`),
      ),
      waitMs,
    }),
  };
}
