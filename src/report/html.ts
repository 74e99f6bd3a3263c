import type { Coverage } from "../analysis/coverage.js";
import type { ReportModel } from "../model/report-model.js";
import type { SessionView } from "../model/session-view.js";
import { reportClient, type HtmlData } from "./html-client.js";
import { publicFinding } from "./json.js";
import { eventsDroppedSentence } from "./events-dropped.js";
import { failed, targetExitSentence } from "./target-exit.js";

/** JSON that is safe inside <script>: no `</script>`, no line separators JavaScript would choke on. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const CSS = `
:root{--fg:#1d2330;--muted:#5b6475;--line:#d9dee8;--bg:#fff;--hi:#fff3c4;--sel:#1f6feb}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,sans-serif;color:var(--fg);margin:0;background:#f6f7fa}
header{background:#1d2330;color:#fff;padding:14px 22px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;color:#c9d1e0}
main{display:grid;grid-template-columns:minmax(0,1.25fr) minmax(0,1fr);gap:16px;padding:16px 22px}
.panel{background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:12px 14px}
.wide{grid-column:1/-1}h2{font-size:16px;margin:0 0 8px}
.notice{background:#fde7e7;border:1px solid #f3b5b5;border-radius:6px;padding:8px 12px;margin:0 0 8px}
.finding{border-top:1px solid var(--line);padding:10px 0}.finding h3{margin:0;font-size:15px}.flag{color:var(--muted)}
.badge{font-size:11px;border-radius:10px;padding:1px 8px;color:#fff;background:#888}.badge.high,.badge.critical{background:#c62828}.badge.medium{background:#e08a00}.badge.low{background:#2e7d32}
.meta{color:var(--muted);margin:2px 0 6px;font-size:12px}.part h4{margin:6px 0 2px;font-size:12px;text-transform:uppercase;color:var(--muted)}.part p{margin:0}
.evidence{margin:2px 0;padding-left:18px}.ev{cursor:pointer;font-family:ui-monospace,monospace;font-size:12px}.ev:hover,.ev:focus{background:var(--hi);outline:none}
.when{color:var(--muted)}.sensor{font-size:10px;border:1px solid var(--line);border-radius:3px;padding:0 3px}
#tree{font-family:ui-monospace,monospace;font-size:12px;max-height:620px;overflow:auto}#tree details{margin-left:14px}#tree .leaf{margin-left:28px}
.proc{cursor:pointer;border-radius:3px;padding:0 2px}.proc.named{background:#fff6d6}.proc.selected{outline:2px solid var(--sel);background:#dbe9ff}
.pid{color:var(--muted)}.exe{color:#555}.masq{color:#c62828;font-weight:600}.uid{color:#2d5b9a}.caps{color:var(--muted)}.caps.changed{color:#c62828}.exit{color:var(--muted)}
.cited{font-size:10px;background:#fde7e7;color:#8a1c1c;border-radius:3px;margin-left:4px;padding:0 3px}.count{color:var(--muted)}
.detached{margin-top:10px;border:1px dashed #c62828;border-radius:6px;padding:6px}.detached h4{margin:0 0 4px;color:#c62828;font-size:12px}
#timeline svg{background:#fbfcfe;border:1px solid var(--line);border-radius:4px}.lane-label{font-size:11px;fill:var(--muted)}.lane-rule{stroke:var(--line)}
.bars{fill:#9db4d8}.lane-exec{fill:#7e57c2}.lane-network{fill:#00897b}.lane-triggers{fill:#e65100}.lane-privilege{fill:#c62828}
.mark{fill:#263238;opacity:.75;cursor:pointer}.mark.sel{fill:var(--sel);opacity:1}.beat{fill:#7e57c2}.jitter{fill:#7e57c2;opacity:.18}.rhythm-caption{font-size:11px;fill:#4a2d91}
.shade.startup,.shade.stop{fill:#eceff1}.shade.failure{fill:#ffcdd2}.shade.drops{fill:#fff3e0;opacity:.5}.cursor{stroke:var(--sel);stroke-width:1.5}.axis{font-size:11px;fill:var(--muted)}
.tools button{font:inherit;margin-right:4px}#selection{color:var(--sel);margin-left:8px}.empty{color:var(--muted)}
table.coverage{border-collapse:collapse;width:100%;font-size:12px}table.coverage td,table.coverage th{border-top:1px solid var(--line);padding:3px 6px;text-align:left;vertical-align:top}
tr.observe-longer td:nth-child(5),.verdict.observe-longer{color:#a15c00;font-weight:600}.verdict.good{color:#2e7d32}
footer{color:var(--muted);font-size:12px;padding:0 22px 18px}
`;

/** "Was this session long enough?": the verdict, then a row per dimension (static: no script needed). */
function coveragePanel(c: Coverage): string {
  const rows = c.dimensions
    .map(
      (d) =>
        `<tr class="${esc(d.verdict)}"><td>${esc(d.dimension)}</td><td>${d.distinct}${d.capped ? "+" : ""}</td><td>${d.singletons}</td><td>${d.actions ? `${(d.pNew * 100).toFixed(d.pNew < 0.01 ? 2 : 0)}% of ${d.actions}` : "-"}</td><td>${esc(d.verdict)}</td><td>${d.actions ? esc(d.sentence) : ""}</td></tr>`,
    )
    .join("");
  return `<section class="panel wide" id="coverage"><h2>Coverage: was this session long enough?</h2>
<p class="verdict ${esc(c.verdict)}">${esc(c.sentence)}</p>
<table class="coverage"><thead><tr><th>dimension</th><th>distinct</th><th>seen once</th><th>next is new</th><th>verdict</th><th>why</th></tr></thead><tbody>${rows}</tbody></table>
<p class="meta">${esc(c.periodicSentence)}</p></section>`;
}

/** The notices that must come before any finding: a session that went wrong says so first. */
function notices(m: ReportModel): string[] {
  const out: string[] = [];
  if (m.targetExit && failed(m.targetExit)) out.push(targetExitSentence(m.targetExit));
  if (m.cutShort)
    out.push(
      `The session was cut short: the last event is from ${new Date(m.cutShort.lastEventAt).toISOString()}.`,
    );
  if (m.eventsDropped) out.push(eventsDroppedSentence(m.eventsDropped));
  if (m.disturbed)
    out.push(
      `From ${new Date(m.disturbed.at).toISOString()} the target was disturbed by ${m.disturbed.by}: ${m.disturbed.reason}`,
    );
  for (const s of m.sensors) if (s.status === "failed") out.push(`Sensor ${s.name} failed: ${s.reason}`);
  return out;
}

/**
 * report.html: one self-contained file, readable offline and safe to mail — no network, the
 * data and the code inline, the same redacted values as report.json.
 */
export function renderHtml(m: ReportModel, view: SessionView): string {
  const data: HtmlData = {
    target: m.target.label,
    started: m.started,
    ended: m.ended,
    findings: m.findings.map(publicFinding),
    notices: notices(m),
    view,
  };
  const sensors = m.sensors
    .map((s) => `${s.name} ${s.status} (${s.events} events, ${s.dropped} dropped)`)
    .join("; ");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Shadow Signals: ${esc(m.target.label)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>Shadow Signals — ${esc(m.target.label)}</h1>
<p>${esc(new Date(m.started).toISOString())} · ${m.events} events · ${m.processes} processes · ${m.findings.length} finding(s) · ${esc(sensors || "imported")}</p></header>
<main>
<section class="panel wide">${data.notices.map((n) => `<p class="notice">${esc(n)}</p>`).join("")}
<h2>Timeline</h2>
<div class="tools"><button id="zoom-in" type="button">zoom in</button><button id="zoom-out" type="button">zoom out</button><button id="zoom-reset" type="button">whole session</button><span id="selection"></span></div>
<div id="timeline"></div></section>
<section class="panel"><h2>Findings</h2><div id="findings"></div></section>
<section class="panel"><h2>Process tree</h2><div id="tree"></div></section>
${m.coverage ? coveragePanel(m.coverage) : ""}
</main>
<footer>Generated by shadow-signals. Secret values are redacted as kind#fingerprint, as in report.json. Click an evidence line or a mark to select its process.</footer>
<script id="data" type="application/json">${scriptJson(data)}</script>
<script>(${reportClient.toString()})(JSON.parse(document.getElementById("data").textContent));</script>
</body></html>
`;
}
