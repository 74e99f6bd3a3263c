import { test } from "node:test";
import assert from "node:assert/strict";
import { TreeSet } from "./tree.js";

test("the tree forgets a member 10 s after its exit, never its root; a pid used again is another process", () => {
  const tree = new TreeSet(100);
  // A day of short-lived children, one every 10 ms.
  for (let i = 0; i < 10_000; i++) {
    const pid = 1000 + i;
    tree.add(pid, 100);
    tree.exited(pid, i * 10);
    if (i % 100 === 0) tree.sweep(i * 10);
  }
  tree.sweep(100_000);
  assert.ok(tree.size <= 1 + 1001, `the tree holds ${tree.size} pids`);
  assert.ok(
    tree.has(10_999) && tree.creatorOf(10_999) === 100,
    "within its grace, an exited child is still ours",
  );
  assert.ok(!tree.has(1000), "long gone");
  tree.exited(100, 0);
  tree.sweep(1e9);
  assert.ok(tree.has(100), "the root stays");
  assert.equal(tree.size, 1);
  // A pid in use again within the grace: its creator is the new one's.
  tree.add(7, 100);
  tree.exited(7, 1e9);
  tree.add(7, 55);
  tree.sweep(1e9 + 20_000);
  assert.ok(tree.has(7), "the new process is not forgotten with the old one");
  assert.equal(tree.creatorOf(7), 55);
});
