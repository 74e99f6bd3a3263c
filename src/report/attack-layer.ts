import type { ReportModel } from "../model/report-model.js";

const SCORE: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 1 };

/**
 * attack-layer.json: an ATT&CK Navigator layer (format 4.5) of the techniques the findings map to,
 * scored by the highest severity that names each, with the findings in the comment.
 */
export function renderAttackLayer(m: ReportModel): string {
  const techniques = new Map<string, { score: number; flags: string[] }>();
  for (const f of m.findings)
    for (const id of f.attack) {
      const t = techniques.get(id) ?? { score: 0, flags: [] };
      t.score = Math.max(t.score, SCORE[f.severity] ?? 1);
      t.flags.push(`${f.flag}: ${f.title}`);
      techniques.set(id, t);
    }
  const layer = {
    name: `Shadow Signals: ${m.target.label}`.slice(0, 100),
    versions: { attack: "15", navigator: "4.9.5", layer: "4.5" },
    domain: "enterprise-attack",
    description: `Techniques behind the findings of a runtime observation of ${m.target.label} (${m.findings.length} finding(s)).`,
    sorting: 3,
    hideDisabled: false,
    techniques: [...techniques]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([techniqueID, t]) => ({
        techniqueID,
        score: t.score,
        comment: t.flags.join("; "),
        enabled: true,
        showSubtechniques: techniqueID.includes("."),
      })),
    gradient: { colors: ["#ffe0b2", "#e65100", "#b71c1c"], minValue: 1, maxValue: 4 },
    legendItems: [
      { label: "low", color: "#ffe0b2" },
      { label: "high", color: "#b71c1c" },
    ],
  };
  return JSON.stringify(layer, null, 2) + "\n";
}
