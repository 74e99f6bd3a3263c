import { test } from "node:test";
import assert from "node:assert/strict";
import type { Finding } from "../model/finding.js";
import { renderMarkdown } from "./markdown.js";
import type { ReportModel } from "../model/report-model.js";

const T0 = 1_800_000_000_000;
const base: ReportModel = {
  target: { kind: "command", label: "nginx -g 'daemon off;'", argv: ["nginx", "-g", "daemon off;"] },
  started: T0,
  ended: T0 + 22_400,
  window: { released: T0 + 2_200, stopRequested: T0 + 17_200 },
  sensors: [
    { name: "ptrace", status: "stopped", reason: "strace 6.1 | root", events: 10, dropped: 0, errors: 0 },
  ],
  events: 10,
  processes: 2,
  findings: [],
  notFound: [{ behavior: "hidden-orphan-process", note: "not observed by the sensors in use." }],
};

const finding: Finding = {
  behavior: "external-binary-execution",
  flag: "Flag-4",
  title: "External Binary Execution",
  severity: "medium",
  confidence: "high",
  claim: "It runs a shell.",
  evidence: [{ ts: 3.25, pid: 42, comm: "sh", sensor: "ptrace", summary: "execs /bin/sh -c\ntrue" }],
  occurrences: 7,
  reasoning: "Because.",
  impact: "Hijackable.",
  visibilityGap: "None.",
  attack: ["T1059.004"],
  sensors: ["ptrace"],
  primaryRisk: "command execution",
};

test("markdown: the target's observed run is told apart from sensor start-up and the stop", () => {
  const md = renderMarkdown(base);
  assert.match(md, /`nginx -g 'daemon off;'`\) was observed for 15s, from the moment every sensor was ready/);
  assert.match(md, /spans 22\.4s with sensor start-up, 2\.2s, and the stop, 5\.2s/);
  // Without a window (an imported log) the span is all there is.
  const { window: _w, ...imported } = base;
  assert.match(renderMarkdown(imported), /was observed for 22\.4s with the sensors/);
});

test("markdown: no findings gives 'None.' rather than an empty table; a pipe in a note is escaped", () => {
  const md = renderMarkdown(base);
  assert.match(md, /## Summary of Findings\n\nNone\.\n/);
  assert.doesNotMatch(md, /\| Flag \| Behavior \| Primary Risk \|/);
  assert.match(md, /strace 6\.1 \\\| root/);
  assert.match(md, /- `hidden-orphan-process`: not observed by the sensors in use\./);
});

test("markdown: a finding has the seed's five parts and a row in the summary", () => {
  const md = renderMarkdown({ ...base, findings: [finding] });
  for (const part of ["Claim", "Evidence", "Reasoning", "Security Impact", "Visibility Gap"])
    assert.match(md, new RegExp(`#### ${part}\\n`));
  assert.match(md, /### Flag-1: External Binary Execution/);
  assert.match(md, /- \+3\.25 s · pid 42 \(sh\) · ptrace — execs \/bin\/sh -c true/);
  assert.match(md, /\| Flag-1 \| External Binary Execution \| command execution \|/);
  assert.match(md, /7 occurrence\(s\)/);
});
