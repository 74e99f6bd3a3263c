import type { SurveySummary } from "./survey-summary.js";

const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** What a service did, in a few words: `high: child-without-isolation, ...`. */
function behaviours(s: SurveySummary["services"][number]): string {
  return s.findings.map((f) => `${f.behavior} (${f.severity})`).join(", ") || "nothing of the catalogue";
}

/** Long enough? `good`, or `observe longer: executables, peers`. */
function coverage(s: SurveySummary["services"][number]): string {
  const c = s.coverage;
  if (!c) return "n/a";
  return c.verdict === "observe-longer" ? `observe longer: ${c.observeLonger.join(", ")}` : c.verdict;
}

function sensorLine(m: SurveySummary): string {
  const s = m.sensor;
  return `${s.name} ${s.status}: ${s.events} events, ${s.dropped} dropped${s.reason ? ` (${s.reason})` : ""}; ${m.unrouted} events of processes no service claimed`;
}

/** survey.md: the ranking as a table, a line per service, each linked to its report. */
export function renderSurveyMarkdown(m: SurveySummary): string {
  const lines = [
    "# Host survey",
    "",
    `Observed from ${m.started} to ${m.ended}. Sensor: ${sensorLine(m)}.`,
    "",
    "Services ranked by what they did at runtime, the worst first: the highest severity found, then how many findings of each severity. Each line links to the service's own report (analysable, diffable and hardenable like any session).",
    "",
    "| rank | service | kind | worst | findings | events | dropped | behaviours | coverage | report |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ...m.services.map(
      (s) =>
        `| ${s.rank} | ${cell(s.name)} | ${s.kind}${s.cgroup ? ` (${cell(s.cgroup)})` : ` (pid ${s.mainPid})`} | ${s.worst} | ${s.findings.length} | ${s.events} | ${s.dropped} | ${cell(behaviours(s))} | ${coverage(s)} | [report](${encodeURI(s.dir)}/report.md) |`,
    ),
    "",
    "Visibility gap: a service is what ran when the survey began (a unit's cgroup, or a top-level daemon and its descendants); one started during the survey is not in it, and a process whose fork was not seen is counted above, not guessed.",
    "",
  ];
  return lines.join("\n");
}

export function renderSurveyJson(m: SurveySummary): string {
  return JSON.stringify(m, null, 2) + "\n";
}

/** survey.html: the same table, self-contained (no script, no outside resource). */
export function renderSurveyHtml(m: SurveySummary): string {
  const rows = m.services
    .map(
      (s) =>
        `<tr class="${esc(s.worst)}"><td>${s.rank}</td><td>${esc(s.name)}</td><td>${esc(s.kind)}${s.cgroup ? ` <small>${esc(s.cgroup)}</small>` : ` <small>pid ${s.mainPid}</small>`}</td><td>${esc(s.worst)}</td><td>${s.findings.length}</td><td>${s.events}</td><td>${s.dropped}</td><td>${esc(behaviours(s))}</td><td>${esc(coverage(s))}</td><td><a href="${esc(encodeURI(s.dir))}/report.html">report</a></td></tr>`,
    )
    .join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Host survey</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}
tr.critical td:nth-child(4),tr.high td:nth-child(4){color:#b00020;font-weight:bold}tr.medium td:nth-child(4){color:#a15c00}small{color:#666}</style></head>
<body><h1>Host survey</h1>
<p>Observed from ${esc(m.started)} to ${esc(m.ended)}. Sensor: ${esc(sensorLine(m))}.</p>
<table><thead><tr><th>rank</th><th>service</th><th>kind</th><th>worst</th><th>findings</th><th>events</th><th>dropped</th><th>behaviours</th><th>coverage</th><th>report</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p>A service is what ran when the survey began; one started during it is not in it.</p>
</body></html>
`;
}
