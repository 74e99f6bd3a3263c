import type { Coverage } from "../analysis/coverage.js";
import type { Finding } from "../model/finding.js";
import type { ReportModel } from "../model/report-model.js";
import { eventsDroppedSentence } from "./events-dropped.js";
import { failed, targetExitSentence } from "./target-exit.js";

/** A time as ISO 8601, or null when there is none (an input with no timed event). */
const iso = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);

/** A finding as the reports show it: the five sections and what backs them, nothing internal. */
export function publicFinding(f: Finding) {
  return {
    behavior: f.behavior,
    flag: f.flag,
    title: f.title,
    severity: f.severity,
    confidence: f.confidence,
    claim: f.claim,
    occurrences: f.occurrences,
    evidence: f.evidence,
    reasoning: f.reasoning,
    impact: f.impact,
    visibilityGap: f.visibilityGap,
    attack: f.attack,
    sensors: f.sensors,
  };
}

/** Coverage with its times as ISO 8601, as every other time in report.json. */
export function publicCoverage(c: Coverage) {
  return {
    verdict: c.verdict,
    sentence: c.sentence,
    from: iso(c.from),
    to: iso(c.to),
    dimensions: c.dimensions.map((d) => ({
      ...d,
      ...(d.lastNewAt !== undefined ? { lastNewAt: iso(d.lastNewAt) } : {}),
    })),
    periodicHorizonMs: c.periodicHorizonMs,
    periodicSentence: c.periodicSentence,
  };
}

/** report.json, schema shadow-signals/report@1 (see DESIGN.md). */
export function renderJson(m: ReportModel): string {
  const report = {
    schema: "shadow-signals/report@1",
    target: m.target,
    session: {
      started: iso(m.started),
      ended: iso(m.ended),
      ...(m.targetExit
        ? {
            targetExit: {
              at: iso(m.targetExit.at),
              afterMs: m.targetExit.afterMs,
              ...(m.targetExit.code !== undefined ? { code: m.targetExit.code } : {}),
              ...(m.targetExit.signal !== undefined ? { signal: m.targetExit.signal } : {}),
              failed: failed(m.targetExit),
              summary: targetExitSentence(m.targetExit),
            },
          }
        : {}),
      ...(m.cutShort ? { cutShort: { lastEvent: iso(m.cutShort.lastEventAt) } } : {}),
      ...(m.eventsDropped
        ? {
            eventsDropped: {
              parts: m.eventsDropped.parts,
              events: m.eventsDropped.events,
              bytes: m.eventsDropped.bytes,
              until: iso(m.eventsDropped.untilAt),
              summary: eventsDroppedSentence(m.eventsDropped),
            },
          }
        : {}),
      ...(m.disturbed ? { disturbed: { ...m.disturbed, at: iso(m.disturbed.at) } } : {}),
      ...(m.refusedCaptures ? { refusedCaptures: m.refusedCaptures } : {}),
      ...(m.publish
        ? {
            publish: {
              ...m.publish,
              gaps: m.publish.gaps.map((g) => ({ ...g, at: iso(g.at) })),
              outages: m.publish.outages.map((o) => ({
                from: iso(o.from),
                ...(o.to !== undefined ? { to: iso(o.to) } : {}),
              })),
            },
          }
        : {}),
      events: m.events,
      processes: m.processes,
      sensors: m.sensors.map((s) => ({
        name: s.name,
        status: s.status,
        events: s.events,
        dropped: s.dropped,
        reason: s.reason,
        ...(s.failedAt !== undefined ? { failedAt: iso(s.failedAt) } : {}),
        ...(s.disturbedTarget ? { disturbedTarget: true } : {}),
      })),
    },
    findings: m.findings.map(publicFinding),
    summary: m.findings.map((f, i) => ({
      flag: `Flag-${i + 1}`,
      behavior: f.behavior,
      title: f.title,
      primaryRisk: f.primaryRisk,
      severity: f.severity,
    })),
    notFound: m.notFound,
    ...(m.coverage ? { coverage: publicCoverage(m.coverage) } : {}),
    ...(m.drift
      ? {
          drift: {
            baseline: m.drift.baseline,
            ...(m.drift.learnedUntil !== undefined ? { learnedUntil: iso(m.drift.learnedUntil) } : {}),
            records: m.drift.records.map((r) => ({ ...r, first: iso(r.first), last: iso(r.last) })),
          },
        }
      : {}),
  };
  return JSON.stringify(report, null, 2) + "\n";
}
