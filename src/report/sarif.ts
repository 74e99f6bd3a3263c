import type { Finding } from "../model/finding.js";
import type { ReportModel } from "../model/report-model.js";
import type { BehaviorText } from "../model/finding.js";

/** SARIF levels by our severities: what code-scanning tools sort and gate on. */
const LEVEL: Record<string, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

/** Absolute paths an evidence line names: the files the daemon wrote, read or executed. */
function pathsIn(summary: string): string[] {
  return [...summary.matchAll(/(?:^|\s)(\/[^\s,;:()"']+)/g)].map((m) => m[1]!.replace(/[.]$/, ""));
}

const uri = (p: string) => `file://${p.split("/").map(encodeURIComponent).join("/")}`;

function result(f: Finding, ruleIndex: number, started: number) {
  const files = [...new Set(f.evidence.flatMap((e) => pathsIn(e.summary)))];
  const [primary, ...others] = files;
  const location = (p: string, id?: number) => ({
    ...(id !== undefined ? { id } : {}),
    physicalLocation: { artifactLocation: { uri: uri(p) } },
  });
  return {
    ruleId: f.behavior,
    ruleIndex,
    level: LEVEL[f.severity] ?? "warning",
    message: { text: f.claim },
    ...(primary ? { locations: [location(primary)] } : {}),
    relatedLocations: [
      ...others.slice(0, 50).map((p, i) => location(p, i + 1)),
      ...f.evidence.map((e, i) => ({
        id: 1000 + i,
        message: { text: `+${e.ts.toFixed(1)} s ${e.comm}[${e.pid}] (${e.sensor}): ${e.summary}` },
      })),
    ],
    properties: {
      flag: f.flag,
      occurrences: f.occurrences,
      confidence: f.confidence,
      sensors: f.sensors,
      attack: f.attack,
      firstSeen: new Date(started + (f.evidence[0]?.ts ?? 0) * 1000).toISOString(),
      reasoning: f.reasoning,
      securityImpact: f.impact,
      visibilityGap: f.visibilityGap,
    },
  };
}

/** report.sarif: SARIF 2.1.0, one rule per behaviour id (with its ATT&CK ids), a result per finding. */
export function renderSarif(m: ReportModel, behaviors: BehaviorText[]): string {
  const rules = behaviors.map((t) => ({
    id: t.behavior,
    name: t.behavior.replace(/(^|-)(\w)/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: t.title },
    fullDescription: { text: t.reasoning },
    help: { text: `${t.impact} Primary risk: ${t.primaryRisk}` },
    properties: {
      tags: ["security", "runtime", ...t.attack.map((a) => `external/attack/${a}`)],
      attack: t.attack,
    },
  }));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "shadow-signals",
            version: "0.1.0",
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful: true,
            ...(Number.isFinite(m.started) ? { startTimeUtc: new Date(m.started).toISOString() } : {}),
            ...(Number.isFinite(m.ended) ? { endTimeUtc: new Date(m.ended).toISOString() } : {}),
          },
        ],
        properties: { target: m.target.label, sensors: m.sensors.map((s) => `${s.name} ${s.status}`) },
        results: m.findings.map((f) => result(f, index.get(f.behavior) ?? 0, m.started)),
      },
    ],
  };
  return JSON.stringify(log, null, 2) + "\n";
}
