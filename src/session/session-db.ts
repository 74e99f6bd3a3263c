import Database from "better-sqlite3";
import type { Artifact } from "./artifacts.js";
import type { ProcessRecord } from "./process-table.js";
import type { SensorSummary } from "./recorder.js";
import type { SensorConfinement, TargetInfo } from "./target.js";
import type { KernelUsage } from "./usage.js";
import type { DriftSummary } from "../model/drift.js";
import type { PublishStats } from "../fleet/publisher.js";
import type { EventPartsSummary } from "./rotating-jsonl.js";
import { ShadowError } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";

/** What session.db holds about a session, read once. Optional fields are absent in a cut session. */
export interface SessionMeta {
  target: TargetInfo;
  sensors: SensorSummary[] | undefined;
  /** The newest process of each pid. */
  processes: Map<number, ProcessRecord>;
  /** Processes whose pid the kernel gave again to a later one (their earlier generations). */
  earlierGenerations: ProcessRecord[];
  artifacts: Map<string, Artifact>;
  started: number;
  /** Absent when the recorder never finished: the session was cut short (we were killed). */
  ended: number | undefined;
  rootPid: number | undefined;
  releasedAt: number | undefined;
  stopRequestedAt: number | undefined;
  /** When a sensor's death changed the target (strace's seccomp filter), and which sensor. */
  disturbed: { at: number; by: string; reason: string } | undefined;
  /** The user asked to keep the raw strace log (it holds write payloads). */
  keepRaw: boolean;
  durationMs: number | undefined;
  sensorConfinement: SensorConfinement | undefined;
  /** How the process we launched ended (the target, or strace in front of it), if it did. */
  launchExit: { at: number; code?: number; signal?: string } | undefined;
  /** When the last process of a cgroup target was gone (observe --cgroup, --unit, --container). */
  membersGone: number | undefined;
  /** The signal that stopped the session (a Ctrl-C), and when our handler ran. */
  stopSignal: { signal: string; at: number } | undefined;
  /** Where the session was recorded (on its own host): what the target wrote there is ours. */
  outDir: string | undefined;
  /** What `--publish` did: events sent and not sent, the server's outages. */
  publish: PublishStats | undefined;
  /** Rebuilt by `collect` from the bus: which host and session; `cutShort` when its end never came. */
  collected: { host: string; session: string; cutShort: boolean } | undefined;
  /** What the tree asked of the kernel, per sensor that counted it (for `harden`). */
  usage: KernelUsage[];
  /** What `watch` found departing from its baseline. */
  drift: DriftSummary | undefined;
  /** How a long session's events were rotated, and what a disk bound dropped. */
  eventParts: EventPartsSummary | undefined;
}

/** Reads session.db read-only; any SQLite error names the file. */
export function readSessionDb(file: string): SessionMeta {
  assertRegularFile(file);
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const meta = <T>(key: string): T | undefined => {
      const row = db!.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
        { value: string } | undefined;
      return row ? (JSON.parse(row.value) as T) : undefined;
    };
    const rows = <T>(table: string) =>
      (db!.prepare(`SELECT json FROM ${table}`).all() as { json: string }[]).map(
        (r) => JSON.parse(r.json) as T,
      );
    // Oldest generation first, so that the newest of each pid is the one the map keeps.
    const records = rows<ProcessRecord>("processes").sort((a, b) => (a.gen ?? 0) - (b.gen ?? 0));
    const processes = new Map(records.map((p) => [p.pid, p]));
    return {
      target: meta<TargetInfo>("target") ?? { kind: "import", label: file },
      sensors: meta<SensorSummary[]>("sensors"),
      processes,
      earlierGenerations: records.filter((p) => processes.get(p.pid) !== p),
      artifacts: new Map(rows<Artifact>("artifacts").map((a) => [a.path, a])),
      started: meta<number>("started") ?? 0,
      ended: meta<number>("ended"),
      rootPid: meta<number>("rootPid"),
      releasedAt: meta<number>("released"),
      stopRequestedAt: meta<number>("stopRequested"),
      disturbed: meta("disturbed"),
      keepRaw: meta<boolean>("keepRaw") === true,
      durationMs: meta<number>("durationMs"),
      sensorConfinement: meta("sensorConfinement"),
      launchExit: meta("launchExit"),
      membersGone: meta("membersGone"),
      usage: meta<KernelUsage[]>("usage") ?? [],
      stopSignal: meta("stopSignal"),
      publish: meta("publish"),
      outDir: meta<string>("outDir"),
      collected: meta("collected"),
      drift: meta("drift"),
      eventParts: meta("eventParts"),
    };
  } catch (err) {
    if (err instanceof ShadowError) throw err;
    throw new ShadowError(`${file}: cannot read the session database: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    db?.close();
  }
}
