import os from "node:os";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import { LaunchPlumbing } from "../analysis/launch-plumbing.js";
import type { DriftRecord, DriftSummary } from "../model/drift.js";
import { safeReadlink } from "../proc/read-link.js";
import { selectSensors } from "../sensors/select.js";
import { observe } from "../session/observation.js";
import { openSession } from "../session/session-reader.js";
import { SessionStore } from "../session/store.js";
import { StopSignals } from "../session/stop-signals.js";
import { TARGET_HELP, TARGET_OPTIONS, resolveTarget } from "../targets/index.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { AlertSink } from "../watch/alert-sink.js";
import { AlertPublisher } from "../watch/alert-publisher.js";
import { natsTarget } from "../fleet/nats-connection.js";
import { checkHostName, defaultHostName } from "../fleet/subjects.js";
import { loadBaseline } from "../watch/baseline.js";
import { DriftDetector, type Drift } from "../watch/drift.js";
import { toFalco } from "../watch/falco-alert.js";
import { RateLimiter } from "../watch/rate-limit.js";
import { parseCommandArgs } from "./args.js";
import { DISK_HELP, DISK_OPTIONS, rotationPlan } from "./disk-options.js";
import type { Command } from "./command.js";
import { PTRACE_LEFT_OUT, outDirLabel, targetInfo } from "./observe.js";
import { resolveOutDir } from "./out-dir.js";
import { printSummary, writeReports } from "./write-reports.js";

export const watchCommand: Command = {
  name: "watch",
  summary:
    "observe a daemon against a baseline session and alert, in Falco's JSON, when it does something new",
  help: `Usage: shadow-signals watch --baseline SESSION [--baseline SESSION ...] [--duration D] [--learn D]
                            [--alerts FILE] [--publish nats://HOST:PORT [--host NAME]]
                            [--out DIR] [--sensors auto|LIST] [--root DIR] [--rotate SIZE] [--max-disk SIZE]
                            (-- CMD ARGS... | --pid N | --cgroup PATH | --unit NAME | --container NAME|ID)

Observes the target as \`observe\` does, and holds what it does to a baseline: one or more earlier
sessions of the same daemon (the union of them). The moment it does something the baseline never
did, an alert goes out:
  Executable outside the baseline           it ran a program the baseline never ran
  Write outside the baseline's written set  it wrote a path the baseline never wrote (random temp
                                            names count by their learned template, /tmp/.tmpXXXXXX)
  Peer outside the baseline                 it connected to, or accepted, a peer the baseline never had
and when the session ends (their evidence needs the whole session):
  Behaviour outside the baseline            a finding of a behaviour the baseline's reports lack
  Syscall outside the baseline's allow-list a syscall the baseline never made: what the seccomp
                                            profile harden writes from the baseline would have broken
                                            (only when every session counted every syscall: eBPF)

Alerts are JSON lines in Falco's output shape (time, rule, priority, output, output_fields,
source, hostname, tags): Falcosidekick and any pipeline that reads Falco's alerts read them. They
go to stdout (theirs alone: a launched target's own stdout goes to stderr) and, with --alerts, to
a file. Repeats of one alert (the same rule and value) within
60 s are counted, not sent; the next one after that says how many were held back. Every alert is
also in the session's report (a "Drift from the baseline" section, report.json "drift").

The target, one of:
${TARGET_HELP}

Options:
  --baseline DIR      a session dir of the same daemon (repeat it for several); it must have ended
                      and have its report (analyse it first). The same daemon: the same command
                      line, unit, cgroup or container; for --pid, the same program (a daemon
                      restarted since has another pid)
  --duration D        how long: 30s, 10m, 8h (default: until Ctrl-C)
  --learn D           for the first D, new values join the baseline instead of raising alerts
  --alerts FILE       also append the alerts to FILE (0600; a symlink there is refused)
  --publish URL       also publish each alert on the NATS subject shadow.alerts.HOST (nats:// or
                      tls://HOST:PORT); a server that is down never stops the watch: alerts wait
                      and go when it is back (the report has them all)
  --host NAME         this host's name in the subject (default: the first label of the hostname)
  --nats-creds FILE   a NATS credentials file; --nats-tls-ca FILE: verify the server with this CA
  --out DIR           out dir (default: a new folder under ./shadow-signals-sessions/)
  --sensors S         as for observe (default auto)
  --root DIR          as for observe

${DISK_HELP}

Exit codes: 0 done (alerts or not: they are the output); 1 a runtime error; 2 a usage error: a
baseline that is not a session, was cut short, is corrupt, is of a newer report schema, or is of
another daemon than the target.

Stopping: Ctrl-C (or SIGTERM) ends the session and still writes its report; if this command is
killed outright, its sensors and a launched target die with it (as for observe).

Example:
  sudo shadow-signals observe --duration 10m --out base -- /usr/sbin/mydaemon -f
  sudo shadow-signals watch --baseline base --alerts /var/log/shadow-alerts.json -- /usr/sbin/mydaemon -f`,
  async run(argv) {
    const { values, rest } = parseCommandArgs(argv, {
      baseline: { type: "string", multiple: true as const },
      duration: { type: "string" },
      learn: { type: "string" },
      alerts: { type: "string" },
      publish: { type: "string" },
      host: { type: "string" },
      "nats-creds": { type: "string" },
      "nats-tls-ca": { type: "string" },
      out: { type: "string" },
      sensors: { type: "string" },
      root: { type: "string" },
      ...TARGET_OPTIONS,
      ...DISK_OPTIONS,
    });
    const rotation = rotationPlan(values, false, (line) =>
      process.stderr.write(`shadow-signals watch: ${line}\n`),
    );
    const durationMs = values.duration !== undefined ? parseDuration(values.duration) : Infinity;
    const learnMs = values.learn !== undefined ? parseDuration(values.learn, "--learn") : undefined;
    const root = values.root !== undefined ? path.resolve(values.root) : undefined;
    const target = resolveTarget(values, rest);
    const info = targetInfo(target, rest, root);
    const baseline = await loadBaseline(values.baseline ?? []);
    // A daemon restarted has a new pid: a pid target is the same daemon when it runs the same program.
    const samePidDaemon =
      info.kind === "pid" &&
      baseline.kind === "pid" &&
      baseline.rootExe !== undefined &&
      baseline.rootExe === safeReadlink(`/proc/${info.pid}/exe`);
    if (baseline.label !== info.label && !samePidDaemon)
      throw new UsageError(
        `--baseline ${baseline.dirs[0]}: observes "${baseline.label}", not the target "${info.label}": a baseline is of one daemon`,
      );
    for (const o of ["host", "nats-creds", "nats-tls-ca"] as const)
      if (values[o] !== undefined && values.publish === undefined)
        throw new UsageError(`--${o} needs --publish nats://HOST:PORT`);
    const bus =
      values.publish !== undefined
        ? {
            target: natsTarget(values.publish, "--publish", values["nats-creds"], values["nats-tls-ca"]),
            host: checkHostName(values.host ?? defaultHostName()),
          }
        : undefined;
    // Checked before the out dir is made: an unfit alerts file writes nothing.
    if (values.alerts !== undefined) AlertSink.check(values.alerts);
    const selection = await selectSensors(
      values.sensors ?? "auto",
      target.kind !== "launch" && target.follows === "cgroup" ? { ptrace: PTRACE_LEFT_OUT } : {},
    );
    const label = target.kind === "launch" ? rest[0]!.split("/").pop()! : outDirLabel(target);
    const outDir = resolveOutDir(values.out, label);
    const sink = new AlertSink(values.alerts);

    for (const s of selection.skipped)
      process.stderr.write(`shadow-signals: sensor ${s.name} unavailable: ${s.reason}\n`);

    const hostname = os.hostname();
    const limiter = new RateLimiter();
    const records = new Map<string, DriftRecord>();
    const raise = (d: Drift) => {
      const { send, suppressed } = limiter.admit(d.key, d.ts);
      const r = records.get(d.key);
      if (r) {
        r.count++;
        r.last = Math.max(r.last, d.ts);
      } else
        records.set(d.key, {
          rule: d.rule,
          priority: d.priority,
          text: d.text,
          first: d.ts,
          last: d.ts,
          count: 1,
          alerts: 0,
        });
      if (!send) return;
      records.get(d.key)!.alerts++;
      const alert = toFalco(d, hostname, suppressed);
      sink.send(alert);
      publisher?.send(alert);
    };
    let learnUntil: number | undefined;
    let detector = new DriftDetector(baseline, { ours: outDir });
    const plumbing = new LaunchPlumbing();
    const ctx: { target: typeof info; rootPid: number | undefined } = { target: info, rootPid: undefined };
    // The target's own start (its exec by our gate) is no program it ran: the baseline leaves it out.
    const launchArgv = info.kind === "command" ? JSON.stringify(info.argv) : undefined;
    const onEvent = (e: ShadowEvent) => {
      if (plumbing.isPlumbing(e, ctx)) return;
      if (e.kind === "exec" && launchArgv !== undefined && JSON.stringify(e.argv) === launchArgv) return;
      for (const d of detector.observe(e)) raise(d);
    };
    const signals = new StopSignals((m) => process.stderr.write(`\nshadow-signals: ${m}\n`));
    // Connected in the background once nothing can fail for a usage reason: it never delays the watch.
    const publisher = bus
      ? new AlertPublisher(bus.target, bus.host, (line) =>
          process.stderr.write(`shadow-signals watch: ${line}\n`),
        )
      : undefined;
    try {
      await observe({
        outDir,
        durationMs,
        selection,
        target: target.kind === "launch" ? { argv: target.argv } : { attach: target },
        info,
        progress: process.stderr.isTTY === true,
        signals,
        targetStdoutToStderr: true,
        ...(rotation ? { rotation } : {}),
        onStarted: (pid) => {
          ctx.rootPid = pid;
          if (learnMs !== undefined) {
            learnUntil = Date.now() + learnMs;
            detector = new DriftDetector(baseline, { ours: outDir, learnUntil });
          }
        },
        onEvent,
      });
      // What needs the whole session: its findings, and the syscall census.
      const first = await writeReports(outDir, { quiet: true });
      const census = openSession(outDir).meta.usage.find((u) => u.complete);
      for (const d of detector.finish(
        Date.now(),
        first.findings,
        census ? Object.keys(census.syscalls) : undefined,
      ))
        raise(d);
      const drift: DriftSummary = {
        baseline: baseline.dirs.map((d) => path.resolve(d)),
        ...(learnUntil !== undefined ? { learnedUntil: learnUntil } : {}),
        records: [...records.values()].sort((a, b) => a.first - b.first),
      };
      SessionStore.update(path.join(outDir, "session.db"), (store) => store.setMeta("drift", drift));
      // stdout is the alerts' alone: the summary goes to stderr.
      printSummary(outDir, await writeReports(outDir, { quiet: true }), process.stderr);
      const alerts = drift.records.reduce((n, r) => n + r.alerts, 0);
      process.stderr.write(
        `shadow-signals watch: ${drift.records.length} drift(s) from the baseline, ${alerts} alert(s) sent\n`,
      );
    } finally {
      signals.dispose();
      sink.close();
      await publisher?.close(5000);
    }
    return 0;
  },
};
