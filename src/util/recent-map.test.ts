import { test } from "node:test";
import assert from "node:assert/strict";
import { RecentMap } from "./recent-map.js";

test("an entry unused for longer than its ttl is forgotten, and a use keeps it", () => {
  const m = new RecentMap<string, number>(1000, 100);
  m.set("log", 1, 0);
  m.set("tmp", 2, 0);
  assert.equal(m.get("log", 900), 1); // used: kept past the ttl of its set
  m.set("new", 3, 1500); // "tmp" (unused since 0) is forgotten here
  assert.equal(m.size, 2);
  assert.equal(m.get("tmp", 1500), undefined);
  assert.equal(m.get("log", 1500), 1);
  assert.equal(m.get("log", 2600), undefined, "unused since 1500");
});

test("its size is that of the recent past, however long it runs", () => {
  const m = new RecentMap<number, number>(1000, 1_000_000);
  // A file a millisecond for ten minutes: no more than a second's worth is held.
  for (let t = 0; t < 600_000; t++) {
    m.set(t, t, t);
    assert.ok(m.size <= 1001);
  }
});

test("past its bound the least lately used goes first", () => {
  const m = new RecentMap<number, string>(Infinity, 3);
  m.set(1, "a", 0);
  m.set(2, "b", 0);
  m.set(3, "c", 0);
  m.get(1, 1);
  m.set(4, "d", 2);
  assert.equal(m.get(2, 3), undefined);
  assert.deepEqual([m.get(1, 3), m.get(3, 3), m.get(4, 3)], ["a", "c", "d"]);
});
