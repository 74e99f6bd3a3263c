import { mkdirSync } from "node:fs";
import path from "node:path";
import type { ReportModel } from "../model/report-model.js";
import { selectSensors } from "../sensors/select.js";
import type { Sensor } from "../sensors/sensor.js";
import { QUEUE_EVENTS, Recorder, summarize } from "../session/recorder.js";
import type { RotationOptions } from "../session/rotating-jsonl.js";
import type { StopSignals } from "../session/stop-signals.js";
import type { TargetInfo } from "../session/target.js";
import { onCrashCleanup } from "../util/cleanup.js";
import { formatDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { analyzeSession } from "../pipeline/analyze-session.js";
import { ServiceRouter, type RoutedService } from "./service-router.js";
import { globMatcher, groupServices, hostProcesses, ourProcesses, type Service } from "./services.js";
import { rankServices, type SurveySummary } from "./survey-summary.js";

export interface SurveyOptions {
  outDir: string;
  durationMs: number;
  include: readonly string[];
  exclude: readonly string[];
  progress: boolean;
  signals?: StopSignals;
  /** Each service's events rotated by size and bounded on disk (a day-long survey). */
  rotation?: RotationOptions;
}

interface ServiceSession extends RoutedService {
  service: Service;
  dir: string;
}

/** A folder name for a service (`nginx.service`, `cron-812`). */
const folderOf = (name: string) => name.replace(/[^A-Za-z0-9_.@-]/g, "_").slice(0, 80) || "service";

function targetOf(s: Service): TargetInfo {
  return s.kind === "unit"
    ? { kind: "unit", label: s.name, unit: s.name, cgroup: s.cgroup!, pid: s.mainPid }
    : { kind: "pid", label: s.name, pid: s.mainPid };
}

/**
 * `survey`: every service of the host at once, through one sensor (eBPF as root, procfs
 * otherwise) whose events a router hands to one session per service; then a report per service
 * and a host summary ranking them. What we run is never in it.
 */
export async function survey(o: SurveyOptions): Promise<SurveySummary> {
  const sensorName = process.geteuid?.() === 0 ? "ebpf" : "procfs";
  const selection = await selectSensors(sensorName);
  const procs = hostProcesses();
  const ours = ourProcesses(procs);
  const include = o.include.map(globMatcher);
  const exclude = o.exclude.map(globMatcher);
  const services = groupServices(procs, ours).filter(
    (s) => (include.length === 0 || include.some((m) => m(s.name))) && !exclude.some((m) => m(s.name)),
  );
  if (services.length === 0)
    throw new UsageError(
      `no service to survey${o.include.length ? ` matches --include ${o.include.join(", ")}` : ""}`,
    );
  mkdirSync(path.join(o.outDir, "raw"), { mode: 0o700 });
  mkdirSync(path.join(o.outDir, "services"), { mode: 0o700 });
  const router = new ServiceRouter(services[0]!.mainPid, ours);
  const used = new Set<string>();
  const sessions: ServiceSession[] = services.map((service) => {
    let folder = folderOf(service.name);
    while (used.has(folder)) folder += "_";
    used.add(folder);
    const dir = path.join(o.outDir, "services", folder);
    mkdirSync(dir, { mode: 0o700 });
    // One budget for the whole survey, not one a service: a busy host's backlog in memory stays
    // that of one session (a 60-minute survey beside a fork-heavy daemon reached 1.2 GiB).
    const queueEvents = Math.max(10_000, Math.floor(QUEUE_EVENTS / services.length));
    const recorder = new Recorder(dir, targetOf(service), true, o.rotation, queueEvents);
    const tree = recorder.observe(service.mainPid);
    const session: ServiceSession = { name: service.name, service, dir, recorder, events: 0 };
    for (const pid of service.pids) {
      tree.add(pid);
      router.assign(pid, session);
    }
    recorder.store.setMeta("rootPid", service.mainPid);
    recorder.store.setMeta("outDir", dir);
    recorder.store.setMeta("durationMs", o.durationMs);
    return session;
  });

  const sensor: Sensor = selection.active[0]!.sensor;
  const probe = selection.active[0]!.probe;
  let failure: string | undefined;
  const stopSensor = onCrashCleanup(() => void sensor.stop());
  await sensor.start({
    tree: router,
    emit: router.emit,
    workDir: path.join(o.outDir, "raw"),
    onFailure: (reason) => {
      failure ??= reason;
      process.stderr.write(`\nshadow-signals: sensor ${sensor.name} failed: ${reason}\n`);
    },
  });
  const started = Date.now();
  for (const s of sessions) {
    s.recorder.start();
    s.recorder.store.setMeta("released", started);
  }
  await new Promise<void>((resolve) => {
    const deadline = started + o.durationMs;
    const done = () => {
      clearInterval(check);
      clearInterval(progress);
      o.signals?.stop.removeEventListener("abort", done);
      if (o.progress) process.stderr.write("\n");
      resolve();
    };
    const check = setInterval(() => Date.now() >= deadline && done(), Math.min(250, o.durationMs));
    const progress = setInterval(() => {
      if (!o.progress) return;
      const st = sensor.stats();
      process.stderr.write(
        `\r\x1b[K  ${formatDuration(Date.now() - started)} / ${formatDuration(o.durationMs)}  ${sessions.length} services  ${sensor.name} ${st.events} events  drops ${st.dropped}`,
      );
    }, 1000);
    if (o.signals?.stop.aborted) done();
    else o.signals?.stop.addEventListener("abort", done, { once: true });
  });
  const stopAt = Date.now();
  for (const s of sessions) s.recorder.store.setMeta("stopRequested", stopAt);
  await sensor.stop(o.signals?.hurry);
  stopSensor();
  const stats = sensor.stats();
  const models: { s: ServiceSession; model: ReportModel }[] = [];
  for (const s of sessions) {
    s.recorder.flush();
    await s.recorder.settle(); // its rotated parts end compressed
  }
  for (const s of sessions) {
    const own = summarize(sensor.name, { ...stats, events: s.events, dropped: 0 }, probe.reason);
    s.recorder.finish([failure ? { ...own, status: "failed", reason: failure } : own]);
  }
  for (const s of sessions) {
    if (o.progress) process.stderr.write(`\r\x1b[K  analysing ${s.name}`);
    models.push({ s, model: await analyzeSession(s.dir) });
  }
  if (o.progress) process.stderr.write("\r\x1b[K");
  return rankServices({
    outDir: o.outDir,
    started,
    ended: stopAt,
    sensor: {
      name: sensor.name,
      status: failure ? "failed" : stats.status,
      events: stats.events,
      dropped: stats.dropped,
      ...(failure ? { reason: failure } : {}),
    },
    unrouted: router.unrouted,
    services: models.map(({ s, model }) => ({
      name: s.name,
      kind: s.service.kind,
      ...(s.service.cgroup ? { cgroup: s.service.cgroup } : {}),
      mainPid: s.service.mainPid,
      processes: s.service.pids.length,
      dir: path.relative(o.outDir, s.dir),
      events: s.events,
      dropped: s.recorder.queue.dropped(sensor.name),
      findings: model.findings.map((f) => ({
        behavior: f.behavior,
        severity: f.severity,
        occurrences: f.occurrences,
      })),
      ...(model.coverage
        ? {
            coverage: {
              verdict: model.coverage.verdict,
              sentence: model.coverage.sentence,
              observeLonger: model.coverage.dimensions
                .filter((d) => d.verdict === "observe-longer")
                .map((d) => d.dimension),
            },
          }
        : {}),
    })),
  });
}
