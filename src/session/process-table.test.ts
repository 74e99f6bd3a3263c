import { test } from "node:test";
import assert from "node:assert/strict";
import { ProcessTable, type ProcessRecord } from "./process-table.js";

test("ended processes are spilled out of memory and come back whole on a late event", () => {
  const saved = new Map<number, ProcessRecord>();
  const table = new ProcessTable({
    save: (r) => saved.set(r.pid, structuredClone(r)),
    load: (pid) => saved.get(pid),
  });
  for (let pid = 100; pid < 200; pid++) {
    const r = table.get(pid);
    r.comm = `p${pid}`;
    if (pid % 2 === 0) r.ended = 1000 + pid;
  }
  table.spillEnded(1150);
  assert.equal(saved.size, 25, "the even pids that ended before 1150");
  assert.equal(table.records.size, 75);
  // A late event (another sensor's exit) for a spilled process finds its record again.
  const late = table.get(120);
  assert.equal(late.comm, "p120");
  assert.equal(late.ended, 1120);
  assert.equal(table.records.size, 76);
});

test("without a spill (an import) nothing leaves memory", () => {
  const table = new ProcessTable();
  table.get(1).ended = 1;
  table.spillEnded(Infinity);
  assert.equal(table.records.size, 1);
});
