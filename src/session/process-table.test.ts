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

/** A spill that keeps every generation, as session.db does: (pid, gen) → record. */
function generationsSpill() {
  const saved = new Map<string, ProcessRecord>();
  return {
    saved,
    spill: {
      save: (r: ProcessRecord) => saved.set(`${r.pid}/${r.gen ?? 0}`, structuredClone(r)),
      load: (pid: number) =>
        [...saved.values()].filter((r) => r.pid === pid).sort((a, b) => (b.gen ?? 0) - (a.gen ?? 0))[0],
    },
  };
}

test("a pid the kernel gives again, after its process ended, is a new record; the old one is kept as it was", () => {
  for (const spilledFirst of [false, true]) {
    const { saved, spill } = generationsSpill();
    const table = new ProcessTable(spill);
    const first = table.born(4242, 1000);
    first.comm = "job";
    first.ended = 2000;
    first.exitCode = 1;
    if (spilledFirst) table.spillEnded(Infinity); // a day later: the old record is on disk
    // Still in exit(2) when a late sensor reports its fork: the same process.
    assert.equal(table.born(4242, 1500), table.get(4242));
    const second = table.born(4242, 90_000);
    assert.notEqual(second, first);
    assert.equal(second.gen, 1);
    assert.equal(second.ended, undefined, "the new process inherited the old one's end");
    assert.equal(second.exitCode, undefined);
    assert.deepEqual(second.snapshots, []);
    const old = saved.get("4242/0");
    assert.equal(old?.comm, "job");
    assert.equal(old?.ended, 2000);
    assert.equal(table.get(4242), second, "events after the reuse go to the new process");
  }
});

test("without a spill (an import) a reused pid's earlier process stays in memory, retired", () => {
  const table = new ProcessTable();
  table.born(7, 10).ended = 20;
  table.born(7, 30).comm = "again";
  assert.equal(table.retired.length, 1);
  assert.equal(table.retired[0]!.ended, 20);
  assert.equal(table.records.get(7)!.gen, 1);
});

test("/proc's start time keys a process: a snapshot of another start time under a known pid is a new record", () => {
  const { saved, spill } = generationsSpill();
  const table = new ProcessTable(spill);
  assert.ok(table.snapshot(process.pid));
  const mine = table.get(process.pid);
  assert.ok(mine.startTicks !== undefined && mine.snapshots.length === 1);
  assert.ok(table.snapshot(process.pid));
  assert.equal(table.get(process.pid), mine, "the same start time is the same process");
  // The record says another process once had this pid (it started at another time and ended).
  mine.startTicks! -= 100;
  mine.ended = Date.now() - 60_000;
  assert.ok(table.snapshot(process.pid));
  const now = table.get(process.pid);
  assert.notEqual(now, mine);
  assert.equal(now.gen, 1);
  assert.equal(now.ended, undefined);
  assert.equal(saved.get(`${process.pid}/0`)?.snapshots.length, 2);
});

test("a pid used again after 70,000 other processes ended is still a new generation", () => {
  // As session.db keeps them: every (pid, gen), the newest of a pid read back by an index.
  const saved = new Map<string, ProcessRecord>();
  const newest = new Map<number, number>();
  const table = new ProcessTable({
    save: (r) => {
      saved.set(`${r.pid}/${r.gen ?? 0}`, structuredClone(r));
      newest.set(r.pid, Math.max(newest.get(r.pid) ?? 0, r.gen ?? 0));
    },
    load: (pid) => (newest.has(pid) ? structuredClone(saved.get(`${pid}/${newest.get(pid)}`)) : undefined),
  });
  const first = table.born(4242, 1000);
  first.comm = "backup";
  first.ended = 2000;
  table.spillEnded(3000);
  // A day of short-lived children: each is born, ends and is spilled.
  for (let pid = 10_000; pid < 80_000; pid++) {
    table.born(pid, 3000 + pid).ended = 3001 + pid;
    if (pid % 1000 === 0) table.spillEnded(3002 + pid);
  }
  table.spillEnded(Infinity);
  const again = table.born(4242, 100_000);
  again.comm = "curl";
  assert.equal(again.gen, 1, "the kernel gave 4242 to another process");
  table.get(4242).ended = 100_500;
  table.spillEnded(Infinity);
  assert.equal(saved.get("4242/0")?.comm, "backup", "the first process's record is kept as it was");
  assert.equal(saved.get("4242/1")?.comm, "curl");
  assert.equal(table.records.size, 0);
});
