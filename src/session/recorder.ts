import path from "node:path";
import type { RawEvent, ShadowEvent } from "../events/schema.js";
import { redactArgv } from "../secrets/redact.js";
import type { SensorStats } from "../sensors/sensor.js";
import { ArtifactCollector, type Artifact } from "./artifacts.js";
import { BoundedQueue } from "./bounded-queue.js";
import { JsonlWriter } from "./jsonl.js";
import { RotatingJsonlWriter, type RotationOptions } from "./rotating-jsonl.js";
import { ProcessTable } from "./process-table.js";
import { SessionStore } from "./store.js";
import type { TargetInfo } from "./target.js";
import { TreeSet } from "./tree.js";
import type { CgroupScope } from "../targets/target.js";

export interface SensorSummary {
  name: string;
  status: string;
  reason: string;
  events: number;
  dropped: number;
  errors: number;
  /** When a failed sensor died (epoch ms): its view is missing from then on. */
  failedAt?: number;
  /** Its death changed the target (strace's seccomp filter): later events are not the target's own. */
  disturbedTarget?: boolean;
}

const WRITE_FLAGS = /O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/;

/** Events a recorder holds before the sensors' next ones are dropped (and counted). */
export const QUEUE_EVENTS = 200_000;

/**
 * Turns the sensors' events into a session: stamps the sequence, buffers them in a bounded queue,
 * writes events.jsonl and session.db in batches, keeps the process table and captures artifacts.
 * `live` sessions also read /proc and the files as events arrive; imports only record.
 */
export class Recorder {
  readonly queue: BoundedQueue<ShadowEvent>;
  readonly processes: ProcessTable;
  readonly artifacts: ArtifactCollector;
  readonly store: SessionStore;
  /** A live session's events rotate by size when asked; an import's are one file. */
  private readonly jsonl: JsonlWriter | RotatingJsonlWriter;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  tree: TreeSet | undefined;
  /** Sees every event as it is recorded (single-pass analysis of an import). */
  tap: ((e: ShadowEvent) => void) | undefined;

  constructor(
    readonly outDir: string,
    readonly target: TargetInfo,
    private readonly live: boolean,
    rotation?: RotationOptions,
    /** A survey's recorders share one budget: each holds its share. */
    queueEvents = QUEUE_EVENTS,
  ) {
    this.queue = new BoundedQueue<ShadowEvent>(queueEvents);
    this.store = SessionStore.create(path.join(outDir, "session.db"));
    this.artifacts = new ArtifactCollector({
      save: (a) => this.store.putJson("artifacts", a.path, a),
      load: (p) => this.store.getJson<Artifact>("artifacts", p),
    });
    // A live session holds /proc snapshots (kBs a process): ended processes go to session.db, so
    // that memory stays flat however long the session runs. An import keeps its small records,
    // which its single-pass analysis reads at the end.
    const store = this.store;
    this.processes = new ProcessTable(
      live
        ? {
            save: (r) => store.putProcess(r),
            load: (pid) => store.newestProcess(pid),
          }
        : undefined,
    );
    this.jsonl = rotation
      ? new RotatingJsonlWriter(outDir, rotation)
      : new JsonlWriter(path.join(outDir, "events.jsonl"));
    this.store.setMeta("target", target);
    this.store.setMeta("started", Date.now());
  }

  observe(rootPid: number, marker?: string, scope?: CgroupScope): TreeSet {
    this.tree = new TreeSet(rootPid, marker, scope);
    if (this.live) this.processes.snapshot(rootPid);
    return this.tree;
  }

  start(): void {
    this.timer = setInterval(() => this.flush(), 100);
  }

  readonly emit = (raw: RawEvent): void => {
    let event = { ...raw, seq: ++this.seq } as ShadowEvent;
    // Every sensor's command lines pass here, and every output is made from what passes here.
    if (event.kind === "exec") event = { ...event, argv: redactArgv(event.argv) };
    if (!this.queue.push(event, raw.sensor)) return;
    if (this.live) this.onLiveEvent(event);
    this.tap?.(event);
  };

  /**
   * Children forked in the events being handled now, not yet read in /proc. A fork is most often
   * followed at once by an exec, and the exec's snapshot is the one that says what runs: when both
   * arrive together (the eBPF sensor sends them so), the child is read once, not twice. Taken
   * before the next turn of the event loop otherwise.
   */
  private readonly forkedUnread = new Set<number>();

  private readForked = (): void => {
    for (const pid of this.forkedUnread) this.processes.snapshot(pid);
    this.forkedUnread.clear();
  };

  /** Runs as the event arrives, so that short-lived processes and files are read before they go. */
  private onLiveEvent(e: ShadowEvent): void {
    if (e.kind === "fork" && !e.err) {
      this.tree?.add(e.child, e.pid);
      if (this.forkedUnread.size === 0) setImmediate(this.readForked);
      this.forkedUnread.add(e.child);
    } else if (e.kind === "exit") {
      this.tree?.exited(e.pid, Date.now());
    } else if (e.kind === "exec" && !e.err) {
      this.tree?.add(e.pid);
      this.forkedUnread.delete(e.pid);
      this.processes.snapshot(e.pid);
    } else if (e.kind === "open" && !e.err && e.flags.some((f) => WRITE_FLAGS.test(f))) {
      this.artifacts.baseline(e.path);
      this.artifacts.touched(e.path);
    } else if ((e.kind === "write" || e.kind === "chmod" || e.kind === "chown") && !e.err) {
      this.artifacts.touched(e.path);
    } else if (e.kind === "rename" && !e.err) {
      this.artifacts.touched(e.to);
    }
  }

  private recordLifecycle(e: ShadowEvent): void {
    const r = this.processes.get(e.pid);
    r.comm ??= e.comm;
    if (e.ppid !== undefined) r.ppid ??= e.ppid;
    if (e.kind === "exec" && !e.err) r.comm = e.comm;
    else if (e.kind === "fork" && !e.err) {
      const child = this.processes.born(e.child, e.ts);
      child.ppid ??= e.pid;
      child.started ??= e.ts;
    } else if (e.kind === "exit") {
      r.ended ??= e.ts;
      if (e.code !== undefined) r.exitCode = e.code;
      if (e.signal !== undefined) r.exitSignal = e.signal;
    } else if (e.kind === "reparent")
      (r.reparented ??= []).push({ at: e.ts, to: e.to, ...(e.from !== undefined ? { from: e.from } : {}) });
  }

  /** Events by sensor, then kind: no key string made per event (an import counts millions). */
  private readonly kindCounts = new Map<string, Map<string, number>>();
  private pendingLines = "";

  private account(e: ShadowEvent): void {
    this.recordLifecycle(e);
    let kinds = this.kindCounts.get(e.sensor);
    if (!kinds) this.kindCounts.set(e.sensor, (kinds = new Map()));
    kinds.set(e.kind, (kinds.get(e.kind) ?? 0) + 1);
  }

  /**
   * Records an event from a validated (and redacted) events.jsonl as is, sequence number included;
   * its line comes with its chunk's, through importLines: no copy and no re-serialisation, which
   * would cost more than the analysis of it.
   */
  importEvent(e: ShadowEvent): void {
    if (e.seq > this.seq) this.seq = e.seq;
    this.account(e);
    this.tap?.(e);
  }

  /** The lines of the events imported since the last call, as readJsonl hands them over. */
  importLines(lines: string | Uint8Array): void {
    if (!(this.jsonl instanceof JsonlWriter)) throw new Error("an import's events are not rotated");
    if (typeof lines === "string") this.pendingLines += lines;
    else {
      this.jsonl.writeLines(this.pendingLines);
      this.pendingLines = "";
      this.jsonl.writeLines(lines);
    }
    if (this.pendingLines.length > 1 << 20) this.flush();
  }

  private lastSpill = 0;

  flush(): void {
    // Late events for a process (a slower sensor's exit, the last scan) come within seconds.
    if (this.live && Date.now() - this.lastSpill > 1000) {
      this.lastSpill = Date.now();
      this.processes.spillEnded(this.lastSpill - 10_000);
      this.tree?.sweep(this.lastSpill);
    }
    if (this.pendingLines) (this.jsonl as JsonlWriter).writeLines(this.pendingLines);
    this.pendingLines = "";
    const batch = this.queue.drain();
    for (const e of batch) this.account(e);
    this.jsonl.write(batch);
  }

  /** Waits for the rotated parts being compressed (before finish, so that they end compressed). */
  async settle(): Promise<void> {
    if (this.jsonl instanceof RotatingJsonlWriter) await this.jsonl.settle();
  }

  /** Final flush; records sensors, processes and artifacts; closes the files. */
  finish(sensors: SensorSummary[]): SensorSummary[] {
    clearInterval(this.timer);
    this.readForked();
    this.flush();
    this.artifacts.flush();
    const withDrops = sensors.map((s) => ({ ...s, dropped: s.dropped + this.queue.dropped(s.name) }));
    for (const s of withDrops) this.store.setSensor(s.name, s);
    for (const r of this.processes.retired) this.store.putProcess(r);
    for (const r of this.processes.records.values()) this.store.putProcess(r);
    this.store.setMeta("ended", Date.now());
    this.store.setMeta("sensors", withDrops);
    this.store.setMeta("events", this.seq);
    if (this.jsonl instanceof RotatingJsonlWriter) this.store.setMeta("eventParts", this.jsonl.summary());
    const counts = new Map<string, number>();
    for (const [sensor, kinds] of this.kindCounts)
      for (const [kind, n] of kinds) counts.set(`${sensor}\0${kind}`, n);
    this.store.setEventCounts(counts);
    this.jsonl.close();
    this.store.close();
    return withDrops;
  }
}

export function summarize(name: string, stats: SensorStats, reason: string): SensorSummary {
  return {
    name,
    status: stats.status,
    reason: stats.detail ?? reason,
    events: stats.events,
    dropped: stats.dropped,
    errors: stats.errors,
  };
}
