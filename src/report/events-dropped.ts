import type { ReportModel } from "../model/report-model.js";

/** The sentence every report gives for events a disk bound dropped (`--max-disk`). */
export function eventsDroppedSentence(d: NonNullable<ReportModel["eventsDropped"]>): string {
  const mib = (d.bytes / (1 << 20)).toFixed(1);
  return (
    `The oldest ${d.events.toLocaleString("en")} events (${d.parts} rotated part${d.parts === 1 ? "" : "s"}, ${mib} MiB compressed, up to ${new Date(d.untilAt).toISOString()}) were dropped under --max-disk before the analysis: ` +
    "no finding cites them, and behaviour seen only then is not in this report."
  );
}
