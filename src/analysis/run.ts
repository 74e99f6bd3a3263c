import Database from "better-sqlite3";
import { writeFileSync } from "node:fs";
import path from "node:path";
import type { Artifact } from "../session/artifacts.js";
import { readJsonl } from "../session/jsonl.js";
import { importFile } from "../session/import.js";
import type { ProcessRecord } from "../session/process-table.js";
import type { SensorSummary } from "../session/recorder.js";
import type { TargetInfo } from "../session/target.js";
import { renderJson } from "../report/json.js";
import { renderMarkdown } from "../report/markdown.js";
import type { ReportModel } from "../report/report-model.js";
import type { Issue } from "../util/result.js";
import { Analyzer } from "./analyzer.js";
import { makePaths } from "./context.js";
import { BEHAVIOR_IDS } from "./detectors/index.js";

const BLIND: Record<string, string> = {
  procfs: "procfs alone cannot see syscalls, failed calls, short-lived processes or file writes",
  ptrace: "ptrace sees the traced tree only",
};

/** Analyses a session out dir (events.jsonl + session.db) and writes report.md and report.json. */
export async function analyzeSession(
  outDir: string,
  warn: (i: Issue) => void = () => undefined,
): Promise<ReportModel> {
  const db = new Database(path.join(outDir, "session.db"), { readonly: true, fileMustExist: true });
  const meta = <T>(key: string): T | undefined => {
    const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  };
  const rows = <T>(table: string) =>
    (db.prepare(`SELECT json FROM ${table}`).all() as { json: string }[]).map((r) => JSON.parse(r.json) as T);
  const target = meta<TargetInfo>("target") ?? { kind: "import", label: outDir };
  const sensors = meta<SensorSummary[]>("sensors") ?? [];
  const processes = new Map(rows<ProcessRecord>("processes").map((p) => [p.pid, p]));
  const artifacts = new Map(rows<Artifact>("artifacts").map((a) => [a.path, a]));
  const started = meta<number>("started") ?? 0;
  const ended = meta<number>("ended") ?? 0;
  const rootPid = meta<number>("rootPid");
  const stopRequestedAt = meta<number>("stopRequested");
  const releasedAt = meta<number>("released");
  db.close();
  const live = target.kind !== "import";
  const analyzer = new Analyzer({
    target,
    rootPid,
    processes,
    artifacts,
    sensors,
    paths: makePaths(target),
    startedAt: live ? started : 0,
    endedAt: live ? ended : 0,
    steadyFrom: undefined,
    stopRequestedAt,
    releasedAt,
    live,
  });
  await readJsonl(path.join(outDir, "events.jsonl"), analyzer.observe, warn);
  return writeReportFiles(outDir, analyzer, {
    target,
    sensors,
    processes: processes.size,
    started,
    ended,
    live,
    ...(releasedAt !== undefined && stopRequestedAt !== undefined
      ? { window: { released: releasedAt, stopRequested: stopRequestedAt } }
      : {}),
  });
}

/** Runs the detectors' final pass and writes report.md and report.json. */
export function writeReportFiles(
  outDir: string,
  analyzer: Analyzer,
  s: {
    target: TargetInfo;
    sensors: SensorSummary[];
    processes: number;
    started: number;
    ended: number;
    live: boolean;
    window?: ReportModel["window"];
  },
): ReportModel {
  const findings = analyzer.finish();
  const found = new Set(findings.map((f) => f.behavior));
  const inUse = s.sensors.filter((x) => x.status !== "unavailable").map((x) => x.name);
  const note =
    inUse.length === 1 && BLIND[inUse[0]!]
      ? `not observed; note that ${BLIND[inUse[0]!]}.`
      : "not observed by the sensors in use.";
  const model: ReportModel = {
    target: s.target,
    started: s.live ? s.started : analyzer.firstTs,
    ended: s.live ? s.ended : analyzer.lastTs,
    ...(s.window ? { window: s.window } : {}),
    sensors: s.sensors,
    events: analyzer.events,
    processes: s.processes,
    findings,
    notFound: BEHAVIOR_IDS.filter((b) => !found.has(b)).map((behavior) => ({ behavior, note })),
  };
  writeFileSync(path.join(outDir, "report.md"), renderMarkdown(model));
  writeFileSync(path.join(outDir, "report.json"), renderJson(model));
  return model;
}

/**
 * `analyze FILE` in one pass: each event is validated, written to the new session and handed to
 * the detectors as it is read, so the input is parsed once.
 */
export async function importAndAnalyze(
  input: string,
  outDir: string,
  warn: (i: Issue) => void,
  root?: string,
  onProgress?: (events: number) => void,
): Promise<{ model: ReportModel; format: string; imported: number }> {
  const target: TargetInfo = { kind: "import", label: input, input, ...(root ? { root } : {}) };
  const processes = new Map<number, ProcessRecord>();
  const analyzer = new Analyzer({
    target,
    rootPid: undefined,
    processes,
    artifacts: new Map(),
    sensors: [],
    paths: makePaths(target),
    startedAt: 0,
    endedAt: 0,
    steadyFrom: undefined,
    stopRequestedAt: undefined,
    releasedAt: undefined,
    live: false,
  });
  const timer = onProgress ? setInterval(() => onProgress(analyzer.events), 500) : undefined;
  const { events, format, processTable } = await importFile(input, outDir, warn, analyzer.observe).finally(
    () => clearInterval(timer),
  );
  for (const [pid, r] of processTable) processes.set(pid, r);
  const model = writeReportFiles(outDir, analyzer, {
    target,
    sensors: [],
    processes: processes.size,
    started: 0,
    ended: 0,
    live: false,
  });
  return { model, format, imported: events };
}
