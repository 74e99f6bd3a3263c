import path from "node:path";
import { selectSensors } from "../sensors/select.js";
import { redactArgv } from "../secrets/redact.js";
import { howItEnded, failed } from "../report/target-exit.js";
import { observe } from "../session/observation.js";
import { StopSignals } from "../session/stop-signals.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { shellQuote } from "../util/shell-quote.js";
import { resolveProgram } from "../util/which.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";
import { writeReports } from "./write-reports.js";
import { publishSummary } from "../fleet/publisher.js";
import { PUBLISH_HELP, PUBLISH_OPTIONS, publishPlan } from "./publish-options.js";

/** Exit code: the report is written, but the target failed (non-zero status or a signal). */
export const TARGET_FAILED = 3;

export const observeCommand: Command = {
  name: "observe",
  summary: "record a session of a running process or a command, then report",
  help: `Usage: shadow-signals observe [--duration D] [--out DIR] [--sensors auto|LIST] [--root DIR] [--keep-raw]
                              [--publish nats://HOST:PORT [--host NAME] ...] (--pid N | -- CMD ARGS...)

Watches a target from the outside and writes events.jsonl, session.db, report.md and report.json.
  -- CMD ARGS   launch CMD (stdin/stdout/stderr pass through); stops when the duration is up or
                CMD and all its descendants have exited; then ends everything it started,
                detached descendants included.
  --pid N       watch a running process and its new descendants; never signals it.

Options:
  --duration D        how long: 30, 30s, 2m (default 60s)
  --out DIR           out dir (default: a new folder under ./shadow-signals-sessions/)
  --sensors S         auto (every usable sensor) or a list such as procfs,ptrace (default auto)
  --root DIR          judge paths under DIR as if they were at / (a chroot or a container's root
                      filesystem): DIR/etc/x counts as a system location, DIR/tmp/x as temp
  --keep-raw          keep the ptrace sensor's raw log (raw/strace.log, 0600). It holds the
                      target's write payloads, secrets included: by default it is removed

${PUBLISH_HELP}

Exit codes: 0 done (the target ran until the duration was up, or ended with status 0); 1 a
runtime error; 2 a usage error (a CMD not found in PATH is one); 3 the report was written, but
the target ended on its own with a non-zero status or by a signal (it failed to start, or
crashed) — every output says when and how.

Stopping: Ctrl-C (or SIGTERM) stops the session and still writes the report; a second one hurries
the stop (no grace period for the target). If this command is killed outright, the sensors die
with it and the launched target is ended by a guardian process (SIGTERM, then SIGKILL after 5 s).

Out dir: created 0700 with files 0600; an existing --out must be an empty dir of yours. Command
lines and secrets in written files appear only as kind#fingerprint (a keyed hash, per session).

Examples:
  sudo shadow-signals observe --duration 2m -- nginx -g 'daemon off;'
  sudo shadow-signals observe --publish nats://bus.internal:4222 --nats-creds /etc/shadow/fleet.creds \\
       --duration 1h --pid $(pgrep -o vendor-agent)
  shadow-signals observe --pid $(pgrep -o cron) --sensors procfs --duration 5m`,
  async run(argv) {
    const { values, rest } = parseCommandArgs(argv, {
      duration: { type: "string" },
      out: { type: "string" },
      sensors: { type: "string" },
      pid: { type: "string" },
      root: { type: "string" },
      "keep-raw": { type: "boolean" },
      ...PUBLISH_OPTIONS,
    });
    const plan = publishPlan(values);
    const root = values.root !== undefined ? path.resolve(values.root) : undefined;
    const durationMs = parseDuration(values.duration ?? "60s");
    if (values.pid === undefined && rest.length === 0) throw new UsageError("give --pid N or -- CMD ARGS...");
    if (values.pid !== undefined && rest.length > 0)
      throw new UsageError("give either --pid or a command, not both");
    const pid = values.pid !== undefined ? Number(values.pid) : undefined;
    if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0))
      throw new UsageError(`--pid: expected a process id, got '${values.pid}'`);
    let launchArgv = rest;
    if (rest.length > 0) {
      const program = resolveProgram(rest[0]!);
      if (!program) throw new UsageError(`${rest[0]}: command not found in PATH`);
      launchArgv = [program, ...rest.slice(1)];
    }
    const selection = await selectSensors(values.sensors ?? "auto");
    const label = pid !== undefined ? `pid-${pid}` : rest[0]!.split("/").pop()!;
    const outDir = resolveOutDir(values.out, label);
    for (const s of selection.skipped)
      process.stderr.write(`shadow-signals: sensor ${s.name} unavailable: ${s.reason}\n`);
    const signals = new StopSignals((m) => process.stderr.write(`\nshadow-signals: ${m}\n`));
    const publish = plan?.make(outDir);
    try {
      const result = await observe({
        outDir,
        durationMs,
        selection,
        target: pid !== undefined ? { pid } : { argv: launchArgv },
        info:
          pid !== undefined
            ? { kind: "pid", label, pid, ...(root ? { root } : {}) }
            : {
                kind: "command",
                label: shellQuote(redactArgv(rest)),
                argv: redactArgv(rest),
                ...(root ? { root } : {}),
              },
        progress: process.stderr.isTTY === true,
        signals,
        keepRaw: values["keep-raw"] === true,
        ...(publish ? { publish } : {}),
      });
      if (result.publish) process.stderr.write(`shadow-signals: ${publishSummary(result.publish)}\n`);
      const model = await writeReports(outDir, { quiet: false });
      if (model.targetExit && failed(model.targetExit)) {
        process.stderr.write(
          `shadow-signals observe: the target failed: it ${howItEnded(model.targetExit)}\n`,
        );
        return TARGET_FAILED;
      }
    } finally {
      signals.dispose();
    }
    return 0;
  },
};
