import path from "node:path";
import { selectSensors } from "../sensors/select.js";
import { redactArgv } from "../secrets/redact.js";
import {
  TARGET_HELP,
  TARGET_OPTIONS,
  resolveTarget,
  type LaunchTarget,
  type ResolvedTarget,
} from "../targets/index.js";
import type { TargetInfo } from "../session/target.js";
import { howItEnded, failed } from "../report/target-exit.js";
import { observe } from "../session/observation.js";
import { StopSignals } from "../session/stop-signals.js";
import { parseDuration } from "../util/duration.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";
import { writeReports } from "./write-reports.js";
import { publishSummary } from "../fleet/publisher.js";
import { PUBLISH_HELP, PUBLISH_OPTIONS, publishPlan } from "./publish-options.js";
import { DISK_HELP, DISK_OPTIONS, rotationPlan } from "./disk-options.js";

/** Why `auto` leaves ptrace out of a cgroup target (said in the report and on stderr). */
export const PTRACE_LEFT_OUT =
  "left out of a cgroup target by auto: it would slow every member several times and miss processes that join the cgroup later; name it in --sensors to use it";

/** A folder name for a running target: `nginx.service`, `container-web`, `cgroup-system.slice-x`. */
export function outDirLabel(t: ResolvedTarget): string {
  const name =
    t.kind === "unit"
      ? t.details.unit!
      : t.kind === "container"
        ? `container-${t.details.container}`
        : t.kind === "cgroup"
          ? `cgroup${t.cgroup!.path.replace(/\//g, "-")}`
          : t.label;
  return name.replace(/[^A-Za-z0-9_.@-]/g, "_");
}

/** What the session records of its target (target.json in every report). */
export function targetInfo(
  t: LaunchTarget | ResolvedTarget,
  rest: readonly string[],
  root: string | undefined,
): TargetInfo {
  const r = root ? { root } : {};
  if (t.kind === "launch") return { kind: "command", label: t.label, argv: redactArgv(rest), ...r };
  if (t.kind === "pid") return { kind: "pid", label: t.label, pid: t.mainPid, ...r };
  const d = t.details;
  return {
    kind: t.kind,
    label: t.label,
    pid: t.mainPid,
    cgroup: t.cgroup!.path,
    ...(d.unit ? { unit: d.unit } : {}),
    ...(d.unitFile ? { unitFile: d.unitFile } : {}),
    ...(d.container ? { container: d.container } : {}),
    ...(d.containerId ? { containerId: d.containerId } : {}),
    ...(d.image ? { image: d.image } : {}),
    ...(d.engine ? { engine: d.engine } : {}),
    ...r,
  };
}

/** Exit code: the report is written, but the target failed (non-zero status or a signal). */
export const TARGET_FAILED = 3;

export const observeCommand: Command = {
  name: "observe",
  summary: "record a session of a command, a process, a cgroup, a unit or a container, then report",
  help: `Usage: shadow-signals observe [--duration D] [--out DIR] [--sensors auto|LIST] [--root DIR] [--keep-raw]
                              [--rotate SIZE] [--max-disk SIZE]
                              [--publish nats://HOST:PORT [--host NAME] ...]
                              (-- CMD ARGS... | --pid N | --cgroup PATH | --unit NAME | --container NAME|ID)

Watches a target from the outside and writes events.jsonl, session.db, report.md and report.json.
The target, one of:
${TARGET_HELP}

A cgroup target (--cgroup, --unit, --container) is scoped in the kernel: the eBPF sensor follows
the cgroup's id, so a process moved into it is seen too; procfs reads /proc/PID/cgroup. With
auto, ptrace is left out of such targets: strace attaches to the members there are at the start
(each then runs several times slower) and cannot follow a process that joins the cgroup without
being forked by one of them. Name it (--sensors ebpf,ptrace) to use it all the same. The session
ends when the duration is up, or when the cgroup has no process left (the report says when).

Options:
  --duration D        how long: 30, 30s, 2m (default 60s)
  --out DIR           out dir (default: a new folder under ./shadow-signals-sessions/)
  --sensors S         auto (every usable sensor) or a list such as procfs,ptrace (default auto)
  --root DIR          judge paths under DIR as if they were at / (a chroot or a container's root
                      filesystem): DIR/etc/x counts as a system location, DIR/tmp/x as temp
  --keep-raw          keep the ptrace sensor's raw log (raw/strace.log, 0600). It holds the
                      target's write payloads, secrets included: by default it is removed

${DISK_HELP}

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
  sudo shadow-signals observe --duration 24h --max-disk 2GiB --unit cron
  sudo shadow-signals observe --publish nats://bus.internal:4222 --nats-creds /etc/shadow/fleet.creds \\
       --duration 1h --pid $(pgrep -o vendor-agent)
  shadow-signals observe --pid $(pgrep -o cron) --sensors procfs --duration 5m
  sudo shadow-signals observe --unit nginx --duration 10m
  sudo shadow-signals observe --cgroup system.slice/redis-server.service --duration 10m
  sudo shadow-signals observe --container web --duration 5m`,
  async run(argv) {
    const { values, rest } = parseCommandArgs(argv, {
      duration: { type: "string" },
      out: { type: "string" },
      sensors: { type: "string" },
      root: { type: "string" },
      "keep-raw": { type: "boolean" },
      ...TARGET_OPTIONS,
      ...PUBLISH_OPTIONS,
      ...DISK_OPTIONS,
    });
    const plan = publishPlan(values);
    const rotation = rotationPlan(values, plan !== undefined, (line) =>
      process.stderr.write(`shadow-signals: ${line}\n`),
    );
    const root = values.root !== undefined ? path.resolve(values.root) : undefined;
    const durationMs = parseDuration(values.duration ?? "60s");
    const target = resolveTarget(values, rest);
    const spec = values.sensors ?? "auto";
    const selection = await selectSensors(
      spec,
      target.kind !== "launch" && target.follows === "cgroup" ? { ptrace: PTRACE_LEFT_OUT } : {},
    );
    const label = target.kind === "launch" ? rest[0]!.split("/").pop()! : outDirLabel(target);
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
        target: target.kind === "launch" ? { argv: target.argv } : { attach: target },
        info: targetInfo(target, rest, root),
        progress: process.stderr.isTTY === true,
        signals,
        keepRaw: values["keep-raw"] === true,
        ...(publish ? { publish } : {}),
        ...(rotation ? { rotation } : {}),
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
