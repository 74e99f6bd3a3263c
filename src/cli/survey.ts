import os from "node:os";
import path from "node:path";
import { StopSignals } from "../session/stop-signals.js";
import { renderSurveyHtml, renderSurveyJson, renderSurveyMarkdown } from "../survey/render-survey.js";
import { survey } from "../survey/survey.js";
import { parseDuration } from "../util/duration.js";
import { UsageError } from "../util/result.js";
import { writeNewFile } from "../util/safe-fs.js";
import { parseCommandArgs } from "./args.js";
import { DISK_HELP, DISK_OPTIONS, rotationPlan } from "./disk-options.js";
import type { Command } from "./command.js";
import { resolveOutDir } from "./out-dir.js";

export const surveyCommand: Command = {
  name: "survey",
  summary: "observe every service of the host at once; a report per service and a ranked summary",
  help: `Usage: shadow-signals survey [--duration 10m] [--out DIR] [--include GLOB]... [--exclude GLOB]...
                             [--nice N] [--rotate SIZE] [--max-disk SIZE]

Observes the whole host through one sensor (eBPF as root, scoped in the kernel to the services'
processes; procfs otherwise), grouped by service: a systemd unit's cgroup where there is one
(system.slice/nginx.service), otherwise each top-level daemon (a child of pid 1) with its
descendants. This command's own processes are never in it.

Writes, in the out dir:
  services/NAME/     one session per service: events.jsonl, session.db and its reports, to
                     analyze, diff and harden like any other session
  survey.md          the services ranked by what they did: the worst severity found, then how many
  survey.json        findings of each severity; a line per service, linked to its report
  survey.html

Options:
  --duration D       how long: 30s, 10m (default 10m)
  --out DIR          out dir (default: a new folder under ./shadow-signals-sessions/)
  --include GLOB     survey only the services whose name matches (repeatable): 'nginx*'
  --exclude GLOB     leave out the services whose name matches (repeatable): '*.scope'
  --nice N           run at this scheduling niceness, 0 to 19 (default 10): a survey of a busy host
                     yields the CPU to the services it watches. The kernel's part of the sensor
                     runs in each service's own time whatever N is; a drop that a slower reader
                     causes is counted per service in survey.json. 0 keeps our priority

${DISK_HELP.replace("Long sessions (hours, days):", "Long surveys (hours, days), each service's events on its own:")}

Ctrl-C ends the survey early and still writes every report. Progress shows on a terminal.
A service started during the survey is not in it (its fork from pid 1 is not followed).

Examples:
  sudo shadow-signals survey --duration 10m
  sudo shadow-signals survey --duration 2m --include '*.service' --exclude 'getty*'`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      duration: { type: "string" },
      out: { type: "string" },
      include: { type: "string", multiple: true as const },
      exclude: { type: "string", multiple: true as const },
      nice: { type: "string" },
      ...DISK_OPTIONS,
    });
    const rotation = rotationPlan(values, false, (line) =>
      process.stderr.write(`shadow-signals survey: ${line}\n`),
    );
    const durationMs = parseDuration(values.duration ?? "10m");
    const nice = Number(values.nice ?? "10");
    if (!/^\d+$/.test(values.nice ?? "10") || nice > 19)
      throw new UsageError(`--nice: a niceness from 0 to 19, not '${values.nice}'`);
    // Before any sensor starts: its processes inherit it (Linux's niceness is per thread, and
    // the threads Node makes later are made from this one).
    if (nice > 0) os.setPriority(0, Math.max(os.getPriority(0), nice));
    const outDir = resolveOutDir(values.out, "survey");
    const signals = new StopSignals((m) => process.stderr.write(`\nshadow-signals: ${m}\n`));
    try {
      const summary = await survey({
        outDir,
        durationMs,
        include: values.include ?? [],
        exclude: values.exclude ?? [],
        progress: process.stderr.isTTY === true,
        signals,
        ...(rotation ? { rotation } : {}),
      });
      summary.nice = os.getPriority(0);
      writeNewFile(path.join(outDir, "survey.json"), renderSurveyJson(summary));
      writeNewFile(path.join(outDir, "survey.md"), renderSurveyMarkdown(summary));
      writeNewFile(path.join(outDir, "survey.html"), renderSurveyHtml(summary));
      const lines = [
        `Survey: ${path.join(outDir, "survey.md")}`,
        `        ${path.join(outDir, "survey.json")}`,
        `${summary.services.length} service(s), ${summary.sensor.name}: ${summary.sensor.events} events, ${summary.sensor.dropped} dropped`,
        ...summary.services
          .slice(0, 20)
          .map(
            (s) =>
              `  ${String(s.rank).padStart(3)}. ${s.worst.padEnd(8)} ${String(s.findings.length).padStart(2)} finding(s)  ${s.name}`,
          ),
        ...(summary.services.length > 20 ? [`  ... ${summary.services.length - 20} more in survey.md`] : []),
      ];
      process.stdout.write(lines.join("\n") + "\n");
    } finally {
      signals.dispose();
    }
    return 0;
  },
};
