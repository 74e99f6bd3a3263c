import { test } from "node:test";
import assert from "node:assert/strict";
import { diffSessions } from "./diff.js";
import type { SessionDigest } from "./session-digest.js";

const finding = (behavior: string, occurrences = 1, severity = "high") => ({
  behavior,
  flag: "Flag-1",
  title: behavior,
  severity,
  occurrences,
  evidence: [],
});
function digestOf(findings: ReturnType<typeof finding>[], extra: Partial<SessionDigest> = {}): SessionDigest {
  return {
    label: "d",
    source: "s",
    findings: new Map(findings.map((f) => [f.behavior, f])),
    periods: [],
    classes: {
      executables: new Set(["/usr/bin/id"]),
      written: new Set(),
      peers: new Set(),
      secretKinds: new Set(),
    },
    ...extra,
  };
}

test("a new behaviour or a new occurrence class is something new; gone ones are not", () => {
  const a = digestOf([finding("config-file-modification", 3)]);
  const b = digestOf([finding("config-file-modification", 5), finding("plaintext-secret-in-temp")]);
  b.classes!.written.add("/etc/cron.d/agent");
  const d = diffSessions(a, b);
  assert.deepEqual(
    d.newBehaviors.map((f) => f.behavior),
    ["plaintext-secret-in-temp"],
  );
  assert.deepEqual(
    d.changed.map((c) => [c.behavior, c.before, c.after]),
    [["config-file-modification", 3, 5]],
  );
  assert.deepEqual(d.classes, [
    {
      name: "written paths",
      behavior: "privileged-write-steady-state",
      added: ["/etc/cron.d/agent"],
      removed: [],
    },
  ]);
  assert.equal(d.somethingNew, true);
  const back = diffSessions(b, a);
  assert.equal(back.somethingNew, false);
  assert.deepEqual(
    back.goneBehaviors.map((f) => f.behavior),
    ["plaintext-secret-in-temp"],
  );
});

test("periods match within their jitter (at least 10%); beyond it the rhythm changed", () => {
  const p = (periodMs: number, jitter = 0.05) => ({ key: "exec /bin/sh", periodMs, jitter });
  const base = digestOf([finding("periodic-autonomous-activity")], { periods: [p(2000)] });
  assert.equal(
    diffSessions(base, digestOf([finding("periodic-autonomous-activity")], { periods: [p(2150)] }))
      .somethingNew,
    false,
  );
  const slower = diffSessions(
    base,
    digestOf([finding("periodic-autonomous-activity")], { periods: [p(3000)] }),
  );
  assert.equal(slower.periods.changed.length, 1);
  assert.equal(slower.somethingNew, true);
});

test("bare reports compare findings only, and say so", () => {
  const a = digestOf([finding("x")]);
  delete a.classes;
  const d = diffSessions(a, digestOf([finding("x")]));
  assert.equal(d.somethingNew, false);
  assert.match(d.limits[0] ?? "", /report\.json alone/);
});
