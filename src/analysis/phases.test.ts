import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../events/schema.js";
import type { AnalysisContext } from "./context.js";
import { analysisContext } from "../testing/analysis-context.js";
import { PhaseTracker, isSteady } from "./phases.js";

const T0 = 1_000_000;
const context = (): AnalysisContext =>
  analysisContext({ target: { kind: "command", label: "supervisor" }, sensors: [], releasedAt: T0 });
const ev = (t: number, pid: number) =>
  ({
    kind: "open",
    ts: T0 + t,
    seq: 0,
    pid,
    comm: "x",
    sensor: "ptrace",
    path: "/etc/x",
    flags: ["O_RDONLY"],
  }) as ShadowEvent;

test("a supervisor whose root sleeps while its children work leaves start-up at the tree's first quiet gap", () => {
  const ctx = context();
  const phases = new PhaseTracker();
  phases.observe(ev(0, 100), ctx); // the root starts, then only waits for its children
  for (let t = 100; t <= 2000; t += 300) phases.observe(ev(t, 200), ctx);
  phases.observe(ev(5000, 201), ctx); // the next child, after a quiet 3 s
  assert.equal(ctx.steadyFrom, T0 + 5000);
  assert.ok(isSteady(ev(5000, 201), ctx));
});

test("a tree that never goes quiet leaves start-up after the maximum", () => {
  const ctx = context();
  const phases = new PhaseTracker(1000, 15_000);
  for (let t = 0; t <= 20_000; t += 200) phases.observe(ev(t, 200 + (t % 3)), ctx);
  assert.equal(ctx.steadyFrom, T0 + 15_000);
});

test("what waits at the launch gate does not start the clock", () => {
  const ctx = { ...context(), releasedAt: T0 + 3000 };
  const phases = new PhaseTracker();
  phases.observe(ev(0, 100), ctx); // the gate shell
  phases.observe(ev(3100, 100), ctx);
  phases.observe(ev(3300, 100), ctx);
  assert.equal(ctx.steadyFrom, undefined);
});
