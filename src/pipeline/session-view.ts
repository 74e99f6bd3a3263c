import type { ShadowEvent } from "../events/schema.js";
import type { Finding } from "../model/finding.js";
import type { ProcessNode, Rhythm, SessionView, Shade, TimelineMark } from "../model/session-view.js";
import type { ProcessRecord } from "../session/process-table.js";
import type { SensorSummary } from "../session/recorder.js";

/** Buckets on the time axis: fine enough to zoom into, small enough for any session. */
const BUCKETS = 1200;
/** Marks drawn one by one (execs, connects, signals...); beyond this only the lanes' counts. */
const MAX_MARKS = 4000;
const MARKED = new Set(["exec", "connect", "accept", "signal", "reparent", "setsid", "comm", "cred", "ns"]);
/** Lanes: what the eye separates in a daemon's life. */
const LANE: Record<string, string> = {
  exec: "exec",
  fork: "process",
  exit: "process",
  setsid: "process",
  comm: "process",
  reparent: "process",
  cred: "privilege",
  ns: "privilege",
  open: "files",
  write: "files",
  rename: "files",
  unlink: "files",
  chmod: "files",
  chown: "files",
  connect: "network",
  bind: "network",
  listen: "network",
  accept: "triggers",
  signal: "triggers",
  gap: "sensors",
};

/** Fine buckets kept while the stream flows; their width doubles whenever time outgrows them. */
const FINE = 4800;

/**
 * Counts per lane over time in fixed memory, whatever the session's length and without knowing
 * its end: buckets start 10 ms wide from the first event and merge pairwise when time outgrows them.
 */
class AdaptiveHistogram {
  private anchor: number | undefined;
  private width = 10;
  readonly lanes = new Map<string, Float64Array>();
  lo = Infinity;
  hi = -Infinity;

  add(ts: number, lane: string): void {
    if (!Number.isFinite(ts)) return;
    this.anchor ??= ts;
    if (ts < this.lo) this.lo = ts;
    if (ts > this.hi) this.hi = ts;
    let i = Math.max(0, Math.floor((ts - this.anchor) / this.width));
    while (i >= FINE) {
      this.width *= 2;
      for (const c of this.lanes.values()) {
        for (let j = 0; j < FINE / 2; j++) c[j] = c[2 * j]! + c[2 * j + 1]!;
        c.fill(0, FINE / 2);
      }
      i = Math.floor((ts - this.anchor) / this.width);
    }
    let counts = this.lanes.get(lane);
    if (!counts) this.lanes.set(lane, (counts = new Float64Array(FINE)));
    counts[i]!++;
  }

  /** The counts re-binned into `n` buckets over [start, end]. */
  rebin(start: number, end: number, n: number): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const w = (end - start) / n;
    for (const [lane, c] of this.lanes) {
      const r = new Array<number>(n).fill(0);
      for (let j = 0; j < FINE; j++) {
        if (!c[j]) continue;
        const mid = this.anchor! + (j + 0.5) * this.width;
        r[Math.min(n - 1, Math.max(0, Math.floor((mid - start) / w)))]! += c[j]!;
      }
      out.set(lane, r);
    }
    return out;
  }
}

/**
 * Folds the event stream into the tree and the timeline as it flows (one pass, shared with the
 * detectors), in bounded memory whatever the session's size.
 */
export class SessionViewBuilder {
  private readonly histogram = new AdaptiveHistogram();
  private readonly marks: TimelineMark[] = [];
  private readonly comms = new Map<number, string>();

  constructor(
    private readonly start: number,
    private readonly end: number,
  ) {}

  readonly observe = (e: ShadowEvent): void => {
    if (e.kind === "comm") this.comms.set(e.pid, e.name);
    const lane = LANE[e.kind] ?? "other";
    this.histogram.add(e.ts, lane);
    if (MARKED.has(e.kind) && this.marks.length < MAX_MARKS) {
      if (e.kind === "signal" && e.signal === "SIGCHLD") return; // every child's end: noise here
      this.marks.push({ ts: e.ts, pid: e.pid, lane, label: markLabel(e) });
    }
  };

  finish(
    processes: Map<number, ProcessRecord>,
    rootPid: number | undefined,
    findings: Finding[],
    sensors: SensorSummary[],
    window: { released?: number; stopRequested?: number },
  ): SessionView {
    // An import has no session bounds: the events' own.
    const h = this.histogram;
    const start = this.start || (Number.isFinite(h.lo) ? h.lo : 0);
    const end = Math.max(this.end || (Number.isFinite(h.hi) ? h.hi : 0), start + 1);
    const cited = new Map<number, Set<string>>();
    for (const f of findings)
      for (const ev of f.evidence) {
        const set = cited.get(ev.pid) ?? new Set<string>();
        set.add(f.behavior);
        cited.set(ev.pid, set);
      }
    const nodes: ProcessNode[] = [];
    for (const r of processes.values()) {
      const first = r.snapshots[0];
      const last = r.snapshots.at(-1);
      const parent = r.ppid !== undefined ? processes.get(r.ppid)?.snapshots.at(-1) : undefined;
      nodes.push({
        pid: r.pid,
        ...(r.ppid !== undefined ? { ppid: r.ppid } : {}),
        ...nameOf(this.comms.get(r.pid) ?? last?.comm ?? r.comm, last?.cmdline[0]),
        ...(last?.exe ? { exe: last.exe } : {}),
        ...(last?.cmdline.length ? { argv: last.cmdline } : {}),
        ...(last ? { uid: last.uid, capEff: last.capEff } : {}),
        ...(last && parent ? { capsChanged: last.capEff !== parent.capEff } : {}),
        ...(r.started !== undefined ? { started: r.started } : {}),
        ...(r.ended !== undefined ? { ended: r.ended } : {}),
        ...(r.exitCode !== undefined
          ? { exit: `status ${r.exitCode}` }
          : r.exitSignal
            ? { exit: r.exitSignal }
            : {}),
        detached:
          (r.reparented?.length ?? 0) > 0 ||
          (first !== undefined && first.sid === r.pid && r.pid !== rootPid),
        findings: [...(cited.get(r.pid) ?? [])],
      });
    }
    const shades: Shade[] = [];
    if (window.released && window.released > start)
      shades.push({
        from: start,
        to: window.released,
        label: "sensors starting; target held at the gate",
        kind: "startup",
      });
    if (window.stopRequested && window.stopRequested < end)
      shades.push({ from: window.stopRequested, to: end, label: "stop requested: shutdown", kind: "stop" });
    for (const s of sensors) {
      if (s.failedAt)
        shades.push({ from: s.failedAt, to: end, label: `${s.name} failed: ${s.reason}`, kind: "failure" });
      if (s.dropped > 0)
        shades.push({
          from: start,
          to: end,
          label: `${s.name} dropped ${s.dropped} event(s)`,
          kind: "drops",
        });
    }
    return {
      processes: nodes,
      ...(rootPid !== undefined ? { rootPid } : {}),
      timeline: {
        start,
        end,
        bucketMs: (end - start) / BUCKETS,
        lanes: [...h.rebin(start, end, BUCKETS)]
          .map(([name, counts]) => ({ name, counts }))
          .sort((a, b) => laneOrder(a.name) - laneOrder(b.name)),
        marks: this.marks,
        shades,
        rhythms: rhythms(findings),
      },
    };
  }
}

/**
 * The name a process shows: its comm, or the whole argv[0] when the comm is its 15-byte cut (a
 * process that renamed itself `[kworker/u8:3-imd]` shows `[kworker/u8:3-i` in comm).
 */
function nameOf(comm: string | undefined, argv0: string | undefined): { comm?: string } {
  if (!comm) return {};
  return { comm: argv0 && comm.length >= 15 && argv0.startsWith(comm) ? argv0 : comm };
}

const ORDER = ["exec", "process", "privilege", "files", "network", "triggers", "sensors", "other"];
const laneOrder = (n: string) => ORDER.indexOf(n);

function markLabel(e: ShadowEvent): string {
  switch (e.kind) {
    case "exec":
      return `exec ${e.path}${e.err ? ` (${e.err})` : ""}`;
    case "connect":
    case "accept":
      return `${e.kind} ${e.unixPath ?? `${e.address ?? "?"}:${e.port ?? "?"}`}`;
    case "signal":
      return `${e.signal}${e.fromPid ? ` from ${e.fromPid}` : ""}`;
    case "comm":
      return `renamed to ${e.name}`;
    case "reparent":
      return `reparented to ${e.to}`;
    case "cred":
    case "ns":
      return `${e.syscall}${e.err ? ` (${e.err})` : ""}`;
    default:
      return e.kind;
  }
}

/** The periodic finding's rhythms, with the beats its detector measured. */
function rhythms(findings: Finding[]): Rhythm[] {
  return findings.find((x) => x.behavior === "periodic-autonomous-activity")?.rhythms ?? [];
}
