import { mkdirSync } from "node:fs";
import path from "node:path";
import type { Sensor } from "../sensors/sensor.js";
import type { Selection } from "../sensors/select.js";
import { onCrashCleanup } from "../util/cleanup.js";
import { ShadowError } from "../util/result.js";
import { formatDuration } from "../util/duration.js";
import { launchGated, type Launched } from "./launcher.js";
import { Recorder, summarize, type SensorSummary } from "./recorder.js";
import type { TargetInfo } from "./target.js";
import { isProcessAlive, processesWithMarker, terminateLaunched } from "./terminate.js";

export interface ObserveOptions {
  outDir: string;
  durationMs: number;
  selection: Selection;
  target: { pid: number } | { argv: string[] };
  info: TargetInfo;
  /** Live progress line on stderr (TTY only). */
  progress: boolean;
  /** Called once the target runs, with its pid (the lab uses it to wait for IMD). */
  onStarted?: (pid: number) => void;
}

export interface ObserveResult {
  outDir: string;
  rootPid: number;
  sensors: SensorSummary[];
  durationMs: number;
  stoppedBy: "duration" | "exit" | "signal";
}

/** Records one session: launch or attach, run the sensors, stop, and write the out dir. */
export async function observe(opts: ObserveOptions): Promise<ObserveResult> {
  const { selection } = opts;
  const workDir = path.join(opts.outDir, "raw");
  mkdirSync(workDir, { recursive: true, mode: 0o700 });
  const recorder = new Recorder(opts.outDir, opts.info, true);
  const sensors: Sensor[] = selection.active.map((a) => a.sensor);
  const failures = new Map<string, string>();

  let launched: Launched | undefined;
  let rootPid: number;
  if ("argv" in opts.target) {
    const wrapper = sensors.find((s) => s.wrapCommand);
    launched = await launchGated(opts.target.argv, (argv) => wrapper?.wrapCommand?.(argv, workDir) ?? argv);
    rootPid = launched.pid;
  } else {
    rootPid = opts.target.pid;
    if (!isProcessAlive(rootPid)) throw new ShadowError(`no process with pid ${rootPid}`);
  }
  const signalAll = (pids: number[]) => {
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGTERM");
      } catch {
        /* gone */
      }
    }
  };
  const launchedNow = launched;
  const removeCleanup = launchedNow
    ? onCrashCleanup(() => {
        signalAll([rootPid, ...processesWithMarker(launchedNow.marker)]);
        launchedNow.child.kill("SIGKILL");
      })
    : () => undefined;
  const tree = recorder.observe(rootPid, launched?.marker);
  recorder.store.setMeta("rootPid", rootPid);
  for (const sensor of sensors) {
    await sensor.start({
      tree,
      emit: recorder.emit,
      workDir,
      onFailure: (reason) => failures.set(sensor.name, reason),
    });
  }
  recorder.start();
  launched?.release();
  // The target's life starts here, not at the gate: start-up is measured from this moment.
  recorder.store.setMeta("released", Date.now());
  opts.onStarted?.(rootPid);

  const started = Date.now();
  let stoppedBy: ObserveResult["stoppedBy"] = "duration";
  await new Promise<void>((resolve) => {
    const done = (why: ObserveResult["stoppedBy"]) => {
      stoppedBy = why;
      clearInterval(check);
      clearInterval(progress);
      clearTimeout(timeout);
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      if (opts.progress) process.stderr.write("\n");
      resolve();
    };
    const onSignal = () => done("signal");
    const timeout = setTimeout(() => done("duration"), opts.durationMs);
    const check = setInterval(() => {
      const anyAlive = launched
        ? isProcessAlive(rootPid) || processesWithMarker(launched.marker).length > 0
        : isProcessAlive(rootPid);
      if (!anyAlive) done("exit");
    }, 250);
    const progress = setInterval(() => {
      if (!opts.progress) return;
      const per = sensors.map((s) => `${s.name} ${s.stats().events}`).join(" | ");
      const drops = sensors.reduce((n, s) => n + s.stats().dropped + recorder.queue.dropped(s.name), 0);
      process.stderr.write(
        `\r\x1b[K  ${formatDuration(Date.now() - started)} / ${formatDuration(opts.durationMs)}  ${per}  drops ${drops}`,
      );
    }, 1000);
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });

  // Whatever the target does from here on answers our stop request: its shutdown phase.
  recorder.store.setMeta("stopRequested", Date.now());
  if (launched) {
    await terminateLaunched(rootPid, launched.marker);
    // The ptrace wrapper (strace) ends when its tracees have; make sure.
    if (launched.child.exitCode === null) {
      await Promise.race([
        new Promise((r) => launched!.child.once("exit", r)),
        new Promise((r) => setTimeout(r, 3000)),
      ]);
      if (launched.child.exitCode === null) launched.child.kill("SIGKILL");
    }
  }
  for (const sensor of sensors) await sensor.stop();
  const summaries = selection.active.map(({ sensor, probe }) => {
    const s = summarize(sensor.name, sensor.stats(), probe.reason);
    const failure = failures.get(sensor.name);
    return failure ? { ...s, status: "failed", reason: failure } : s;
  });
  for (const skip of selection.skipped)
    summaries.push({
      name: skip.name,
      status: "unavailable",
      reason: skip.reason,
      events: 0,
      dropped: 0,
      errors: 0,
    });
  const final = recorder.finish(summaries);
  removeCleanup();
  return { outDir: opts.outDir, rootPid, sensors: final, durationMs: Date.now() - started, stoppedBy };
}
