import { test } from "node:test";
import assert from "node:assert/strict";
import { BoundedQueue } from "./bounded-queue.js";

test("a full queue drops and counts per source, then accepts again after a drain", () => {
  const q = new BoundedQueue<number>(3);
  for (let i = 0; i < 5; i++) q.push(i, "ptrace");
  q.push(9, "procfs");
  assert.equal(q.length, 3);
  assert.equal(q.dropped("ptrace"), 2);
  assert.equal(q.dropped("procfs"), 1);
  assert.deepEqual(q.drain(), [0, 1, 2]);
  assert.equal(q.push(7, "ptrace"), true);
});
