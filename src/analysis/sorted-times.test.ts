import { test } from "node:test";
import assert from "node:assert/strict";
import { anyWithin, lowerBound } from "./sorted-times.js";

test("lowerBound and anyWithin", () => {
  const t = [10, 20, 20, 30];
  assert.equal(lowerBound(t, 5), 0);
  assert.equal(lowerBound(t, 20), 1);
  assert.equal(lowerBound(t, 31), 4);
  assert.equal(anyWithin(t, 21, 29), false);
  assert.equal(anyWithin(t, 21, 30), true);
  assert.equal(anyWithin([], 0, 100), false);
});
