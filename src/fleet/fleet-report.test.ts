import assert from "node:assert/strict";
import { test } from "node:test";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withTmpDir } from "../testing/cli.js";
import { buildFleetReport } from "./fleet-report.js";

/** A collected session with only its report.json: the behaviours (and periods) are compared. */
function session(dir: string, host: string, name: string, started: string, findings: [string, string?][]) {
  const at = path.join(dir, host, name);
  mkdirSync(at, { recursive: true });
  writeFileSync(
    path.join(at, "report.json"),
    JSON.stringify({
      target: { label: "agent" },
      session: { started, events: 10 },
      findings: findings.map(([behavior, summary]) => ({
        behavior,
        flag: "x",
        title: behavior,
        severity: "medium",
        occurrences: 1,
        evidence: summary ? [{ summary }] : [],
      })),
    }),
  );
}

const tick = (s: number) => `"tick" recurs every ${s} s (jitter 5.0%`;

test("the host that does what the others do not, since which session; and the one missing what most do", () =>
  withTmpDir("fleet-report-", async (dir) => {
    const common: [string, string?][] = [
      ["config-file-modification"],
      ["periodic-autonomous-activity", tick(2)],
    ];
    session(dir, "web-1", "s1", "2026-11-26T10:00:00Z", common);
    session(dir, "web-2", "s1", "2026-11-26T10:00:00Z", common);
    session(dir, "web-3", "s1", "2026-11-26T09:00:00Z", common);
    session(dir, "web-3", "s2", "2026-11-26T10:00:00Z", [...common, ["plaintext-secret-in-temp"]]);
    session(dir, "web-4", "s1", "2026-11-26T10:00:00Z", [["periodic-autonomous-activity", tick(2)]]);
    const r = await buildFleetReport(dir, () => undefined);
    assert.deepEqual(
      r.hosts.map((h) => h.host),
      ["web-1", "web-2", "web-3", "web-4"],
    );
    const only = r.outliers.filter((o) => o.kind === "only here");
    assert.deepEqual(
      only.map((o) => [o.host, o.value, o.since?.session, o.since?.earlierWithout]),
      [["web-3", "plaintext-secret-in-temp", "s2", 1]],
    );
    const missing = r.outliers.filter((o) => o.kind === "missing here");
    assert.deepEqual(
      missing.map((o) => [o.host, o.value]),
      [["web-4", "config-file-modification"]],
    );
    const row = r.matrix.find((m) => m.behavior === "config-file-modification")!;
    assert.deepEqual(row.perHost, { "web-1": 1, "web-2": 1, "web-3": 2, "web-4": 0 });
  }));

test("a host that keeps the common rhythm at another period stands out; jitter does not", () =>
  withTmpDir("fleet-report-", async (dir) => {
    session(dir, "a", "s", "2026-11-26T10:00:00Z", [["periodic-autonomous-activity", tick(60)]]);
    session(dir, "b", "s", "2026-11-26T10:00:00Z", [["periodic-autonomous-activity", tick(61)]]);
    session(dir, "c", "s", "2026-11-26T10:00:00Z", [["periodic-autonomous-activity", tick(10)]]);
    const r = await buildFleetReport(dir, () => undefined);
    assert.deepEqual(
      r.outliers.map((o) => [o.host, o.kind, o.value]),
      [["c", "different period", "tick"]],
    );
    assert.match(r.outliers[0]!.detail!, /every 10\.0 s here; 60\.0 s, 61\.0 s on the others/);
  }));

test("two hosts: nothing stands out, and the report says to use diff; names that are not ours are skipped", () =>
  withTmpDir("fleet-report-", async (dir) => {
    session(dir, "a", "s", "2026-11-26T10:00:00Z", [["config-file-modification"]]);
    session(dir, "b", "s", "2026-11-26T10:00:00Z", []);
    mkdirSync(path.join(dir, "not.a.host"));
    mkdirSync(path.join(dir, "c", "pending"), { recursive: true }); // no report yet
    const r = await buildFleetReport(dir, () => undefined);
    assert.deepEqual(r.outliers, []);
    assert.deepEqual(
      r.hosts.map((h) => h.host),
      ["a", "b"],
    );
    assert.ok(r.limits.some((l) => /diff/.test(l)));
    assert.ok(r.limits.some((l) => /c\/pending: no report yet/.test(l)));
  }));
