import type { NatsConnection } from "@nats-io/transport-node";
import { connectNats, redactUrl, type NatsTarget } from "../fleet/nats-connection.js";
import { SUBJECT_ROOT } from "../fleet/subjects.js";
import type { FalcoAlert } from "./falco-alert.js";

/** Alerts held while the server is away; past this the oldest are dropped, counted and said. */
const MAX_PENDING = 10_000;

/**
 * `watch --publish`: each alert, as its JSON line, on the core NATS subject
 * `shadow.alerts.HOST` (what Falcosidekick's NATS output and a subscriber read). The server may
 * be down at the start or go away: alerts wait (up to MAX_PENDING) and go when it is back; the
 * session never waits for it.
 */
export class AlertPublisher {
  readonly subject: string;
  private nc: NatsConnection | undefined;
  private readonly pending: string[] = [];
  private readonly cancel = new AbortController();
  private readonly connecting: Promise<void>;
  dropped = 0;
  sent = 0;

  constructor(
    private readonly target: NatsTarget,
    host: string,
    private readonly say: (line: string) => void,
  ) {
    this.subject = `${SUBJECT_ROOT}.alerts.${host}`;
    this.connecting = connectNats(target, `shadow-signals watch ${host}`, this.cancel.signal).then((nc) => {
      this.nc = nc;
      if (nc) for (const line of this.pending.splice(0)) this.put(line);
    });
  }

  send(alert: FalcoAlert): void {
    const line = JSON.stringify(alert);
    if (this.nc) return this.put(line);
    this.pending.push(line);
    if (this.pending.length > MAX_PENDING) {
      this.pending.shift();
      this.dropped++;
    }
  }

  private put(line: string): void {
    this.nc!.publish(this.subject, line);
    this.sent++;
  }

  /** Sends what is held, waiting up to `waitMs` for the server; then says what did not go. */
  async close(waitMs: number): Promise<void> {
    await Promise.race([this.connecting, new Promise((r) => setTimeout(r, waitMs).unref())]);
    this.cancel.abort();
    await this.connecting;
    if (this.nc) {
      await this.nc.flush().catch(() => undefined);
      await this.nc.close();
    }
    const lost = this.pending.length + this.dropped;
    if (lost)
      this.say(
        `${lost} alert(s) not published: ${redactUrl(this.target.url)} was not reachable (they are in the report)`,
      );
  }
}
