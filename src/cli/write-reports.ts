import path from "node:path";
import { analyzeSession } from "../pipeline/analyze-session.js";
import type { ReportModel } from "../model/report-model.js";
import { targetExitSentence } from "../report/target-exit.js";
import { formatIssue } from "../util/result.js";

/** Analyses the out dir, writes both reports and prints a one-screen summary. */
export async function writeReports(outDir: string, opts: { quiet: boolean }): Promise<ReportModel> {
  let warnings = 0;
  const model = await analyzeSession(outDir, (issue) => {
    if (++warnings <= 5) process.stderr.write(`shadow-signals: warning: ${formatIssue(issue)}\n`);
  });
  if (warnings > 5)
    process.stderr.write(`shadow-signals: warning: ${warnings - 5} more bad line(s) skipped\n`);
  if (!opts.quiet) printSummary(outDir, model);
  return model;
}

/**
 * The one-screen summary printed after a session or an analysis; on stdout, or on stderr where
 * stdout carries something else (watch's alerts).
 */
export function printSummary(
  outDir: string,
  model: ReportModel,
  to: NodeJS.WriteStream = process.stdout,
): void {
  const lines = [
    `Report: ${path.join(outDir, "report.md")}`,
    `        ${path.join(outDir, "report.json")}`,
    ...(model.targetExit ? [`Target: ${targetExitSentence(model.targetExit)}`] : []),
    ...(model.cutShort
      ? [`Session: cut short; last event at ${new Date(model.cutShort.lastEventAt).toISOString()}`]
      : []),
    `Sensors: ${model.sensors.map((s) => `${s.name} ${s.status} (${s.events} events, ${s.dropped} dropped)`).join("; ") || "none (imported)"}`,
    `${model.events} events, ${model.findings.length} finding(s):`,
    ...model.findings.map(
      (f, i) =>
        `  Flag-${i + 1}`.padEnd(10) +
        `${f.severity.padEnd(8)} ${f.behavior.padEnd(30)} ${f.occurrences} occurrence(s) [${f.sensors.join(",")}]`,
    ),
    ...(model.notFound.length ? [`Not observed: ${model.notFound.map((n) => n.behavior).join(", ")}`] : []),
  ];
  to.write(lines.join("\n") + "\n");
}
