import type { FleetReport, Outlier } from "./fleet-report.js";

const iso = (t: number | undefined) =>
  t === undefined ? "?" : new Date(t).toISOString().replace(/\.\d+Z$/, "Z");
const cell = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function since(o: Outlier): string {
  if (!o.since) return "";
  const tail =
    o.since.earlierWithout > 0
      ? ` (its ${o.since.earlierWithout} earlier session(s) did not)`
      : " (its first session)";
  return `since \`${o.since.session}\`, ${iso(o.since.started)}${tail}`;
}

function what(o: Outlier): string {
  const value = `\`${cell(o.value)}\``;
  if (o.kind === "only here")
    return `${o.dimension} ${value}: ${o.othersWith === 0 ? "no other host" : `${o.othersWith} of ${o.others} other hosts`}`;
  if (o.kind === "missing here")
    return `no ${o.dimension} ${value}: ${o.othersWith} of ${o.others} other hosts have it`;
  return `${o.dimension} of ${value}: ${cell(o.detail ?? "")}`;
}

/** fleet.md: the outliers first (the answer to "which host differs, since when"), then the matrix. */
export function renderFleetMarkdown(r: FleetReport): string {
  const hosts = r.hosts.map((h) => h.host);
  const sessions = r.hosts.reduce((n, h) => n + h.sessions.length, 0);
  const out = [
    `# Fleet report: ${hosts.length} host(s), ${sessions} session(s)`,
    "",
    `From \`${r.dir}\`. A host stands out when it does what most hosts do not (only here), when it keeps another rhythm (different period), or when it does not do what most do (missing here). The classes are those of \`shadow-signals diff\`.`,
    "",
    "## Outliers",
    "",
  ];
  if (r.outliers.length === 0) out.push("None: every host does what the majority does.", "");
  else {
    out.push("| host | kind | what | behaviour | since |", "| --- | --- | --- | --- | --- |");
    for (const o of r.outliers)
      out.push(`| **${o.host}** | ${o.kind} | ${what(o)} | ${o.behavior} | ${since(o)} |`);
    out.push("");
  }
  out.push("## Hosts × behaviours", "", "Occurrences in all of a host's sessions (— not seen).", "");
  out.push(`| behaviour | ${hosts.join(" | ")} |`, `| --- | ${hosts.map(() => "---:").join(" | ")} |`);
  for (const row of r.matrix)
    out.push(
      `| ${row.behavior} | ${hosts.map((h) => (row.perHost[h] ? String(row.perHost[h]) : "—")).join(" | ")} |`,
    );
  out.push(
    "",
    "## Sessions",
    "",
    "| host | session | started | events | behaviours |",
    "| --- | --- | --- | ---: | --- |",
  );
  for (const h of r.hosts)
    for (const s of h.sessions)
      out.push(
        `| ${h.host} | \`${s.session}\`${s.cutShort ? " (cut short)" : ""} | ${iso(s.started)} | ${s.events} | ${s.behaviours.length} |`,
      );
  if (r.limits.length) out.push("", "## Limits", "", ...r.limits.map((l) => `- ${l}`));
  return out.join("\n") + "\n";
}
