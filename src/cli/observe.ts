import path from "node:path";
import { selectSensors } from "../sensors/select.js";
import { observe } from "../session/observation.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { shellQuote } from "../util/shell-quote.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";
import { writeReports } from "./write-reports.js";

export const observeCommand: Command = {
  name: "observe",
  summary: "record a session of a running process or a command, then report",
  help: `Usage: shadow-signals observe [--duration D] [--out DIR] [--sensors auto|LIST] [--root DIR] (--pid N | -- CMD ARGS...)

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

Examples:
  sudo shadow-signals observe --duration 2m -- nginx -g 'daemon off;'
  shadow-signals observe --pid $(pgrep -o cron) --sensors procfs --duration 5m`,
  async run(argv) {
    const { values, rest } = parseCommandArgs(argv, {
      duration: { type: "string" },
      out: { type: "string" },
      sensors: { type: "string" },
      pid: { type: "string" },
      root: { type: "string" },
    });
    const root = values.root !== undefined ? path.resolve(values.root) : undefined;
    const durationMs = parseDuration(values.duration ?? "60s");
    if (values.pid === undefined && rest.length === 0) throw new UsageError("give --pid N or -- CMD ARGS...");
    if (values.pid !== undefined && rest.length > 0)
      throw new UsageError("give either --pid or a command, not both");
    const pid = values.pid !== undefined ? Number(values.pid) : undefined;
    if (pid !== undefined && (!Number.isInteger(pid) || pid <= 0))
      throw new UsageError(`--pid: expected a process id, got '${values.pid}'`);
    const selection = await selectSensors(values.sensors ?? "auto");
    const label = pid !== undefined ? `pid-${pid}` : rest[0]!.split("/").pop()!;
    const outDir = resolveOutDir(values.out, label);
    for (const s of selection.skipped)
      process.stderr.write(`shadow-signals: sensor ${s.name} unavailable: ${s.reason}\n`);
    const result = await observe({
      outDir,
      durationMs,
      selection,
      target: pid !== undefined ? { pid } : { argv: rest },
      info:
        pid !== undefined
          ? { kind: "pid", label, pid, ...(root ? { root } : {}) }
          : { kind: "command", label: shellQuote(rest), argv: rest, ...(root ? { root } : {}) },
      progress: process.stderr.isTTY === true,
    });
    await writeReports(result.outDir, { quiet: false });
    return 0;
  },
};
