import { test } from "node:test";
import assert from "node:assert/strict";
import { EvidenceSet } from "./evidence-set.js";

const at = (ts: number, pid: number, sensor: string) => ({ ts, pid, comm: "d", sensor });

test("EvidenceSet: one occurrence seen by two sensors within a second counts once, and both are credited", () => {
  const set = new EvidenceSet(() => 0);
  assert.equal(set.add(at(1000, 7, "ebpf"), "writes /etc/x", "write:/etc/x"), true);
  assert.equal(set.add(at(1400, 7, "ptrace"), "writes /etc/x", "write:/etc/x"), false);
  assert.equal(set.add(at(2500, 7, "ptrace"), "writes /etc/x", "write:/etc/x"), true); // a second later
  assert.equal(set.add(at(2500, 8, "ptrace"), "writes /etc/x", "write:/etc/x"), true); // another process
  assert.equal(set.count, 3);
  assert.deepEqual([...set.sensors].sort(), ["ebpf", "ptrace"]);
  assert.equal(set.examples.length, 1);
  assert.equal(set.examples[0]!.sensor, "ebpf+ptrace");
});

test("EvidenceSet: examples are capped, and a long stream of keys keeps memory bounded and examples kept", () => {
  const set = new EvidenceSet(() => 0, 3);
  for (let i = 0; i < 20_000; i++) set.add(at(i, i % 97, "ebpf"), `key ${i % 5000}`);
  assert.equal(set.examples.length, 3);
  assert.deepEqual(
    set.examples.map((x) => x.key),
    ["key 0", "key 1", "key 2"],
  );
  // An example's key is still known after the pairs were forgotten: another sensor is credited.
  set.credit("ptrace", "key 1");
  assert.equal(set.examples[1]!.sensor, "ebpf+ptrace");
  assert.equal(set.count, 20_000);
});
