import { existsSync, lstatSync } from "node:fs";
import { Collector } from "../fleet/collector.js";
import { natsTarget } from "../fleet/nats-connection.js";
import { isToken } from "../fleet/subjects.js";
import { StopSignals } from "../session/stop-signals.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { createOwnDir, ownSessionDir } from "../util/safe-fs.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";

export const collectCommand: Command = {
  name: "collect",
  summary: "rebuild and analyse the sessions that hosts publish to NATS JetStream",
  help: `Usage: shadow-signals collect --from nats://HOST:PORT --out DIR [--durable NAME]
                              [--session-timeout D] [--idle-exit D] [--ack-wait D] [--nats-creds FILE] [--nats-tls-ca FILE]

Reads the sessions that 'observe --publish' sends, through a durable JetStream consumer, and
rebuilds each one as a session dir under DIR/<host>/<session>/ (events.jsonl, session.db), then
analyses it (report.md, report.json) when its end arrives. Then 'shadow-signals fleet DIR'.

Stop it (Ctrl-C) and start it again at any time: every message is written, synced and recorded
in DIR/collect.db before it is acknowledged, and each run of events lands at its own byte offset,
so a redelivered message changes nothing: every event is in events.jsonl exactly once.

Options:
  --from URL           the server (nats:// or tls://)
  --out DIR            where sessions are rebuilt: a new dir, or one an earlier collect made
  --durable NAME       the consumer's name (default shadow-collect). Collectors on one machine
                       that share NAME and DIR share the work; another NAME gets its own copy
  --session-timeout D  a session with no end and no message for D is analysed as cut short
                       (default 10m); if it comes back, it is analysed again at its end
  --idle-exit D        exit once nothing arrived for D and no session awaits its end
                       (default: run until stopped)
  --ack-wait D         when the consumer is made: how long the server waits for a collector's
                       acknowledgement before it gives the message to another (default 30s);
                       what a collector killed mid-stream had not acknowledged comes back after it
  --nats-creds FILE    a NATS credentials file; never printed
  --nats-tls-ca FILE   verify the server's certificate with this CA (TLS is then required)

Exit codes: 0 stopped (Ctrl-C, or --idle-exit); 1 runtime error; 2 usage error.

Example:
  shadow-signals collect --from nats://127.0.0.1:4222 --out fleet/ --idle-exit 30s
  shadow-signals fleet fleet/`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      from: { type: "string" },
      out: { type: "string" },
      durable: { type: "string" },
      "session-timeout": { type: "string" },
      "idle-exit": { type: "string" },
      "ack-wait": { type: "string" },
      "nats-creds": { type: "string" },
      "nats-tls-ca": { type: "string" },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    if (values.from === undefined) throw new UsageError("give --from nats://HOST:PORT");
    if (values.out === undefined) throw new UsageError("give --out DIR");
    const target = natsTarget(values.from, "--from", values["nats-creds"], values["nats-tls-ca"]);
    const durable = values.durable ?? "shadow-collect";
    if (!isToken(durable))
      throw new UsageError(`--durable: '${durable}' is not a valid name (letters, digits, '_', '-')`);
    const sessionTimeoutMs = parseDuration(values["session-timeout"] ?? "10m", "--session-timeout");
    const idleExitMs =
      values["idle-exit"] !== undefined ? parseDuration(values["idle-exit"], "--idle-exit") : undefined;
    // An earlier collect's dir (it has collect.db) is carried on; anything else must be new or empty.
    const outDir =
      existsSync(`${values.out}/collect.db`) && lstatSync(`${values.out}/collect.db`).isFile()
        ? ownSessionDir(values.out)
        : createOwnDir(values.out);
    const signals = new StopSignals((m) => process.stderr.write(`shadow-signals: ${m}\n`));
    try {
      const r = await new Collector({
        target,
        outDir,
        durable,
        sessionTimeoutMs,
        ackWaitMs: parseDuration(values["ack-wait"] ?? "30s", "--ack-wait"),
        ...(idleExitMs !== undefined ? { idleExitMs } : {}),
        stop: signals.stop,
        log: (line) => process.stderr.write(`shadow-signals: ${line}\n`),
      }).run();
      process.stderr.write(
        `shadow-signals: collect stopped: ${r.messages} message(s), ${r.analysed} session(s) analysed, ${r.cut} cut short\n`,
      );
    } finally {
      signals.dispose();
    }
    return 0;
  },
};
