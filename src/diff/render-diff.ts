import { esc } from "../report/html.js";
import type { DiffResult } from "./diff.js";
import type { Period } from "./session-digest.js";

const per = (p: Period) => `every ${(p.periodMs / 1000).toFixed(2)} s ±${(p.jitter * 100).toFixed(0)}%`;

/** The diff as markdown lines (also the body of the HTML view). */
function sections(d: DiffResult): { title: string; rows: string[] }[] {
  const out: { title: string; rows: string[] }[] = [];
  out.push({
    title: "Behaviours",
    rows: [
      ...d.newBehaviors.map(
        (f) => `NEW ${f.behavior}: ${f.title} (${f.occurrences} occurrence(s), ${f.severity})`,
      ),
      ...d.goneBehaviors.map((f) => `GONE ${f.behavior}: ${f.title} (had ${f.occurrences})`),
      ...d.changed.map(
        (c) =>
          `CHANGED ${c.behavior}: ${c.before} -> ${c.after} occurrence(s)${c.severityBefore !== c.severityAfter ? `, ${c.severityBefore} -> ${c.severityAfter}` : ""}`,
      ),
      ...d.unchanged.map((b) => `same ${b}`),
    ],
  });
  for (const c of d.classes)
    out.push({
      title: `${c.name} (${c.behavior})`,
      rows: [...c.added.map((x) => `NEW ${x}`), ...c.removed.map((x) => `GONE ${x}`)],
    });
  const p = d.periods;
  if (p.added.length || p.removed.length || p.changed.length)
    out.push({
      title: "periods (periodic-autonomous-activity)",
      rows: [
        ...p.added.map((x) => `NEW "${x.key}" ${per(x)}`),
        ...p.removed.map((x) => `GONE "${x.key}" ${per(x)}`),
        ...p.changed.map((x) => `CHANGED "${x.key}": ${per(x.before)} -> ${per(x.after)}`),
      ],
    });
  return out;
}

const verdict = (d: DiffResult) =>
  d.somethingNew
    ? "Something new: a behaviour or an occurrence class B has that A had not (exit 1)."
    : "Nothing new in B (exit 0).";

export function renderDiffMarkdown(d: DiffResult): string {
  const lines = [
    `# Shadow Signals diff`,
    "",
    `- A: ${d.a.label} (${d.a.source})`,
    `- B: ${d.b.label} (${d.b.source})`,
    `- ${verdict(d)}`,
    ...d.limits.map((l) => `- note: ${l}`),
    "",
  ];
  for (const s of sections(d)) {
    lines.push(`## ${s.title}`, "");
    lines.push(...(s.rows.length ? s.rows.map((r) => `- ${r}`) : ["- no finding on either side"]), "");
  }
  return lines.join("\n");
}

export function renderDiffHtml(d: DiffResult): string {
  const body = sections(d)
    .map(
      (s) =>
        `<h2>${esc(s.title)}</h2><ul>${s.rows
          .map((r) => {
            const cls = /^NEW/.test(r)
              ? "new"
              : /^GONE/.test(r)
                ? "gone"
                : /^CHANGED/.test(r)
                  ? "changed"
                  : "same";
            return `<li class="${cls}">${esc(r)}</li>`;
          })
          .join("")}</ul>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Shadow Signals diff</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>body{font:14px/1.5 system-ui,sans-serif;margin:20px 28px;color:#1d2330}h1{font-size:20px}h2{font-size:15px;margin-top:18px}
ul{padding-left:18px}li{font-family:ui-monospace,monospace;font-size:12px}.new{color:#b71c1c;font-weight:600}.gone{color:#2e7d32}.changed{color:#e65100}.same{color:#777}
.verdict{padding:8px 12px;border-radius:6px;background:${d.somethingNew ? "#fde7e7" : "#e8f5e9"}}</style></head>
<body><h1>Shadow Signals diff</h1>
<p>A: ${esc(d.a.label)} <small>(${esc(d.a.source)})</small><br>B: ${esc(d.b.label)} <small>(${esc(d.b.source)})</small></p>
<p class="verdict">${esc(verdict(d))}</p>${d.limits.map((l) => `<p><em>${esc(l)}</em></p>`).join("")}
${body}
</body></html>
`;
}
