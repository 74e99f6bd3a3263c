import { existsSync, mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import type { Sensor } from "../sensors/sensor.js";
import type { Selection } from "../sensors/select.js";
import { onCrashCleanup } from "../util/cleanup.js";
import { ShadowError } from "../util/result.js";
import { formatDuration } from "../util/duration.js";
import type { Publisher, PublishStats } from "../fleet/publisher.js";
import { Guardian } from "./guardian.js";
import { launchGated, type Launched, type PassedFd } from "./launcher.js";
import { Recorder, summarize, type SensorSummary } from "./recorder.js";
import type { RotationOptions } from "./rotating-jsonl.js";
import { SessionStore } from "./store.js";
import { sleepUnless } from "../util/sleep.js";
import type { StopSignals } from "./stop-signals.js";
import type { SensorConfinement, TargetInfo } from "./target.js";
import { readStatus } from "../proc/status.js";
import { childrenOf, isProcessAlive, processesWithMarker, terminateLaunched } from "./terminate.js";
import { pidTarget } from "../targets/pid.js";
import type { ResolvedTarget } from "../targets/target.js";

export interface ObserveOptions {
  outDir: string;
  durationMs: number;
  selection: Selection;
  /** A command to launch, a pid, or a resolved target to attach to (src/targets/). */
  target: { pid: number } | { argv: string[] } | { attach: ResolvedTarget };
  info: TargetInfo;
  /** Live progress line on stderr (TTY only). */
  progress: boolean;
  /** Stop requests (Ctrl-C); the command owns them so that they cover its report too. */
  signals?: StopSignals;
  /** Keep the raw strace log (it holds write payloads, secrets included). */
  keepRaw?: boolean;
  /** A launched target's stdout goes to our stderr (`watch`: our stdout carries the alerts). */
  targetStdoutToStderr?: boolean;
  /** An open file the target gets at a fixed fd (the replay sandbox's seccomp filter). */
  passFd?: PassedFd;
  /** Sends the session to a NATS JetStream server as it is recorded (`--publish`). */
  publish?: { publisher: Publisher; waitMs: number };
  /** Called once the target runs, with its pid (the lab uses it to wait for IMD). */
  onStarted?: (pid: number) => void;
  /** events.jsonl rotated by size, and bounded on disk (a day-long session). */
  rotation?: RotationOptions;
  /** Sees every event as it is recorded, redacted as every output is (`watch` checks drift here). */
  onEvent?: (e: ShadowEvent) => void;
}

export interface ObserveResult {
  outDir: string;
  rootPid: number;
  sensors: SensorSummary[];
  durationMs: number;
  stoppedBy: "duration" | "exit" | "signal";
  /** What publishing did, when the session was published. */
  publish?: PublishStats;
}

interface Failure {
  reason: string;
  at: number;
  disturbsTarget: boolean;
}

/** Records one session: launch or attach, run the sensors, stop, and write the out dir. */
export async function observe(opts: ObserveOptions): Promise<ObserveResult> {
  const { selection } = opts;
  const workDir = path.join(opts.outDir, "raw");
  mkdirSync(workDir, { mode: 0o700 }); // not recursive: the out dir is new, so raw/ must be too
  const recorder = new Recorder(opts.outDir, opts.info, true, opts.rotation);
  recorder.tap = opts.onEvent;
  const sensors: Sensor[] = selection.active.map((a) => a.sensor);
  const failures = new Map<string, Failure>();
  const hurry = opts.signals?.hurry;

  let launched: Launched | undefined;
  let attached: ResolvedTarget | undefined;
  let rootPid: number;
  if ("argv" in opts.target) {
    const wrapper = sensors.find((s) => s.wrapCommand);
    launched = await launchGated(
      opts.target.argv,
      (argv) => wrapper?.wrapCommand?.(argv, workDir) ?? argv,
      opts.passFd,
      opts.targetStdoutToStderr === true,
    );
    const self = readStatus(process.pid);
    if (wrapper?.confinementAdded && self) {
      const confinement: SensorConfinement = {
        by: wrapper.name,
        ...wrapper.confinementAdded,
        baseline: {
          seccomp: self.seccomp,
          seccompFilters: self.seccompFilters ?? 0,
          noNewPrivs: self.noNewPrivs,
        },
      };
      recorder.store.setMeta("sensorConfinement", confinement);
    }
    wrapper?.watchWrapper?.(launched.child);
    rootPid = launched.pid;
  } else {
    attached = "attach" in opts.target ? opts.target.attach : pidTarget(opts.target.pid);
    rootPid = attached.mainPid;
    if (!isProcessAlive(rootPid) && attached.members().length === 0)
      throw new ShadowError(`${attached.label}: no process runs any more`);
  }
  const launchedNow = launched;
  // If we are killed (SIGKILL included), the guardian ends what we launched; on a crash, we do.
  const guardian = launchedNow
    ? new Guardian(launchedNow.marker, rootPid, launchedNow.child.pid ? [launchedNow.child.pid] : [])
    : undefined;
  const removeCleanup = launchedNow
    ? onCrashCleanup(() => {
        for (const pid of [rootPid, ...processesWithMarker(launchedNow.marker)]) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            /* gone */
          }
        }
        launchedNow.child.kill("SIGKILL");
      })
    : () => undefined;
  const tree = recorder.observe(rootPid, launched?.marker, attached?.cgroup);
  // A cgroup's other processes are the target's from the start; those that join are found by
  // the sensors (in the kernel for eBPF, by /proc/PID/cgroup for procfs).
  for (const pid of attached?.members() ?? []) if (pid !== rootPid) tree.add(pid);
  recorder.store.setMeta("rootPid", rootPid);
  // A copy rebuilt elsewhere (collect) still knows which paths were this session's own.
  recorder.store.setMeta("outDir", opts.outDir);
  recorder.store.setMeta("keepRaw", opts.keepRaw === true);
  recorder.store.setMeta("durationMs", opts.durationMs);
  // How the process we launched ended: the target itself, or strace in front of it, which ends
  // with its tracee's status. The report says how the target ended if it ended on its own.
  launched?.child.once("exit", (code, signal) =>
    recorder.store.setMeta("launchExit", {
      at: Date.now(),
      ...(code !== null ? { code } : {}),
      ...(signal ? { signal } : {}),
    }),
  );
  // A sensor that cannot start ends the session before the target runs: the gate is closed, so
  // the target never starts, and the sensors already running are stopped.
  const running: Sensor[] = [];
  const abandon = async (err: unknown): Promise<never> => {
    guardian?.dismiss();
    launchedNow?.child.kill("SIGKILL");
    for (const s of running) await s.stop(opts.signals?.hurry);
    removeCleanup();
    throw err;
  };
  for (const sensor of sensors) {
    running.push(sensor);
    await sensor
      .start({
        tree,
        emit: recorder.emit,
        workDir,
        onFailure: (reason, o) => {
          if (failures.has(sensor.name)) return;
          const failure = { reason, at: Date.now(), disturbsTarget: o?.disturbsTarget === true };
          failures.set(sensor.name, failure);
          if (failure.disturbsTarget && recorder.store.getMeta("disturbed") === undefined)
            recorder.store.setMeta("disturbed", { at: failure.at, by: sensor.name, reason });
          process.stderr.write(`\nshadow-signals: sensor ${sensor.name} failed: ${reason}\n`);
          opts.publish?.publisher.status({ kind: "sensor-failed", sensor: sensor.name, reason });
        },
      })
      .catch(abandon);
  }
  recorder.start();
  launched?.release();
  // The target's life starts here, not at the gate: start-up is measured from this moment.
  const released = Date.now();
  recorder.store.setMeta("released", released);
  opts.publish?.publisher.begin({
    host: opts.publish.publisher.host,
    session: opts.publish.publisher.session,
    target: opts.info,
    started: recorder.store.getMeta<number>("started") ?? released,
    released,
    rootPid,
    sensors: sensors.map((x) => x.name),
    durationMs: opts.durationMs,
  });
  opts.onStarted?.(rootPid);

  const started = Date.now();
  // A deadline checked by a short timer, not one long setTimeout: Node's timers overflow past
  // 2^31 ms (24.8 days) and fire at once, which ended a `--duration 600h` session after 1 ms.
  const deadline = started + opts.durationMs;
  let stoppedBy: ObserveResult["stoppedBy"] = "duration";
  await new Promise<void>((resolve) => {
    const done = (why: ObserveResult["stoppedBy"]) => {
      stoppedBy = why;
      clearInterval(check);
      clearInterval(progress);
      opts.signals?.stop.removeEventListener("abort", onSignal);
      if (opts.progress) process.stderr.write("\n");
      resolve();
    };
    const onSignal = () => done("signal");
    const check = setInterval(
      () => {
        if (Date.now() >= deadline) return done("duration");
        const anyAlive = launched
          ? isProcessAlive(rootPid) || processesWithMarker(launched.marker).length > 0
          : attached?.follows === "cgroup"
            ? attached.members().length > 0
            : isProcessAlive(rootPid);
        if (!anyAlive) {
          if (attached?.follows === "cgroup") recorder.store.setMeta("membersGone", Date.now());
          done("exit");
        }
      },
      Math.min(250, opts.durationMs),
    );
    const progress = setInterval(() => {
      if (!opts.progress) return;
      const per = sensors.map((s) => `${s.name} ${s.stats().events}`).join(" | ");
      const drops = sensors.reduce((n, s) => n + s.stats().dropped + recorder.queue.dropped(s.name), 0);
      process.stderr.write(
        `\r\x1b[K  ${formatDuration(Date.now() - started)} / ${formatDuration(opts.durationMs)}  ${per}  drops ${drops}`,
      );
    }, 1000);
    if (opts.signals?.stop.aborted) onSignal();
    else opts.signals?.stop.addEventListener("abort", onSignal, { once: true });
  });

  // Whatever the target does from here on answers our stop request: its shutdown phase.
  recorder.store.setMeta("stopRequested", Date.now());
  // A Ctrl-C reaches the whole foreground process group, the target too, before our handler runs.
  if ((stoppedBy as ObserveResult["stoppedBy"]) === "signal" && opts.signals?.first)
    recorder.store.setMeta("stopSignal", opts.signals.first);
  if (launched) {
    // In a replay the root is the sandbox, which does not pass signals on: its child is the target.
    const target = opts.info.sandbox ? (childrenOf(rootPid)[0] ?? rootPid) : rootPid;
    await terminateLaunched(target, launched.marker, hurry);
    // The ptrace wrapper (strace) ends when its tracees have; make sure.
    if (launched.child.exitCode === null && launched.child.signalCode === null) {
      await Promise.race([new Promise((r) => launched!.child.once("exit", r)), sleepUnless(3000, hurry)]);
      if (launched.child.exitCode === null && launched.child.signalCode === null)
        launched.child.kill("SIGKILL");
    }
  }
  for (const sensor of sensors) await sensor.stop(hurry);
  guardian?.dismiss();
  const summaries = selection.active.map(({ sensor, probe }) => {
    const s = summarize(sensor.name, sensor.stats(), probe.reason);
    const failure = failures.get(sensor.name);
    return failure
      ? {
          ...s,
          status: "failed",
          reason: failure.reason,
          failedAt: failure.at,
          ...(failure.disturbsTarget ? { disturbedTarget: true } : {}),
        }
      : s;
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
  // The strace log holds write payloads, secrets included: it goes unless the user asked for it.
  const rawLog = path.join(workDir, "strace.log");
  if (opts.keepRaw) {
    if (existsSync(rawLog))
      process.stderr.write(
        `shadow-signals: kept ${rawLog} as asked: it holds write payloads, secrets included\n`,
      );
  } else rmSync(rawLog, { force: true });
  const usage = sensors.flatMap((x) => x.usage?.() ?? []);
  if (usage.length) recorder.store.setMeta("usage", usage);
  let drained = false;
  let giveUp = hurry;
  if (opts.publish) {
    // Everything recorded goes to the bus before session.db is closed, so that its copy there
    // says what publishing did (sent, given up, outages).
    recorder.flush();
    // A Ctrl-C now gives up the wait; after a Ctrl-C that stopped the session, it takes another.
    giveUp =
      (stoppedBy as ObserveResult["stoppedBy"]) === "signal" || !opts.signals
        ? hurry
        : AbortSignal.any([opts.signals.stop, opts.signals.hurry]);
    drained = await opts.publish.publisher.drain(opts.publish.waitMs, giveUp);
    recorder.store.setMeta("publish", opts.publish.publisher.stats());
  }
  recorder.flush();
  await recorder.settle(); // the parts rotated out end compressed
  const final = recorder.finish(summaries);
  removeCleanup();
  let publish: PublishStats | undefined;
  if (opts.publish) {
    const db = path.join(opts.outDir, "session.db");
    publish = await opts.publish.publisher.finish(db, drained ? opts.publish.waitMs : 0, giveUp);
    SessionStore.update(db, (store) => store.setMeta("publish", publish));
  }
  return {
    outDir: opts.outDir,
    rootPid,
    sensors: final,
    durationMs: Date.now() - started,
    stoppedBy,
    ...(publish ? { publish } : {}),
  };
}
