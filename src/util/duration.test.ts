import { test } from "node:test";
import assert from "node:assert/strict";
import { parseDuration, formatDuration } from "./duration.js";
import { UsageError } from "./result.js";

test("parseDuration accepts bare seconds and units", () => {
  assert.equal(parseDuration("30"), 30_000);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("2m"), 120_000);
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("1.5s"), 1500);
});

test("parseDuration rejects garbage and zero with a usage error", () => {
  assert.throws(() => parseDuration("soon"), UsageError);
  assert.throws(() => parseDuration("0"), UsageError);
  assert.throws(() => parseDuration("-3s"), UsageError);
});

test("formatDuration is short and readable", () => {
  assert.equal(formatDuration(450), "450ms");
  assert.equal(formatDuration(45_000), "45s");
  assert.equal(formatDuration(150_000), "2m30s");
});
