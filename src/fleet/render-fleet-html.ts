import { esc } from "../report/html.js";
import type { FleetReport, Outlier } from "./fleet-report.js";

const iso = (t: number | undefined) =>
  t === undefined ? "?" : new Date(t).toISOString().replace(/\.\d+Z$/, "Z");

function describe(o: Outlier): string {
  const v = `<code>${esc(o.value)}</code>`;
  if (o.kind === "only here")
    return `${esc(o.dimension)} ${v} — ${o.othersWith === 0 ? "no other host" : `${o.othersWith} of ${o.others} other hosts`}`;
  if (o.kind === "missing here")
    return `no ${esc(o.dimension)} ${v} — ${o.othersWith} of ${o.others} other hosts have it`;
  return `${esc(o.dimension)} of ${v} — ${esc(o.detail ?? "")}`;
}

/**
 * The fleet in the dashboard: outliers first, then hosts × behaviours with the outlier cells
 * marked, then the sessions, each linked to its report through `link` (the dashboard's ids).
 */
export function renderFleetHtml(
  r: FleetReport,
  link: (host: string, session: string) => string | undefined,
): string {
  const hosts = r.hosts.map((h) => h.host);
  const odd = new Set(
    r.outliers.filter((o) => o.dimension === "behaviour").map((o) => `${o.host}\0${o.value}`),
  );
  const outliers = r.outliers.length
    ? `<table class="outliers"><thead><tr><th>host</th><th>kind</th><th>what</th><th>behaviour</th><th>since</th></tr></thead><tbody>${r.outliers
        .map(
          (o) =>
            `<tr class="${o.kind.replace(/ /g, "-")}"><td><b>${esc(o.host)}</b></td><td>${esc(o.kind)}</td><td>${describe(o)}</td><td>${esc(o.behavior)}</td><td>${
              o.since ? `${esc(o.since.session)}, ${esc(iso(o.since.started))}` : ""
            }</td></tr>`,
        )
        .join("")}</tbody></table>`
    : "<p>None: every host does what the majority does.</p>";
  const matrix = `<table class="matrix"><thead><tr><th>behaviour</th>${hosts.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${r.matrix
    .map(
      (row) =>
        `<tr><td>${esc(row.behavior)}</td>${hosts
          .map((h) => {
            const n = row.perHost[h] ?? 0;
            return `<td class="${odd.has(`${h}\0${row.behavior}`) ? "odd" : n ? "seen" : "unseen"}">${n || "—"}</td>`;
          })
          .join("")}</tr>`,
    )
    .join("")}</tbody></table>`;
  const sessions = r.hosts
    .flatMap((h) =>
      h.sessions.map((s) => {
        const href = link(h.host, s.session);
        const name = href ? `<a href="${esc(href)}">${esc(s.session)}</a>` : esc(s.session);
        return `<tr><td>${esc(h.host)}</td><td>${name}${s.cutShort ? " (cut short)" : ""}</td><td>${esc(iso(s.started))}</td><td>${s.events}</td><td>${s.behaviours.length}</td></tr>`;
      }),
    )
    .join("");
  return `<h1>Fleet — ${hosts.length} host(s)</h1>
<h2>Outliers</h2>${outliers}
<h2>Hosts × behaviours</h2><p>Occurrences in all of a host's sessions; a marked cell is a behaviour only that host has.</p>${matrix}
<h2>Sessions</h2><table><thead><tr><th>host</th><th>session</th><th>started</th><th>events</th><th>behaviours</th></tr></thead><tbody>${sessions}</tbody></table>
${r.limits.length ? `<h2>Limits</h2><ul>${r.limits.map((l) => `<li>${esc(l)}</li>`).join("")}</ul>` : ""}`;
}
