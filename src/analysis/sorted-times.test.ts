import { test } from "node:test";
import assert from "node:assert/strict";
import { anyWithin, lastWithin, lowerBound } from "./sorted-times.js";

test("lowerBound and anyWithin", () => {
  const t = [10, 20, 20, 30];
  assert.equal(lowerBound(t, 5), 0);
  assert.equal(lowerBound(t, 20), 1);
  assert.equal(lowerBound(t, 31), 4);
  assert.equal(anyWithin(t, 21, 29), false);
  assert.equal(anyWithin(t, 21, 30), true);
  assert.equal(anyWithin([], 0, 100), false);
});

test("lastWithin: the latest time inside the range", () => {
  const t = [10, 20, 20, 30];
  assert.equal(lastWithin(t, 0, 25), 20);
  assert.equal(lastWithin(t, 0, 30), 30);
  assert.equal(lastWithin(t, 21, 29), undefined);
  assert.equal(lastWithin(t, 0, 5), undefined);
  assert.equal(lastWithin([], 0, 100), undefined);
});
