import { createHash } from "node:crypto";
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import type { NatsConnection } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream, type JetStreamClient } from "@nats-io/jetstream";
import { sleepUnless } from "../util/sleep.js";
import type { TargetInfo } from "../session/target.js";
import { connectNats, ensureStream, redactUrl, type NatsTarget } from "./nats-connection.js";
import { CHUNK_HEADER, OFFSET_HEADER, subjectOf, type MessageKind } from "./subjects.js";

/** The first message of a session: enough for a collector to name and analyse it even if cut short. */
export interface StartRecord {
  host: string;
  session: string;
  target: TargetInfo;
  started: number;
  released: number;
  rootPid: number;
  sensors: string[];
  durationMs: number;
}

/** Events that never reached the server: why, when, how many. */
export interface Gap {
  at: number;
  events: number;
  bytes: number;
  reason: string;
}

/** What publishing did, kept in session.db (meta `publish`) and in the end record. */
export interface PublishStats {
  url: string;
  host: string;
  session: string;
  sentEvents: number;
  sentBytes: number;
  notSentEvents: number;
  gaps: Gap[];
  /** When the server could not be reached (from our side: a publish failed or we were not connected). */
  outages: { from: number; to?: number }[];
  /** The largest backlog of events written but not yet acknowledged by the server, in bytes. */
  maxBacklogBytes: number;
  /** The end record was acknowledged: the collector has everything it needs. */
  complete: boolean;
}

/** The last message of a session: what the collector must have before it analyses it. */
export interface EndRecord {
  ended: number;
  /** Bytes of events.jsonl sent (the collector's copy is exactly this long). */
  streamBytes: number;
  events: number;
  dbChunks: number;
  dbSha256: string;
  stats: PublishStats;
}

const CHUNK_BYTES = 256 * 1024;
/** Under NATS's default 1 MiB max_payload, with room for headers. */
const MAX_MESSAGE = 900 * 1024;
const PUBLISH_TIMEOUT_MS = 2000;

/**
 * Sends a session to JetStream while it is recorded, from the events.jsonl the recorder writes:
 * that file is the disk buffer, so publishing adds no copy and never holds the recorder up. Events
 * are sent in order in runs of whole lines, each at its byte offset in the published stream, with
 * a message id the server de-duplicates (a resend after a lost acknowledgement is harmless).
 * While the server is unreachable the backlog grows on disk up to `backlogLimit`; past it, the
 * oldest unsent events are given up, counted and reported (in the stats, the end record, and a
 * status message), never silently.
 */
export class Publisher {
  private nc: NatsConnection | undefined;
  private js: JetStreamClient | undefined;
  private fd: number | undefined;
  /** Bytes of the local events.jsonl dealt with: sent and acknowledged, or given up. */
  private srcDone = 0;
  /** Bytes of the published stream acknowledged (the local file minus what was given up). */
  private streamAcked = 0;
  private readonly control: { kind: MessageKind; data: Uint8Array; id: string }[] = [];
  private controlSeq = 0;
  private closing = false;
  private pumping: Promise<void> | undefined;
  private readonly stopPump = new AbortController();
  private readonly statsNow: PublishStats;
  private lastError = "";
  private beganAt = 0;
  private reconnectedAt = 0;
  private readonly stopConnecting = new AbortController();

  constructor(
    private readonly target: NatsTarget,
    readonly host: string,
    readonly session: string,
    private readonly eventsFile: string,
    private readonly backlogLimit: number,
    private readonly log: (line: string) => void,
  ) {
    this.statsNow = {
      url: redactUrl(target.url),
      host,
      session,
      sentEvents: 0,
      sentBytes: 0,
      notSentEvents: 0,
      gaps: [],
      outages: [],
      maxBacklogBytes: 0,
      complete: false,
    };
  }

  stats(): PublishStats {
    return structuredClone(this.statsNow);
  }

  /** Starts connecting (in the background: a server that is down does not delay the session) and sending. */
  begin(start: StartRecord): void {
    this.fd = openSync(this.eventsFile, constants.O_RDONLY | constants.O_NOFOLLOW);
    this.enqueue("start", start);
    this.beganAt = Date.now();
    void this.connecting();
    this.pumping = this.pump();
  }

  private async connecting(): Promise<void> {
    const cancel = this.stopConnecting.signal;
    while (!cancel.aborted) {
      const nc = await connectNats(
        this.target,
        `shadow-signals observe ${this.host}/${this.session}`,
        cancel,
        (err) => this.noteFailure(err),
      );
      if (!nc) return;
      this.nc = nc;
      try {
        await ensureStream(nc);
        this.js = jetstream(nc);
        void this.watchConnection(nc);
        return;
      } catch (err) {
        // Connected, but no JetStream (a server without -js) or no permission: said, and tried again.
        this.noteFailure(err as Error);
        this.nc = undefined;
        await nc.close().catch(() => undefined);
        await sleepUnless(1000, cancel);
      }
    }
  }

  /** The outage starts when the connection drops, not at the first publish that times out after it. */
  private async watchConnection(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === "disconnect") this.openOutage();
      else if (s.type === "reconnect") {
        this.reconnectedAt = Date.now();
        this.closeOutage();
      }
    }
  }

  /** A sensor failed, or anything else the collector should know as it happens. */
  status(record: Record<string, unknown>): void {
    this.enqueue("status", { at: Date.now(), ...record });
  }

  private enqueue(kind: MessageKind, value: unknown): void {
    this.control.push({
      kind,
      data: Buffer.from(JSON.stringify(value)),
      id: `${this.host}.${this.session}.${kind}.${this.controlSeq++}`,
    });
  }

  /**
   * Waits until every event written so far is acknowledged, or `waitMs` passes, or `hurry` aborts.
   * Returns whether everything went.
   */
  async drain(waitMs: number, hurry?: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + waitMs;
    let told = false;
    while (this.pending() > 0 && Date.now() < deadline && !hurry?.aborted) {
      if (!told && Date.now() > deadline - waitMs + 2000) {
        told = true;
        this.log(
          `waiting up to ${Math.round((deadline - Date.now()) / 1000)} s more to publish ${this.pending()} byte(s) to ${this.statsNow.url} (Ctrl-C gives them up; they stay in the out dir)`,
        );
      }
      await sleepUnless(50, hurry);
    }
    return this.pending() === 0;
  }

  private pending(): number {
    if (this.fd === undefined) return 0;
    return fstatSync(this.fd).size - this.srcDone + this.control.reduce((n, c) => n + c.data.length, 0);
  }

  /**
   * After the recorder closed session.db: sends what is left, the database in chunks, and the end
   * record; then closes the connection. Anything that could not be sent is counted as not sent.
   */
  async finish(dbFile: string, waitMs: number, hurry?: AbortSignal): Promise<PublishStats> {
    const drained = await this.drain(waitMs, hurry);
    this.closing = true;
    this.stopPump.abort();
    if (!drained) this.stopConnecting.abort();
    await this.pumping;
    if (!drained) this.giveUpRest("the server was unreachable when the session ended");
    else {
      const db = readFileSync(dbFile);
      const chunks = Math.max(1, Math.ceil(db.length / MAX_MESSAGE));
      let ok = true;
      for (let i = 0; i < chunks && ok; i++) {
        const h = natsHeaders();
        h.set(CHUNK_HEADER, `${i}/${chunks}`);
        ok = await this.sendWithin(
          "db",
          db.subarray(i * MAX_MESSAGE, (i + 1) * MAX_MESSAGE),
          `${this.host}.${this.session}.db.${i}`,
          deadlineFrom(waitMs),
          hurry,
          h,
        );
      }
      this.closeOutage();
      const end: EndRecord = {
        ended: Date.now(),
        streamBytes: this.streamAcked,
        events: this.statsNow.sentEvents,
        dbChunks: chunks,
        dbSha256: createHash("sha256").update(db).digest("hex"),
        stats: { ...this.stats(), complete: true },
      };
      if (ok)
        ok = await this.sendWithin(
          "end",
          Buffer.from(JSON.stringify(end)),
          `${this.host}.${this.session}.end`,
          deadlineFrom(waitMs),
          hurry,
        );
      this.statsNow.complete = ok;
      if (!ok) this.log(`could not send the end of the session to ${this.statsNow.url}: ${this.lastError}`);
    }
    this.stopConnecting.abort();
    this.closeOutage();
    if (this.fd !== undefined) closeSync(this.fd);
    await this.nc?.close().catch(() => undefined);
    return this.stats();
  }

  private async pump(): Promise<void> {
    const idle = this.stopPump.signal;
    while (!this.closing) {
      if (this.fd === undefined) break;
      const size = fstatSync(this.fd).size;
      this.statsNow.maxBacklogBytes = Math.max(this.statsNow.maxBacklogBytes, size - this.srcDone);
      if (size - this.srcDone > this.backlogLimit && this.stalled()) this.giveUpOldest(size);
      if (!this.js) {
        // Connecting takes milliseconds: an outage is a server not there a second after the start.
        if (Date.now() - this.beganAt > 1000) this.openOutage(this.beganAt);
        await sleepUnless(100, idle);
        continue;
      }
      const ctl = this.control[0];
      if (ctl) {
        if (await this.send(ctl.kind, ctl.data, ctl.id)) this.control.shift();
        else await sleepUnless(250, idle);
        continue;
      }
      if (this.srcDone < size) {
        const run = this.readRun(this.srcDone, size);
        if (run.length === 0) {
          this.giveUp(this.srcDone, this.lineEnd(this.srcDone, size), "a line longer than a message");
          continue;
        }
        const h = natsHeaders();
        h.set(OFFSET_HEADER, String(this.streamAcked));
        if (await this.send("events", run, `${this.host}.${this.session}.e.${this.streamAcked}`, h)) {
          this.srcDone += run.length;
          this.streamAcked += run.length;
          this.statsNow.sentBytes += run.length;
          this.statsNow.sentEvents += countLines(run);
        } else await sleepUnless(250, idle);
        continue;
      }
      await sleepUnless(50, idle);
    }
  }

  /**
   * The server cannot take events now: it is unreachable, or too slow to acknowledge a publish
   * within its timeout (both open an outage). A backlog over the limit is given up only then, not
   * because one flush of a busy target was larger than the limit.
   */
  private stalled(): boolean {
    const last = this.statsNow.outages.at(-1);
    return last !== undefined && last.to === undefined;
  }

  /** Whole lines from `from`, at most a chunk (or one long line up to a message). */
  private readRun(from: number, size: number): Buffer {
    const want = Math.min(size - from, MAX_MESSAGE);
    const buf = Buffer.alloc(want);
    const n = readSync(this.fd!, buf, 0, want, from);
    const soft = buf.subarray(0, Math.min(n, CHUNK_BYTES));
    const cut = soft.lastIndexOf(0x0a);
    if (cut !== -1) return buf.subarray(0, cut + 1);
    const hard = buf.subarray(0, n).indexOf(0x0a);
    return hard === -1 ? Buffer.alloc(0) : buf.subarray(0, hard + 1);
  }

  private lineEnd(from: number, size: number): number {
    const buf = Buffer.alloc(64 * 1024);
    for (let at = from; at < size;) {
      const n = readSync(this.fd!, buf, 0, Math.min(buf.length, size - at), at);
      if (n <= 0) break;
      const nl = buf.subarray(0, n).indexOf(0x0a);
      if (nl !== -1) return at + nl + 1;
      at += n;
    }
    return size;
  }

  /** The backlog is over its limit: the oldest unsent events go, so that it is back under it. */
  private giveUpOldest(size: number): void {
    const to = this.lineEnd(size - this.backlogLimit, size);
    this.giveUp(
      this.srcDone,
      to,
      `the backlog passed ${this.backlogLimit} bytes while the server was unreachable`,
    );
  }

  private giveUpRest(reason: string): void {
    if (this.fd === undefined) return;
    const size = fstatSync(this.fd).size;
    if (size > this.srcDone) this.giveUp(this.srcDone, size, reason);
  }

  private giveUp(from: number, to: number, reason: string): void {
    if (to <= from) return;
    let events = 0;
    const buf = Buffer.alloc(1 << 20);
    for (let at = from; at < to;) {
      const n = readSync(this.fd!, buf, 0, Math.min(buf.length, to - at), at);
      if (n <= 0) break;
      events += countLines(buf.subarray(0, n));
      at += n;
    }
    this.srcDone = to;
    const last = this.statsNow.gaps.at(-1);
    // One gap per cause and outage, not one per pump turn.
    if (last && last.reason === reason && Date.now() - last.at < 60_000) {
      last.events += events;
      last.bytes += to - from;
    } else {
      this.statsNow.gaps.push({ at: Date.now(), events, bytes: to - from, reason });
      this.log(`publish: events not sent: ${reason} (counted; the report says how many)`);
    }
    this.statsNow.notSentEvents += events;
  }

  private async sendWithin(
    kind: MessageKind,
    data: Uint8Array,
    id: string,
    deadline: number,
    hurry: AbortSignal | undefined,
    h?: ReturnType<typeof natsHeaders>,
  ): Promise<boolean> {
    while (Date.now() < deadline && !hurry?.aborted) {
      if (this.js && (await this.send(kind, data, id, h))) return true;
      await sleepUnless(250, hurry);
    }
    return false;
  }

  private async send(
    kind: MessageKind,
    data: Uint8Array,
    id: string,
    h?: ReturnType<typeof natsHeaders>,
  ): Promise<boolean> {
    const sentAt = Date.now();
    try {
      await this.js!.publish(subjectOf(this.host, this.session, kind), data, {
        msgID: id,
        timeout: PUBLISH_TIMEOUT_MS,
        ...(h ? { headers: h } : {}),
      });
      this.closeOutage();
      return true;
    } catch (err) {
      // A publish made while the connection was down times out after it is back: no new outage.
      if (sentAt >= this.reconnectedAt) this.noteFailure(err as Error);
      return false;
    }
  }

  private noteFailure(err: Error): void {
    this.openOutage();
    const message = redactUrl(err.message);
    if (message !== this.lastError) {
      this.lastError = message;
      this.log(`publish to ${this.statsNow.url}: ${message} (events wait on disk)`);
    }
  }

  private openOutage(from = Date.now()): void {
    const last = this.statsNow.outages.at(-1);
    if (!last || last.to !== undefined) this.statsNow.outages.push({ from });
  }

  private closeOutage(): void {
    const last = this.statsNow.outages.at(-1);
    if (last && last.to === undefined) {
      last.to = Date.now();
      this.lastError = "";
      this.status({ kind: "outage", from: last.from, to: last.to });
    }
  }
}

function deadlineFrom(ms: number): number {
  return Date.now() + ms;
}

function countLines(buf: Uint8Array): number {
  let n = 0;
  for (let i = buf.indexOf(0x0a); i !== -1; i = buf.indexOf(0x0a, i + 1)) n++;
  return n;
}

/** One line for the terminal: where the session went and what did not. */
export function publishSummary(s: PublishStats): string {
  const parts = [`published ${s.sentEvents} event(s) to ${s.url} as ${s.host}/${s.session}`];
  if (s.notSentEvents > 0)
    parts.push(`${s.notSentEvents} NOT sent (${[...new Set(s.gaps.map((g) => g.reason))].join("; ")})`);
  const down = s.outages.reduce((n, o) => n + ((o.to ?? Date.now()) - o.from), 0);
  if (s.outages.length > 0)
    parts.push(`server unreachable ${s.outages.length} time(s), ${(down / 1000).toFixed(1)} s in all`);
  if (!s.complete) parts.push("the end of the session was not sent: a collector will mark it cut short");
  return parts.join("; ");
}
