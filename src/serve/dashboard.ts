import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { Hono } from "hono";
import { diffSessions } from "../diff/diff.js";
import { renderDiffHtml } from "../diff/render-diff.js";
import { digest } from "../diff/session-digest.js";
import { esc } from "../report/html.js";
import { buildFleetReport } from "../fleet/fleet-report.js";
import { renderFleetHtml } from "../fleet/render-fleet-html.js";
import {
  fleetRoots,
  indexSessions,
  indexSurveys,
  type IndexedSession,
  type IndexedSurvey,
} from "./session-index.js";

/** The files of a session the dashboard serves; nothing else of a session dir is reachable. */
const SERVED: Record<string, string> = {
  "report.html": "text/html; charset=utf-8",
  "report.md": "text/markdown; charset=utf-8",
  "report.json": "application/json",
  "report.sarif": "application/sarif+json",
  "attack-layer.json": "application/json",
};

/** Reads a file of a session dir: no symlink followed, a regular file only. */
function readServed(dir: string, name: string): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path.join(dir, name), constants.O_RDONLY | constants.O_NOFOLLOW);
    if (!fstatSync(fd).isFile()) return undefined;
    return readFileSync(fd);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

const page = (title: string, body: string) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>${esc(title)}</title>
<style>body{font:14px/1.5 system-ui,sans-serif;margin:20px 28px;color:#1d2330}table{border-collapse:collapse;width:100%}
th,td{text-align:left;border-bottom:1px solid #e1e5ee;padding:6px 8px;vertical-align:top}th{font-size:12px;color:#5b6475}
.sev{font-size:11px;border-radius:8px;padding:0 6px;color:#fff;background:#888;margin-right:3px}.sev.high,.sev.critical{background:#c62828}.sev.medium{background:#e08a00}
form{margin:14px 0}select,button{font:inherit}td.odd{background:#fde0dc;font-weight:600}td.unseen{color:#9aa3b2}
tr.only-here td:first-child,tr.different-period td:first-child{border-left:3px solid #c62828}tr.missing-here td:first-child{border-left:3px solid #e08a00}</style></head><body>${body}</body></html>`;

/** Each survey's services in their ranking, linked to their sessions. */
function surveysSection(surveys: IndexedSurvey[], sessions: IndexedSession[], q: string): string {
  if (surveys.length === 0) return "";
  const table = (s: IndexedSurvey) => {
    const rows = s.services
      .map((x) => {
        const session = sessions.find((y) => y.dir === x.dir);
        const name = session?.hasHtml
          ? `<a href="/session/${session.id}/report.html${q}">${esc(x.name)}</a>`
          : esc(x.name);
        return `<tr><td>${x.rank}</td><td>${name}</td><td><span class="sev ${esc(x.worst)}">${esc(x.worst)}</span></td><td>${x.findings}</td><td>${x.events}</td></tr>`;
      })
      .join("");
    return `<h3>${esc(path.basename(s.dir))} · ${esc(s.started)}</h3><table class="survey"><thead><tr><th>rank</th><th>service</th><th>worst</th><th>findings</th><th>events</th></tr></thead><tbody>${rows}</tbody></table>`;
  };
  return `<h2>Surveys</h2>${surveys.map(table).join("")}`;
}

function listPage(
  sessions: IndexedSession[],
  fleets: string[],
  q: string,
  surveys: IndexedSurvey[] = [],
): string {
  const options = sessions
    .map((s) => `<option value="${s.id}">${esc(`${s.target} · ${s.started}`)}</option>`)
    .join("");
  const rows = sessions
    .map(
      (
        s,
      ) => `<tr><td>${s.hasHtml ? `<a href="/session/${s.id}/report.html${q}">${esc(s.target)}</a>` : esc(s.target)}</td>
<td>${esc(s.started)}</td><td>${esc(s.sensors.join(", "))}</td>
<td>${s.findings.length ? s.findings.map((f) => `<span class="sev ${esc(f.severity)}" title="${esc(f.behavior)}">${esc(f.behavior)}</span>`).join(" ") : "none"}</td>
<td><a href="/session/${s.id}/report.json${q}">json</a> · <a href="/session/${s.id}/report.md${q}">md</a> · <a href="/session/${s.id}/report.sarif${q}">sarif</a></td></tr>`,
    )
    .join("");
  return page(
    "Shadow Signals sessions",
    `<h1>Shadow Signals — ${sessions.length} session(s)</h1>
${surveysSection(surveys, sessions, q)}
${fleets.length ? `<h2>Fleets</h2><ul>${fleets.map((f, i) => `<li><a href="/fleet/${i}${q}">${esc(path.basename(f))}</a>: the hosts compared</li>`).join("")}</ul>` : ""}
<form action="/diff" method="get">Compare <select name="a">${options}</select> with <select name="b">${options}</select>
${q ? `<input type="hidden" name="token" value="${esc(new URLSearchParams(q.slice(1)).get("token") ?? "")}">` : ""}<button type="submit">diff</button></form>
<table><thead><tr><th>target</th><th>started</th><th>sensors</th><th>findings</th><th>files</th></tr></thead><tbody>${rows}</tbody></table>`,
  );
}

/**
 * The dashboard: read-only, over the session dirs given and nothing else. A session is named by
 * its number in the listing, never by a path, so a URL cannot reach outside those dirs.
 */
export function dashboard(roots: readonly string[], token?: string): Hono {
  const app = new Hono();
  app.use("*", async (c, next) => {
    c.header("X-Content-Type-Options", "nosniff");
    c.header("Referrer-Policy", "no-referrer");
    if (token && c.req.query("token") !== token && c.req.header("authorization") !== `Bearer ${token}`)
      return c.text("a token is required (?token= or Authorization: Bearer)", 401);
    return next();
  });
  const q = token ? `?token=${encodeURIComponent(token)}` : "";
  const find = (id: string) =>
    /^\d+$/.test(id) ? indexSessions(roots).find((s) => s.id === Number(id)) : undefined;
  app.get("/", (c) => c.html(listPage(indexSessions(roots), fleetRoots(roots), q, indexSurveys(roots))));
  app.get("/api/surveys", (c) =>
    c.json(
      indexSurveys(roots).map((s) => ({
        started: s.started,
        services: s.services.map(({ dir: _d, ...x }) => x),
      })),
    ),
  );
  app.get("/fleet/:n", async (c) => {
    const n = c.req.param("n");
    const root = /^\d+$/.test(n) ? fleetRoots(roots)[Number(n)] : undefined;
    if (!root) return c.text("not found", 404);
    const sessions = indexSessions(roots);
    const report = await buildFleetReport(root, () => undefined);
    const body = renderFleetHtml(report, (host, session) => {
      const s = sessions.find((x) => x.dir === path.join(root, host, session));
      return s && s.hasHtml ? `/session/${s.id}/report.html${q}` : undefined;
    });
    return c.html(page(`Fleet ${path.basename(root)}`, `<p><a href="/${q}">all sessions</a></p>${body}`));
  });
  app.get("/api/sessions", (c) => c.json(indexSessions(roots).map(({ dir: _dir, ...s }) => s)));
  app.get("/session/:id/:file", (c) => {
    const type = SERVED[c.req.param("file")];
    const s = find(c.req.param("id"));
    if (!type || !s) return c.text("not found", 404);
    const body = readServed(s.dir, c.req.param("file"));
    if (!body) return c.text("not found", 404);
    return c.body(new Uint8Array(body), 200, { "Content-Type": type });
  });
  app.get("/diff", async (c) => {
    const a = find(c.req.query("a") ?? "");
    const b = find(c.req.query("b") ?? "");
    if (!a || !b) return c.text("give two sessions: /diff?a=ID&b=ID", 400);
    const d = diffSessions(await digest(a.dir, () => undefined), await digest(b.dir, () => undefined));
    return c.html(
      renderDiffHtml(d).replace("<body>", `<body><p><a href="/${q}">all sessions</a></p>`),
      d.somethingNew ? 200 : 200,
    );
  });
  app.notFound((c) => c.text("not found", 404));
  return app;
}
