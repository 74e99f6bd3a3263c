import type { DriftSummary } from "../model/drift.js";
import type { Coverage } from "../analysis/coverage.js";
import { formatDuration } from "../util/duration.js";
import type { ReportModel } from "../model/report-model.js";
import { eventsDroppedSentence } from "./events-dropped.js";
import { failed, targetExitSentence } from "./target-exit.js";

const bullet = (s: string) => `- ${s}`;

/** How long the target ran under observation; sensor start-up and shutdown are said apart. */
function observedFor(m: ReportModel): string {
  if (!m.window) return formatDuration(m.ended - m.started);
  const { released, stopRequested } = m.window;
  return (
    `${formatDuration(stopRequested - released)}, from the moment every sensor was ready to our stop request ` +
    `(the session spans ${formatDuration(m.ended - m.started)} with sensor start-up, ${formatDuration(released - m.started)}, ` +
    `and the stop, ${formatDuration(m.ended - stopRequested)})`
  );
}

const at = (m: ReportModel, ts: number) => `+${((ts - m.started) / 1000).toFixed(1)} s`;

/** What went wrong with the session itself: said before any finding, in plain words. */
function incidents(m: ReportModel): string[] {
  const out: string[] = [];
  if (m.targetExit)
    out.push(
      `**${targetExitSentence(m.targetExit)}** The findings cover only what it did until then${failed(m.targetExit) ? "; a report without findings for a target that failed is not an all-clear" : ""}.`,
      "",
    );
  if (m.cutShort)
    out.push(
      `**This session was cut short.** ${m.cutShort.why ? `It was ${m.cutShort.why}` : "Its recorder was ended before it could finish (it was killed)"}; the last recorded event is at ${new Date(m.cutShort.lastEventAt).toISOString()} (${at(m, m.cutShort.lastEventAt)}). ` +
        "The sensors' summaries, the process table and the captured files were not written: this report covers only the events recorded until then.",
      "",
    );
  if (m.eventsDropped) out.push(`**${eventsDroppedSentence(m.eventsDropped)}**`, "");
  for (const s of m.sensors.filter((x) => x.failedAt !== undefined))
    out.push(
      `**Sensor ${s.name} failed at ${at(m, s.failedAt!)}**: ${s.reason}. Its view is missing from then on; the other sensors went on.`,
      "",
    );
  if (m.refusedCaptures?.length)
    out.push(
      `**Files not read** (${m.refusedCaptures.length}): the target wrote them, but reading them by their path would have read another file, so their contents were not captured or scanned: ` +
        m.refusedCaptures
          .slice(0, 10)
          .map((r) => `\`${r.path}\` — ${r.reason}`)
          .join("; ") +
        ".",
      "",
    );
  out.push(...publishIncidents(m));
  if (m.disturbed)
    out.push(
      `**The ${m.disturbed.by} sensor's failure changed the target at ${at(m, m.disturbed.at)}.** Nothing the target did from then on is counted as its own behaviour in the findings below.`,
      "",
    );
  return out;
}

/** A session sent to a fleet's bus: events that never reached it, and when the bus was away. */
function publishIncidents(m: ReportModel): string[] {
  const p = m.publish;
  if (!p) return [];
  const out: string[] = [];
  const where = `${p.url} as \`${p.host}/${p.session}\``;
  if (p.notSentEvents > 0)
    out.push(
      `**${p.notSentEvents} event(s) never reached the fleet's bus** (${where}): ` +
        p.gaps.map((g) => `${g.events} at ${at(m, g.at)}, ${g.reason}`).join("; ") +
        ". The host's own session dir holds them; a copy rebuilt by `collect` does not, and its findings may miss what they showed.",
      "",
    );
  for (const o of p.outages)
    out.push(
      `**The fleet's bus was unreachable** from ${at(m, o.from)} ${o.to !== undefined ? `to ${at(m, o.to)}` : "until the end"} (${where}). ` +
        (p.notSentEvents > 0
          ? "Events waited on disk; those past the backlog limit are counted above."
          : "Events waited on disk and were sent when it was back: none was lost."),
      "",
    );
  return out;
}

/** report.md in the seed report's structure, with the session's real evidence. */
export function renderMarkdown(m: ReportModel): string {
  const out: string[] = [];
  const used = m.sensors.filter((s) => s.status !== "unavailable");
  out.push(
    "# Shadow Signals: Runtime Telemetry Research Lab",
    "",
    `## Runtime Security Analysis Report – ${m.target.label}`,
    "",
  );
  out.push("### Methodology", "");
  out.push(
    `The investigation was performed using runtime observation only. The target (${m.target.kind}: \`${m.target.label}\`) was observed for ${observedFor(m)} ` +
      `with the sensors ${used.map((s) => `**${s.name}**`).join(", ") || "(none: imported log)"}. ` +
      `${m.events} events from ${m.processes} processes were correlated across telemetry, process metadata in /proc, filesystem artifacts and timing. ` +
      "No code modification, instrumentation or exploitation was performed; all findings derive from observable runtime behaviour.",
    "",
  );
  out.push(...incidents(m));
  out.push("| sensor | status | events | dropped | note |", "| --- | --- | --- | --- | --- |");
  for (const s of m.sensors) {
    const when = s.failedAt !== undefined ? `failed at ${at(m, s.failedAt)}: ` : "";
    out.push(
      `| ${s.name} | ${s.status} | ${s.events} | ${s.dropped} | ${(when + s.reason).replace(/\|/g, "\\|")} |`,
    );
  }
  out.push("");
  m.findings.forEach((f, i) => {
    out.push(`### Flag-${i + 1}: ${f.title}`, "");
    out.push(
      `\`${f.behavior}\` · severity **${f.severity}** · confidence **${f.confidence}** · ${f.occurrences} occurrence(s) · sensors: ${f.sensors.join(", ")}${f.attack.length ? ` · ATT&CK ${f.attack.join(", ")}` : ""}`,
      "",
    );
    out.push("#### Claim", "", f.claim, "");
    out.push("#### Evidence", "");
    for (const e of f.evidence)
      out.push(
        bullet(
          `+${e.ts.toFixed(2)} s · pid ${e.pid} (${e.comm}) · ${e.sensor} — ${e.summary.replace(/\n/g, " ")}`,
        ),
      );
    out.push(
      "",
      "#### Reasoning",
      "",
      f.reasoning,
      "",
      "#### Security Impact",
      "",
      f.impact,
      "",
      "#### Visibility Gap",
      "",
      f.visibilityGap,
      "",
    );
  });
  if (m.findings.length === 0) out.push("No behaviour of the catalogue was observed.", "");
  out.push("---", "", "## Summary of Findings", "");
  if (m.findings.length === 0) out.push("None.", "");
  else {
    out.push("| Flag | Behavior | Primary Risk |", "| --- | --- | --- |");
    m.findings.forEach((f, i) => out.push(`| Flag-${i + 1} | ${f.title} | ${f.primaryRisk} |`));
    out.push("");
  }
  if (m.notFound.length) {
    out.push(
      "### Not observed",
      "",
      "What was not found, and whether the sensors in use could have seen it:",
      "",
    );
    for (const n of m.notFound) out.push(bullet(`\`${n.behavior}\`: ${n.note}`));
    out.push("");
  }
  if (m.drift) out.push(...driftSection(m.drift));
  if (m.coverage) out.push(...coverageSection(m.coverage));
  out.push("---", "", "## Conclusion", "");
  if (m.findings.length) {
    out.push(
      `The target exhibits ${m.findings.length} distinct security-relevant behaviour(s) that represent potential attack surfaces or would be of interest during security monitoring:`,
      "",
    );
    m.findings.forEach((f, i) => out.push(`${i + 1}. **${f.title}** — ${f.primaryRisk.toLowerCase()}`));
    out.push(
      "",
      "These findings show what runtime behavioural analysis reveals beyond static analysis or documentation, and the visibility gaps above say what it could not.",
    );
  } else
    out.push(
      "Within the limits stated above, the observed runtime behaviour raised no flag of the catalogue.",
    );
  return out.join("\n") + "\n";
}

/** "Was this session long enough?": a line per dimension, then what a job's period needs. */
export function coverageSection(c: Coverage): string[] {
  const out = ["### Coverage: was this session long enough?", "", c.sentence, ""];
  out.push(
    "| Dimension | Distinct | Seen once | Chance the next is new | Verdict |",
    "| --- | --- | --- | --- | --- |",
  );
  for (const d of c.dimensions)
    out.push(
      `| ${d.dimension} | ${d.distinct}${d.capped ? "+" : ""} | ${d.singletons} | ${d.actions ? `${(d.pNew * 100).toFixed(d.pNew < 0.01 ? 2 : 0)}% of ${d.actions}` : "-"} | ${d.verdict} |`,
    );
  out.push("");
  for (const d of c.dimensions) if (d.actions) out.push(bullet(`**${d.dimension}**: ${d.sentence}`));
  out.push(bullet(c.periodicSentence), "");
  return out;
}

/** `watch`: what left the baseline, a line per rule and value, with how often and how many alerts went out. */
function driftSection(d: DriftSummary): string[] {
  const out = [
    "### Drift from the baseline",
    "",
    `Baseline: ${d.baseline.map((b) => `\`${b}\``).join(", ")}.`,
  ];
  if (d.learnedUntil !== undefined)
    out.push(`New values before ${new Date(d.learnedUntil).toISOString()} joined the baseline (--learn).`);
  out.push("");
  if (!d.records.length) out.push("Nothing left the baseline: no alert.", "");
  for (const r of d.records)
    out.push(
      bullet(
        `**${r.rule}** (${r.priority}): ${r.text} — ${r.count} time(s), first ${new Date(r.first).toISOString()}, last ${new Date(r.last).toISOString()}; ${r.alerts} alert(s) sent, ${r.count - r.alerts} suppressed as repeats`,
      ),
    );
  out.push("");
  return out;
}
