import { test } from "node:test";
import assert from "node:assert/strict";
import { detectPeriod, detectPreciseRhythm } from "./periodicity.js";
import { mergeBeats } from "./detectors/periodic-autonomous-activity.js";

// A deterministic pseudo-random jitter, so the table is the same on every run.
function jittered(period: number, n: number, jitter: number, skip: number[] = []): number[] {
  let seed = 7;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const out: number[] = [];
  let t = 1000;
  for (let i = 0; i < n; i++) {
    t += period * (1 + rand() * jitter);
    if (!skip.includes(i)) out.push(t);
  }
  return out;
}

const periodic: [string, number[], number][] = [
  ["steady 2 s", jittered(2000, 12, 0), 2000],
  ["2 s with +-20% jitter", jittered(2000, 15, 0.2), 2000],
  ["5 s with missed beats", jittered(5000, 12, 0.1, [3, 7, 8]), 5000],
];
const notPeriodic: [string, number[]][] = [
  ["too few", [0, 1000, 2000]],
  ["request-driven, irregular", [0, 130, 2900, 3100, 9000, 9050, 15500, 21000, 21010, 30000]],
  ["accelerating", [0, 4000, 6000, 7000, 7500, 7750, 7875, 7940]],
];

for (const [name, times, period] of periodic) {
  test(`periodic: ${name}`, () => {
    const p = detectPeriod(times);
    assert.ok(p, "no period found");
    assert.ok(Math.abs(p.periodMs - period) / period < 0.15, `period ${p.periodMs}`);
  });
}
for (const [name, times] of notPeriodic) {
  test(`not periodic: ${name}`, () => assert.equal(detectPeriod(times), undefined));
}

test("three sensors reporting the same beats, late and out of order, are one rhythm", () => {
  const beats = jittered(2000, 12, 0.1);
  const reports = [...beats, ...beats.map((t) => t + 90), ...beats.map((t) => t - 40)].sort(
    () => 0.5 - Math.random(),
  );
  const merged = mergeBeats(reports);
  assert.equal(merged.length, beats.length);
  const p = detectPeriod(merged);
  assert.ok(p && Math.abs(p.periodMs - 2000) < 200, JSON.stringify(p));
});

test("a slow job seen three times, exact to the millisecond, is a rhythm with few beats", () => {
  const p = detectPreciseRhythm([0, 60_000, 120_004]);
  assert.ok(p?.fewBeats);
  assert.equal(Math.round(p.periodMs / 1000), 60);
  assert.equal(detectPreciseRhythm([0, 60_000, 125_000]), undefined, "5 s off is not exact");
  assert.equal(detectPreciseRhythm([0, 1000, 2000]), undefined, "fast rhythms need the usual beats");
  assert.equal(detectPeriod([0, 60_000, 120_004]), undefined, "the usual test needs more beats");
});
