import { test } from "node:test";
import assert from "node:assert/strict";
import { validateEvent } from "./validate.js";

const base = { ts: 1, seq: 1, pid: 10, comm: "imd", sensor: "ptrace" };

test("valid events of several kinds pass", () => {
  for (const e of [
    { ...base, kind: "exec", path: "/bin/sh", argv: ["sh", "-c", "id"] },
    { ...base, kind: "open", path: "/etc/x", flags: ["O_RDONLY"], err: "ENOENT" },
    { ...base, kind: "connect", family: "inet", address: "127.0.0.1", port: 80 },
    { ...base, kind: "setsid" },
  ]) {
    const r = validateEvent(e);
    assert.ok(r.success, JSON.stringify(r));
  }
});

test("invalid events say what and where", () => {
  const cases: [unknown, string, string?][] = [
    [42, "not_object"],
    [{ ...base, kind: "teleport" }, "unknown_kind", "kind"],
    [{ ...base, kind: "exec", argv: [] }, "missing_field", "path"],
    [{ ...base, kind: "exec", path: "/x", argv: [1] }, "invalid_type", "argv"],
    [{ ...base, pid: "10", kind: "setsid" }, "invalid_type", "pid"],
    [{ ...base, sensor: "radar", kind: "setsid" }, "unknown_sensor", "sensor"],
  ];
  for (const [value, code, field] of cases) {
    const r = validateEvent(value);
    assert.equal(r.success, false);
    if (!r.success) {
      assert.equal(r.error.code, code);
      if (field) assert.deepEqual(r.error.path, [field]);
    }
  }
});

test("a hostile kind or sensor is rejected, not thrown on (fuzz counterexample, seed 523521519)", () => {
  const hostile = JSON.parse('{"toString":[],"valueOf":1}') as unknown;
  for (const value of [
    { ...base, kind: hostile },
    { ...base, kind: "setsid", sensor: hostile },
    { ...base, kind: "x".repeat(10_000) },
  ]) {
    const r = validateEvent(value);
    assert.equal(r.success, false);
    if (!r.success) assert.ok(r.error.message.length < 120, r.error.message);
  }
});
