import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../../events/schema.js";
import { Analyzer } from "../analyzer.js";
import { analysisContext } from "../../testing/analysis-context.js";

const T0 = 1_000_000;

/**
 * A loop whose root wakes every second, with a 5 s pause at t=10 s. Before `releasedAt` it sat at
 * our launch gate. `failAt`: a failed exec that nothing reports.
 */
function silentFailure(opts: {
  releasedAt?: number;
  failAt?: number;
  /** A child that exits 0 at this time (a supervisor's program that ran its course). */
  okChildAt?: number;
  /** A child's failed exec, nothing reported, at this time (inside the pause). */
  childFailAt?: number;
  /** A library's nscd probe (getpwnam) that fails at this time. */
  nscdAt?: number;
}) {
  const a = new Analyzer(
    analysisContext({
      target: { kind: "command", label: "loop" },
      endedAt: T0 + 30_000,
      stopRequestedAt: T0 + 25_000,
      releasedAt: opts.releasedAt,
    }),
  );
  let seq = 0;
  const at = (t: number, e: Partial<ShadowEvent>) =>
    a.observe({ ts: T0 + t, seq: ++seq, pid: 100, comm: "sh", sensor: "ptrace", ...e } as ShadowEvent);
  // The gate shell's own start-up, then 3.5 s of waiting for the sensors.
  at(10, { kind: "open", path: "/etc/ld.so.cache", flags: ["O_RDONLY"] });
  at(20, { kind: "open", path: "/lib/libc.so.6", flags: ["O_RDONLY"] });
  for (let t = 3600; t < 24_000; t += 1000) {
    if (t > 10_000 && t < 15_000) continue; // the pause
    if (opts.failAt !== undefined && t === opts.failAt)
      at(t, { kind: "exec", path: "/opt/x/helper", argv: ["helper"], err: "ENOENT" });
    at(t, { kind: "open", path: "/etc/hostname", flags: ["O_RDONLY"] });
  }
  if (opts.okChildAt !== undefined) at(opts.okChildAt, { kind: "exit", pid: 101, comm: "job", code: 0 });
  if (opts.childFailAt !== undefined)
    at(opts.childFailAt, { kind: "exec", pid: 102, path: "/opt/x/other", argv: ["other"], err: "EACCES" });
  if (opts.nscdAt !== undefined)
    at(opts.nscdAt, {
      kind: "connect",
      pid: 101,
      family: "unix",
      unixPath: "/var/run/nscd/socket",
      err: "ENOENT",
    });
  return a.finish().find((f) => f.behavior === "silent-failure-fallback");
}

test("a pause alone is not a silent failure (a supervisor waits between respawns)", () => {
  assert.equal(silentFailure({ releasedAt: T0 + 3500 }), undefined);
});

test("a pause right after a failure that nothing reported is cited with it", () => {
  const f = silentFailure({ releasedAt: T0 + 3500, failAt: 9600 });
  assert.ok(f, "found");
  assert.ok(f.evidence.some((e) => /exec of \/opt\/x\/helper failed/.test(e.summary)));
  assert.ok(
    f.evidence.some((e) => /telemetry gap of 6\.0 s .* right after a failure/.test(e.summary)),
    JSON.stringify(f.evidence),
  );
});

test("the wait at the launch gate is never a telemetry gap of the target", () => {
  const f = silentFailure({ releasedAt: T0 + 3500, failAt: 3600 });
  assert.ok(f, "the failure itself is found");
  assert.ok(!f.evidence.some((e) => /gap of 3\.\d s/.test(e.summary)), JSON.stringify(f.evidence));
});

test("a pause after a child that succeeded is waiting, even after an earlier failure", () => {
  const f = silentFailure({ releasedAt: T0 + 3500, failAt: 9600, okChildAt: 11_000 });
  assert.ok(f, "the failure itself is still found");
  assert.ok(!f.evidence.some((e) => /telemetry gap/.test(e.summary)), JSON.stringify(f.evidence));
});

test("a failure in the middle of a pause is not what the pause followed", () => {
  const f = silentFailure({ releasedAt: T0 + 3500, childFailAt: 13_000 });
  assert.ok(f, "the failure itself is found");
  assert.ok(!f.evidence.some((e) => /telemetry gap/.test(e.summary)), JSON.stringify(f.evidence));
});

test("glibc's nscd probe that falls back by design is no failure (a supervisor looking up users)", () => {
  assert.equal(silentFailure({ releasedAt: T0 + 3500, nscdAt: 9800, okChildAt: 12_000 }), undefined);
});
