import { existsSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { importAndAnalyze } from "../pipeline/analyze-session.js";
import { ShadowError, UsageError, formatIssue } from "../util/result.js";
import { ownSessionDir } from "../util/safe-fs.js";
import { hasEvents } from "../session/event-parts.js";
import { parseCommandArgs } from "./args.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";
import { printSummary, writeReports } from "./write-reports.js";

export const analyzeCommand: Command = {
  name: "analyze",
  summary: "analyse a session dir, an events.jsonl or a strace log, and write the reports",
  help: `Usage: shadow-signals analyze INPUT [--out DIR] [--root DIR]

INPUT is one of:
  a session dir     (events.jsonl + session.db): reports are (re)written in place unless --out
  an events.jsonl   one normalized event per line
  a strace log      captured elsewhere with: strace -f -ttt -yy -s 256 -o FILE CMD
                    (one FILE.PID of -ff works too; unfinished/resumed lines are joined)

--root DIR judges paths under DIR as if they were at / (see observe --help).

Bad lines are reported with file:line and skipped; the valid events around them are kept.
Imported logs carry no /proc snapshots, so findings that need credentials have lower confidence.

Example:
  strace -f -ttt -yy -s 256 -o /tmp/cron.log -p $(pgrep -o cron) & sleep 120; kill %1
  shadow-signals analyze /tmp/cron.log`,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      out: { type: "string" },
      root: { type: "string" },
    });
    const input = positionals[0];
    if (!input || positionals.length > 1) throw new UsageError("give exactly one INPUT");
    // The input is checked before any out dir is made: a FIFO or a device would hang the reader.
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new ShadowError(`${input}: no such file or directory`);
    }
    const warn = (i: Parameters<typeof formatIssue>[0]) =>
      process.stderr.write(`shadow-signals: warning: ${formatIssue(i)}\n`);
    if (st.isDirectory()) {
      if (!existsSync(path.join(input, "session.db")))
        throw new ShadowError(`${input}: not a session dir (no session.db)`);
      // A long session's events may be in rotated parts (events-000001.jsonl.gz, …).
      if (!hasEvents(input)) throw new ShadowError(`${input}: not a session dir (no events.jsonl)`);
      if (values.out) throw new UsageError("--out is for files; a session dir is analysed in place");
      await writeReports(ownSessionDir(input), { quiet: false });
      return 0;
    }
    if (!st.isFile())
      throw new ShadowError(`${input}: not a regular file (a FIFO, device or socket cannot be analysed)`);
    const given = values.out !== undefined && existsSync(values.out);
    const outDir = resolveOutDir(values.out, path.basename(input));
    let shown = 0;
    const result = await importAndAnalyze(
      input,
      outDir,
      (i) => {
        if (++shown <= 20) warn(i);
      },
      values.root !== undefined ? path.resolve(values.root) : undefined,
      // Live progress on a terminal only; scripts get the one-line summary.
      process.stderr.isTTY
        ? (n) => process.stderr.write(`\r\x1b[K  read ${n.toLocaleString("en")} events`)
        : undefined,
    ).catch((err: unknown) => {
      // Nothing half-written is left behind: what we made in the out dir goes, and the dir too if
      // we made it (an empty dir the user gave stays, empty).
      if (given)
        for (const f of readdirSync(outDir)) rmSync(path.join(outDir, f), { recursive: true, force: true });
      else rmSync(outDir, { recursive: true, force: true });
      throw err;
    });
    const { model, format, imported } = result;
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    if (shown > 20) process.stderr.write(`shadow-signals: warning: ${shown - 20} more issue(s) not shown\n`);
    process.stderr.write(`shadow-signals: imported ${imported} events from ${format} ${input}\n`);
    printSummary(outDir, model);
    return 0;
  },
};
