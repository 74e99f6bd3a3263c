import { createHash } from "node:crypto";
import {
  closeSync,
  constants,
  fdatasyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, jetstream, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import { nanos } from "@nats-io/nats-core";
import { SessionStore } from "../session/store.js";
import { isProcessAlive } from "../session/terminate.js";
import { ShadowError, formatIssue } from "../util/result.js";
import { openNewFile } from "../util/safe-fs.js";
import { analyzeSession } from "../pipeline/analyze-session.js";
import { CollectState, type CollectedSession } from "./collect-state.js";
import { connectNats, ensureStream, redactUrl, type NatsTarget } from "./nats-connection.js";
import type { EndRecord, StartRecord } from "./publisher.js";
import { CHUNK_HEADER, OFFSET_HEADER, STREAM, SUBJECT_ROOT, parseSubject } from "./subjects.js";

export interface CollectOptions {
  target: NatsTarget;
  outDir: string;
  /** The durable consumer's name: collectors that share it share the work. */
  durable: string;
  /** A session with no end record and no message for this long is analysed as cut short. */
  sessionTimeoutMs: number;
  /** How long the server waits for an acknowledgement before it redelivers (a collector that died). */
  ackWaitMs: number;
  /** Exit once nothing arrived for this long and no session is waiting for its end (tests, scripts). */
  idleExitMs?: number;
  stop: AbortSignal;
  log: (line: string) => void;
}

export interface CollectResult {
  messages: number;
  analysed: number;
  cut: number;
}

/** Acknowledge no later than this after a write: the batch is synced to disk first. */
const FLUSH_MS = 100;

/**
 * Rebuilds each host's session dirs from the stream, under DIR/<host>/<session>/. Every write lands
 * at its byte offset in events.jsonl, so a message delivered twice (a restart, a lost ack) writes
 * the same bytes to the same place: the file holds every event exactly once however often it is
 * redelivered. The write is synced and recorded in collect.db before the message is acknowledged.
 */
export class Collector {
  private readonly state: CollectState;
  private readonly fds = new Map<string, number>();
  private readonly dirty = new Set<number>();
  private unacked: JsMsg[] = [];
  private batch: (() => void)[] = [];
  private readonly touched = new Set<string>();
  private lastMessageAt = Date.now();
  private readonly result: CollectResult = { messages: 0, analysed: 0, cut: 0 };
  private analysing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: CollectOptions) {
    this.state = new CollectState(path.join(opts.outDir, "collect.db"));
  }

  async run(): Promise<CollectResult> {
    const { opts } = this;
    const url = redactUrl(opts.target.url);
    let told = false;
    // A server that is not up yet is waited for; one that refuses who we are, or that we cannot
    // trust, will not change its mind: that ends the command at once.
    let refused: Error | undefined;
    const cancel = new AbortController();
    const onStop = () => cancel.abort();
    opts.stop.addEventListener("abort", onStop, { once: true });
    const nc = await connectNats(
      opts.target,
      `shadow-signals collect ${opts.durable}`,
      cancel.signal,
      (err) => {
        if (isPermanent(err)) {
          refused = err;
          cancel.abort();
        } else if (!told)
          opts.log(`waiting for ${url}: ${redactUrl(err.message)} (retrying every 0.5 s; Ctrl-C to stop)`);
        told = true;
      },
    ).finally(() => opts.stop.removeEventListener("abort", onStop));
    if (refused || !nc) this.state.close();
    if (refused) throw new ShadowError(`${url}: ${redactUrl((refused as Error).message)}`);
    if (!nc) return this.result;
    try {
      await this.recoverClaims();
      const messages = await this.subscribe(nc);
      opts.log(`collecting from ${url} (durable '${opts.durable}') into ${opts.outDir}`);
      const flusher = setInterval(() => this.flush(), FLUSH_MS);
      const sweeper = setInterval(() => this.sweep(messages), Math.min(1000, opts.sessionTimeoutMs / 4));
      const onStop = () => void messages.close();
      opts.stop.addEventListener("abort", onStop, { once: true });
      try {
        for await (const m of messages) this.take(m);
      } finally {
        clearInterval(flusher);
        clearInterval(sweeper);
        opts.stop.removeEventListener("abort", onStop);
        this.flush();
        await this.analysing;
      }
    } finally {
      // The last acknowledgements leave before the connection closes (one lost is redelivered: harmless).
      await nc.flush().catch(() => undefined);
      await nc.close().catch(() => undefined);
      for (const fd of this.fds.values()) closeSync(fd);
      this.state.close();
    }
    return this.result;
  }

  private async subscribe(nc: NatsConnection): Promise<ConsumerMessages> {
    const jsm = await ensureStream(nc);
    try {
      await jsm.consumers.info(STREAM, this.opts.durable);
    } catch {
      await jsm.consumers.add(STREAM, {
        durable_name: this.opts.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ack_wait: nanos(this.opts.ackWaitMs),
        max_ack_pending: 4096,
        filter_subject: `${SUBJECT_ROOT}.>`,
      });
    }
    const consumer = await jetstream(nc).consumers.get(STREAM, this.opts.durable);
    return consumer.consume({ max_messages: 512 });
  }

  /** One message: written (not yet synced) and recorded in the open batch; acknowledged at the flush. */
  private take(m: JsMsg): void {
    this.result.messages++;
    this.lastMessageAt = Date.now();
    const where = parseSubject(m.subject);
    if (!where) {
      this.opts.log(`ignored a message on ${m.subject}: not a shadow-signals subject`);
      m.term();
      return;
    }
    const { host, session, kind } = where;
    try {
      const at = Date.now();
      this.batch.push(() => this.state.touch(host, session, at));
      if (kind === "events") {
        const offset = Number(m.headers?.get(OFFSET_HEADER));
        if (!Number.isSafeInteger(offset) || offset < 0)
          throw new ShadowError("an events message without an offset");
        const fd = this.eventsFd(host, session);
        writeAll(fd, m.data, offset);
        this.dirty.add(fd);
        this.batch.push(() => this.state.addRange(host, session, offset, m.data.length));
      } else if (kind === "db") {
        const [idx, total] = (m.headers?.get(CHUNK_HEADER) ?? "").split("/").map(Number);
        if (!Number.isSafeInteger(idx) || !Number.isSafeInteger(total))
          throw new ShadowError("a db message without its chunk number");
        const data = Buffer.from(m.data);
        this.batch.push(() => this.state.addChunk(host, session, idx!, total!, data));
      } else {
        const value = JSON.parse(m.string()) as unknown;
        if (typeof value !== "object" || value === null)
          throw new ShadowError(`a ${kind} record that is not an object`);
        if (kind === "start") this.batch.push(() => this.state.setStart(host, session, value as StartRecord));
        else if (kind === "end") this.batch.push(() => this.state.setEnd(host, session, value as EndRecord));
        else this.batch.push(() => this.state.addStatus(host, session, value as Record<string, unknown>));
      }
      this.touched.add(`${host}/${session}`);
      this.unacked.push(m);
    } catch (err) {
      // A message we cannot use is said once and not redelivered for ever.
      this.opts.log(`${host}/${session}: ${kind} message ${m.seq} refused: ${(err as Error).message}`);
      m.term();
    }
  }

  /** Syncs the files, commits the batch, then acknowledges: a crash before this loses nothing. */
  private flush(): void {
    if (this.unacked.length === 0) return;
    for (const fd of this.dirty) fdatasyncSync(fd);
    this.dirty.clear();
    const steps = this.batch;
    this.batch = [];
    this.state.transaction(() => steps.forEach((s) => s()));
    for (const m of this.unacked) m.ack();
    this.unacked = [];
    for (const key of this.touched) {
      const [host, session] = key.split("/") as [string, string];
      this.maybeFinish(host, session);
    }
    this.touched.clear();
  }

  /** A session whose end, events and database have all arrived is analysed (by one collector). */
  private maybeFinish(host: string, session: string): void {
    const s = this.state.get(host, session);
    if (!s?.end || (s.state !== "open" && s.state !== "cut")) return;
    if (this.state.contiguousBytes(host, session) < s.end.streamBytes) return;
    if (!this.state.chunks(host, session, s.end.dbChunks)) return;
    if (!this.state.claim(host, session, ["open", "cut"], process.pid)) return;
    this.queueAnalysis(s, false);
  }

  /** Sessions that went quiet without their end are analysed as cut short; quiet overall may end the run. */
  private sweep(messages: ConsumerMessages): void {
    const now = Date.now();
    let waitingForEnd = 0;
    for (const s of this.state.openSessions()) {
      if (now - s.lastAt >= this.opts.sessionTimeoutMs) {
        if (this.state.claim(s.host, s.session, ["open"], process.pid)) this.queueAnalysis(s, true);
      } else waitingForEnd++;
    }
    const idle = this.opts.idleExitMs;
    if (
      idle !== undefined &&
      waitingForEnd === 0 &&
      now - this.lastMessageAt >= idle &&
      this.unacked.length === 0
    )
      void this.analysing.then(() => messages.close());
  }

  private async recoverClaims(): Promise<void> {
    for (const { host, session } of this.state.orphanedClaims(isProcessAlive)) {
      this.state.setState(host, session, "open");
      this.maybeFinish(host, session);
    }
  }

  private queueAnalysis(s: CollectedSession, cutShort: boolean): void {
    this.analysing = this.analysing.then(() => this.analyse(s, cutShort));
  }

  private async analyse(s: CollectedSession, cutShort: boolean): Promise<void> {
    const { host, session } = s;
    const dir = this.sessionDir(host, session);
    try {
      this.flush();
      const bytes = cutShort ? this.state.contiguousBytes(host, session) : s.end!.streamBytes;
      // The file holds exactly what was published, in order: nothing past the last whole range.
      ftruncateSync(this.eventsFd(host, session), bytes);
      const dbFile = path.join(dir, "session.db");
      if (cutShort) writeCutShortDb(dbFile, s);
      else this.writeDb(dbFile, s);
      const model = await analyzeSession(dir, (i) =>
        this.opts.log(`${host}/${session}: warning: ${formatIssue(i)}`),
      );
      this.state.setState(host, session, cutShort ? "cut" : "analysed");
      if (!cutShort) this.state.dropChunks(host, session);
      if (cutShort) this.result.cut++;
      else this.result.analysed++;
      this.opts.log(
        `${host}/${session}: ${cutShort ? "cut short (no end record), analysed" : "analysed"}: ` +
          `${model.events} events, ${model.findings.length} finding(s) -> ${path.join(dir, "report.md")}`,
      );
    } catch (err) {
      this.state.setState(host, session, "open");
      this.opts.log(`${host}/${session}: analysis failed: ${(err as Error).message}`);
    }
  }

  private writeDb(dbFile: string, s: CollectedSession): void {
    const chunks = this.state.chunks(s.host, s.session, s.end!.dbChunks)!;
    const db = Buffer.concat(chunks);
    const sha = createHash("sha256").update(db).digest("hex");
    if (sha !== s.end!.dbSha256) throw new ShadowError("session.db arrived damaged (its sha256 differs)");
    replaceBytes(dbFile, db);
  }

  private sessionDir(host: string, session: string): string {
    const hostDir = ownSubdir(this.opts.outDir, host);
    return ownSubdir(hostDir, session);
  }

  private eventsFd(host: string, session: string): number {
    const key = `${host}/${session}`;
    let fd = this.fds.get(key);
    if (fd === undefined) {
      const file = path.join(this.sessionDir(host, session), "events.jsonl");
      fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
      this.fds.set(key, fd);
    }
    return fd;
  }
}

/** A dir under one of ours, made 0700; an existing one must be a real dir of ours, not a link. */
function ownSubdir(parent: string, name: string): string {
  const dir = path.join(parent, name);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== process.geteuid?.())
      throw new ShadowError(`${dir} exists and is not a dir of ours`);
  }
  return dir;
}

function writeAll(fd: number, data: Uint8Array, offset: number): void {
  for (let done = 0; done < data.length;)
    done += writeSync(fd, data, done, data.length - done, offset + done);
}

function replaceBytes(file: string, data: Uint8Array): void {
  const tmp = `${file}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const fd = openNewFile(tmp);
  try {
    writeAll(fd, data, 0);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** A session that never sent its end: session.db from its start record, with no end (the report says cut short). */
function writeCutShortDb(dbFile: string, s: CollectedSession): void {
  const tmp = `${dbFile}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  const store = SessionStore.create(tmp);
  const start = s.start;
  store.setMeta("target", start?.target ?? { kind: "command", label: `${s.host}/${s.session}` });
  store.setMeta("started", start?.started ?? s.lastAt);
  if (start) {
    store.setMeta("released", start.released);
    store.setMeta("rootPid", start.rootPid);
    store.setMeta("durationMs", start.durationMs);
  }
  store.setMeta("collected", { host: s.host, session: s.session, cutShort: true, statuses: s.statuses });
  store.close();
  renameSync(tmp, dbFile);
}

/** Errors that retrying cannot cure: credentials refused, a certificate we cannot verify. */
function isPermanent(err: Error): boolean {
  return /authori[sz]ation|authentication|certificate|altnames|self.signed/i.test(err.message);
}
