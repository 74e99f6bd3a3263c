import { existsSync, rmSync } from "node:fs";
import path from "node:path";
import { importFile } from "../session/import.js";
import type { ProcessRecord } from "../session/process-table.js";
import type { SensorSummary } from "../session/recorder.js";
import type { SessionMeta } from "../session/session-db.js";
import { openSession } from "../session/session-reader.js";
import type { TargetInfo } from "../session/target.js";
import type { KernelUsage } from "../session/usage.js";
import { ShadowError } from "../util/result.js";
import { replaceFile } from "../util/safe-fs.js";
import { RENDERERS } from "../report/renderers.js";
import type { ReportModel } from "../model/report-model.js";
import type { Issue } from "../util/result.js";
import { Analyzer } from "../analysis/analyzer.js";
import { makePaths } from "../analysis/context.js";
import { BEHAVIOR_IDS, behaviorTexts } from "../analysis/detectors/index.js";
import { SessionViewBuilder } from "./session-view.js";

const BLIND: Record<string, string> = {
  procfs: "procfs alone cannot see syscalls, failed calls, short-lived processes or file writes",
  ptrace: "ptrace sees the traced tree only",
};

/** Analyses a session out dir (events.jsonl + session.db) and writes report.md and report.json. */
export async function analyzeSession(
  outDir: string,
  warn: (i: Issue) => void = () => undefined,
): Promise<ReportModel> {
  const session = openSession(outDir);
  const s = session.meta;
  const { target, processes, artifacts, started, rootPid, stopRequestedAt, releasedAt } = s;
  // A session whose recorder never finished (we were killed) has no end and no sensor summary.
  const sensors = s.sensors ?? [];
  const live = target.kind !== "import";
  const analyzer = new Analyzer(
    {
      target,
      rootPid,
      processes,
      artifacts,
      sensors,
      paths: makePaths(target),
      startedAt: live ? started : 0,
      endedAt: live ? (s.ended ?? 0) : 0,
      steadyFrom: undefined,
      stopRequestedAt,
      releasedAt,
      disturbed: s.disturbed,
      sensorConfinement: s.sensorConfinement,
      live,
    },
    s.earlierGenerations,
  );
  const view = new SessionViewBuilder(live ? started : 0, live ? (s.ended ?? 0) : 0);
  await session.events((e) => {
    analyzer.observe(e);
    view.observe(e);
  }, warn);
  const cutShort = live && s.ended === undefined;
  // A session cut short (we were killed) left its raw strace log, which holds write payloads.
  const rawLog = path.join(outDir, "raw", "strace.log");
  if (!s.keepRaw && existsSync(rawLog)) {
    rmSync(rawLog, { force: true });
    warn({
      code: "raw_log_removed",
      message: `removed ${rawLog} left by a cut session (it held write payloads)`,
    });
  }
  const lastEvent = Number.isFinite(analyzer.lastTs) && analyzer.lastTs > 0 ? analyzer.lastTs : started;
  const ended = cutShort ? Math.max(lastEvent, started) : (s.ended ?? 0);
  return writeReportFiles(outDir, analyzer, view, {
    target,
    sensors,
    usage: s.usage,
    processes,
    earlierProcesses: s.earlierGenerations.length,
    rootPid,
    started,
    ended,
    live,
    ...(cutShort
      ? {
          cutShort: {
            lastEventAt: lastEvent,
            ...(s.collected?.cutShort
              ? { why: `collected from the fleet's bus, and its end never came (host ${s.collected.host})` }
              : {}),
          },
        }
      : {}),
    ...(s.disturbed ? { disturbed: s.disturbed } : {}),
    ...(s.publish ? { publish: s.publish } : {}),
    ...(s.drift ? { drift: s.drift } : {}),
    ...(s.eventParts?.dropped
      ? {
          eventsDropped: {
            parts: s.eventParts.dropped.parts,
            events: s.eventParts.dropped.events,
            bytes: s.eventParts.dropped.bytes,
            untilAt: s.eventParts.dropped.lastTs,
          },
        }
      : {}),
    ...targetExit(analyzer, s),
    ...(releasedAt !== undefined && stopRequestedAt !== undefined
      ? { window: { released: releasedAt, stopRequested: stopRequestedAt } }
      : {}),
  });
}

/** How long before our signal handler ran a process-group signal may have reached the target. */
const STOP_SIGNAL_SLACK_MS = 2000;
/** How far the sensors' timestamps (kernel clock, strace's) may stray from Date.now(). */
const CLOCK_SKEW_MS = 50;

/** The target's end, when it came before our stop request: from the sensors, else from its launcher. */
function targetExit(analyzer: Analyzer, s: SessionMeta): Pick<ReportModel, "targetExit"> {
  const stopAt = s.stopRequestedAt ?? s.ended ?? Infinity;
  const seen = analyzer.rootExit;
  // strace in front of the target ends with its status, unless strace itself was what died.
  const launcherTrusted = !s.sensors?.some((x) => x.name === "ptrace" && x.status === "failed");
  const launch = launcherTrusted ? s.launchExit : undefined;
  // A cgroup target ends with its last process, not with the one that stands for it.
  // Set in the same millisecond as the stop request that follows it: <=, not <.
  const gone = s.membersGone !== undefined && s.membersGone <= stopAt ? s.membersGone : undefined;
  const at =
    s.target.cgroup !== undefined
      ? gone
      : seen && seen.ts < stopAt
        ? seen.ts
        : launch && launch.at < stopAt
          ? launch.at
          : undefined;
  if (at === undefined) return {};
  const code = seen?.code ?? (seen?.signal === undefined ? launch?.code : undefined);
  const signal = seen?.signal ?? (seen?.code === undefined ? launch?.signal : undefined);
  // The Ctrl-C that stopped us reached the target too (one process group), a little before our
  // handler ran: dying of it is the stop, not the target ending on its own.
  const stop = s.stopSignal;
  if (stop && signal === stop.signal && at >= stop.at - STOP_SIGNAL_SLACK_MS) return {};
  // Our own SIGTERM (or SIGKILL) follows the stop request by a millisecond; the sensors' clocks
  // differ from ours by about that much, so a death by it just "before" the request is the stop.
  if ((signal === "SIGTERM" || signal === "SIGKILL") && stopAt - at < CLOCK_SKEW_MS) return {};
  return {
    targetExit: {
      at,
      afterMs: Math.max(0, Math.round(at - (s.releasedAt ?? s.started))),
      ...(code !== undefined ? { code } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
    },
  };
}

function refusals(analyzer: Analyzer): Pick<ReportModel, "refusedCaptures"> {
  const list = [...analyzer.ctx.artifacts.values()]
    .filter((a) => a.refused)
    .map((a) => ({ path: a.path, reason: a.refused! }));
  return list.length ? { refusedCaptures: list } : {};
}

/**
 * Coverage over the target's own run: from its release (or the session's start) to our stop
 * request; an imported log's first and last events.
 */
function coverageOf(
  analyzer: Analyzer,
  s: {
    live: boolean;
    started: number;
    ended: number;
    window?: ReportModel["window"];
    usage?: readonly KernelUsage[];
  },
) {
  const from = s.live ? (s.window?.released ?? s.started) : analyzer.firstTs;
  const to = s.live ? (s.window?.stopRequested ?? s.ended) : analyzer.lastTs;
  return analyzer.coverage.finish(from, Number.isFinite(to) ? Math.max(to, from) : from, s.usage);
}

/** Runs the detectors' final pass and writes report.md and report.json. */
export function writeReportFiles(
  outDir: string,
  analyzer: Analyzer,
  viewBuilder: SessionViewBuilder,
  s: {
    target: TargetInfo;
    sensors: SensorSummary[];
    /** The kernel's syscall and capability census, when a sensor took one. */
    usage?: readonly KernelUsage[];
    processes: Map<number, ProcessRecord>;
    /** Processes whose pid was reused later: counted among the session's processes. */
    earlierProcesses?: number;
    rootPid: number | undefined;
    started: number;
    ended: number;
    live: boolean;
    window?: ReportModel["window"];
    cutShort?: ReportModel["cutShort"];
    eventsDropped?: ReportModel["eventsDropped"];
    disturbed?: ReportModel["disturbed"];
    targetExit?: ReportModel["targetExit"];
    publish?: ReportModel["publish"];
    drift?: ReportModel["drift"];
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
    ...(s.cutShort ? { cutShort: s.cutShort } : {}),
    ...(s.eventsDropped ? { eventsDropped: s.eventsDropped } : {}),
    ...(s.disturbed ? { disturbed: s.disturbed } : {}),
    ...(s.targetExit ? { targetExit: s.targetExit } : {}),
    sensors: s.sensors,
    ...(s.publish ? { publish: s.publish } : {}),
    ...(s.drift ? { drift: s.drift } : {}),
    ...refusals(analyzer),
    events: analyzer.events,
    processes: s.processes.size + (s.earlierProcesses ?? 0),
    findings,
    coverage: coverageOf(analyzer, s),
    notFound: BEHAVIOR_IDS.filter((b) => !found.has(b)).map((behavior) => ({ behavior, note })),
  };
  const view = viewBuilder.finish(s.processes, analyzer.ctx.rootPid ?? s.rootPid, findings, s.sensors, {
    ...(s.window ? { released: s.window.released, stopRequested: s.window.stopRequested } : {}),
  });
  // Rendered whole before anything is written; each file replaced at once, never half-written,
  // and a planted symlink is replaced, not followed.
  const input = { model, view, behaviors: behaviorTexts() };
  const outputs = RENDERERS.map((r) => [r.file, r.render(input)] as const);
  for (const [file, text] of outputs) replaceFile(path.join(outDir, file), text);
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
    disturbed: undefined,
    live: false,
  });
  const timer = onProgress ? setInterval(() => onProgress(analyzer.events), 500) : undefined;
  const view = new SessionViewBuilder(0, 0);
  const tap = (e: Parameters<typeof analyzer.observe>[0]) => {
    analyzer.observe(e);
    view.observe(e);
  };
  const { events, format, processTable } = await importFile(input, outDir, warn, tap).finally(() =>
    clearInterval(timer),
  );
  if (events === 0)
    throw new ShadowError(`${input}: no valid event in it: nothing to analyse (see the warnings above)`);
  for (const [pid, r] of processTable) processes.set(pid, r);
  const model = writeReportFiles(outDir, analyzer, view, {
    target,
    sensors: [],
    processes,
    rootPid: undefined,
    started: 0,
    ended: 0,
    live: false,
  });
  return { model, format, imported: events };
}
