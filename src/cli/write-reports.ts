import path from "node:path";
import { analyzeSession } from "../analysis/run.js";
import type { ReportModel } from "../report/report-model.js";
import { formatIssue } from "../util/result.js";

/** Analyses the out dir, writes both reports and prints a one-screen summary. */
export async function writeReports(outDir: string, opts: { quiet: boolean }): Promise<ReportModel> {
  let warnings = 0;
  const model = await analyzeSession(outDir, (issue) => {
    if (++warnings <= 5) process.stderr.write(`shadow-signals: warning: ${formatIssue(issue)}\n`);
  });
  if (warnings > 5)
    process.stderr.write(`shadow-signals: warning: ${warnings - 5} more bad line(s) skipped\n`);
  if (!opts.quiet) {
    const lines = [
      `Report: ${path.join(outDir, "report.md")}`,
      `        ${path.join(outDir, "report.json")}`,
      `Sensors: ${model.sensors.map((s) => `${s.name} ${s.status} (${s.events} events, ${s.dropped} dropped)`).join("; ")}`,
      `${model.events} events, ${model.findings.length} finding(s):`,
      ...model.findings.map(
        (f, i) =>
          `  Flag-${i + 1}  ${f.severity.padEnd(8)} ${f.behavior.padEnd(30)} ${f.occurrences} occurrence(s) [${f.sensors.join(",")}]`,
      ),
      ...(model.notFound.length ? [`Not observed: ${model.notFound.map((n) => n.behavior).join(", ")}`] : []),
    ];
    process.stdout.write(lines.join("\n") + "\n");
  }
  return model;
}
