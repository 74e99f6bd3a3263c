import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../../events/schema.js";
import { Analyzer } from "../analyzer.js";
import { analysisContext } from "../../testing/analysis-context.js";

const T0 = 1_000_000;

test("cron's job every minute in a 150 s session: periodic, low confidence, the gap says how many beats it could hold", () => {
  const a = new Analyzer(
    analysisContext({
      target: { kind: "command", label: "cron -f" },
      endedAt: T0 + 150_000,
      stopRequestedAt: T0 + 149_000,
    }),
  );
  let seq = 0;
  for (const [i, t] of [20_000, 80_000, 140_001].entries())
    a.observe({
      kind: "exec",
      ts: T0 + t,
      seq: ++seq,
      pid: 200 + i,
      comm: "sh",
      sensor: "ptrace",
      path: "/bin/sh",
      argv: ["/bin/sh", "-c", "date >> /tmp/job.log"],
    } as ShadowEvent);
  const f = a.finish().find((x) => x.behavior === "periodic-autonomous-activity");
  assert.ok(f, "found");
  assert.equal(f.confidence, "low");
  assert.match(f.evidence[0]!.summary, /recurs every 60\.00 s .*few beats, but exact/);
  assert.match(f.visibilityGap, /could hold at most 3 beats; a session of 6 min or more would confirm/);
});
