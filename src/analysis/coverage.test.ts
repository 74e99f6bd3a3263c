import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../events/schema.js";
import { analysisContext } from "../testing/analysis-context.js";
import { CoverageTracker, type Coverage, type CoverageDimension } from "./coverage.js";

const T0 = 1_000_000;

/** Feeds events at times (ms after T0) to a tracker; the session runs from T0 to T0 + `span`. */
function coverageOf(
  span: number,
  feed: (at: (t: number, e: Partial<ShadowEvent>) => void) => void,
  usage: Parameters<CoverageTracker["finish"]>[2] = [],
): Coverage {
  const ctx = analysisContext({ target: { kind: "command", label: "d" }, rootPid: 100 });
  const tracker = new CoverageTracker();
  let seq = 0;
  feed((t, e) =>
    tracker.observe(
      { ts: T0 + t, seq: ++seq, pid: 100, comm: "d", sensor: "ptrace", ...e } as ShadowEvent,
      ctx,
    ),
  );
  return tracker.finish(T0, T0 + span, usage);
}

const dim = (c: Coverage, d: CoverageDimension) => c.dimensions.find((x) => x.dimension === d)!;

/** A daemon whose job runs at once and then every 10 s: `date` writes its state, then `sleep 10`. */
const tenSecondJob = (span: number) =>
  coverageOf(span, (at) => {
    at(0, { kind: "exec", path: "/usr/sbin/daemon", argv: ["daemon"] }); // its own launch
    for (let t = 5; t < span; t += 10_000) {
      at(t, { kind: "exec", pid: 200 + t, path: "/usr/bin/date", argv: ["date"] });
      at(t + 2, {
        kind: "open",
        pid: 200 + t,
        path: "/var/lib/d/state",
        flags: ["O_WRONLY", "O_CREAT", "O_TRUNC"],
      });
      at(t + 3, { kind: "exec", pid: 300 + t, path: "/usr/bin/sleep", argv: ["sleep", "10"] });
    }
  });

test("a 5 s session of a daemon with a 10 s job: observe longer; a 60 s one: good", () => {
  const short = tenSecondJob(5000);
  assert.equal(short.verdict, "observe-longer", short.sentence);
  assert.equal(dim(short, "executables").verdict, "observe-longer");
  assert.equal(
    dim(short, "executables").singletons,
    2,
    "date and sleep, once each (the launch is not counted)",
  );
  assert.match(
    short.sentence,
    /Observe longer: executables, paths written still bring new values \(about \d+ more minute/,
  );
  assert.match(short.periodicSentence, /less often than every 3 s could not have shown twice in 5 s/);

  const long = tenSecondJob(60_000);
  assert.equal(long.verdict, "good", long.sentence);
  const ex = dim(long, "executables");
  assert.deepEqual([ex.distinct, ex.singletons, ex.actions, ex.pNew], [2, 0, 12, 0]);
  assert.match(
    ex.sentence,
    /2 executables in 12 execs, 0 seen once; 0 new in the last 80% of the session; no new one is expected soon: coverage good/,
  );
  assert.equal(dim(long, "peers").verdict, "quiet");
});

test("a new value in the last fifth: observe longer, and how much longer to push it out", () => {
  const c = coverageOf(100_000, (at) => {
    for (let t = 0; t < 100_000; t += 1000)
      at(t, { kind: "exec", pid: 200, path: "/bin/true", argv: ["true"] });
    at(95_000, { kind: "connect", family: "inet", address: "10.0.0.9", port: 443 });
    at(90_000, { kind: "exec", pid: 201, path: "/usr/bin/curl", argv: ["curl"] });
  });
  const ex = dim(c, "executables");
  assert.equal(ex.verdict, "observe-longer");
  assert.match(ex.sentence, /the last new executable came 10 s before the end/);
  // 90 s must fall in the first 80%: 112.5 s in all, 13 s more: one minute, rounded up.
  assert.equal(ex.moreMinutes, 1);
  assert.equal(dim(c, "peers").singletons, 1);
});

test("two sensors reporting one action count once; random temp names are one path", () => {
  const c = coverageOf(60_000, (at) => {
    for (let t = 0; t < 60_000; t += 2000) {
      const name = `/etc/.tmp${Math.random().toString(36).slice(2, 8).padEnd(6, "q")}${t % 7}A`;
      for (const sensor of ["ptrace", "ebpf"] as const) {
        at(t, { kind: "exec", pid: 200 + t, path: "/usr/bin/env", argv: ["env"], sensor });
        at(t + 1, {
          kind: "open",
          pid: 200 + t,
          path: name,
          flags: ["O_WRONLY", "O_CREAT", "O_EXCL"],
          sensor,
        });
      }
    }
    // Seen by ebpf alone: ebpf's count is not added to ptrace's.
    at(30_000, { kind: "exec", pid: 999, path: "/usr/bin/id", argv: ["id"], sensor: "ebpf" });
  });
  const ex = dim(c, "executables");
  assert.equal(ex.sensor, "ebpf");
  assert.deepEqual([ex.actions, ex.distinct, ex.singletons], [31, 2, 1]);
  const written = dim(c, "paths-written");
  assert.ok(written.distinct <= 3, `random names kept apart: ${written.distinct} distinct`);
  assert.equal(dim(c, "config-changed").actions, 30, "/etc names are config paths");
});

test("the kernel's census: syscalls and capabilities judged from counts, only when complete", () => {
  const census = {
    sensor: "ebpf",
    complete: true,
    note: "",
    syscalls: { read: 5000, write: 4000, uname: 1, openat: 300 },
    capabilities: { NET_BIND_SERVICE: { checks: 1, denied: 0 } },
  };
  const c = coverageOf(60_000, () => undefined, [census]);
  const sc = dim(c, "syscalls");
  assert.deepEqual([sc.distinct, sc.singletons, sc.verdict, sc.lastNewAt], [4, 1, "good", undefined]);
  assert.equal(dim(c, "capabilities").verdict, "observe-longer", "one check, once: a new one may come");
  const partial = coverageOf(60_000, () => undefined, [{ ...census, complete: false }]);
  assert.equal(
    partial.dimensions.find((d) => d.dimension === "syscalls"),
    undefined,
  );
  assert.equal(partial.verdict, "quiet");
  assert.match(partial.sentence, /^Quiet: nothing was executed, written or connected in 60 s/);
});

test("a target's shutdown and failed calls bring no new value", () => {
  const ctx = analysisContext({
    target: { kind: "command", label: "d" },
    rootPid: 100,
    stopRequestedAt: T0 + 10_000,
  });
  const tracker = new CoverageTracker();
  const ev = (t: number, e: Partial<ShadowEvent>) =>
    tracker.observe({ ts: T0 + t, seq: t, pid: 100, comm: "d", sensor: "ptrace", ...e } as ShadowEvent, ctx);
  ev(1000, { kind: "exec", pid: 101, path: "/bin/ok", argv: ["ok"], err: "ENOENT" });
  ev(11_000, { kind: "exec", pid: 102, path: "/usr/bin/cleanup", argv: ["cleanup"] });
  assert.equal(tracker.finish(T0, T0 + 10_000).verdict, "quiet");
});

test("start-up one-offs are known, not sampled: a daemon that wrote its pid file once and then its state every 2 s is covered", () => {
  const ctx = analysisContext({ target: { kind: "command", label: "d" }, rootPid: 100 });
  const tracker = new CoverageTracker();
  const ev = (t: number, e: Partial<ShadowEvent>) =>
    tracker.observe({ ts: T0 + t, seq: t, pid: 100, comm: "d", sensor: "ptrace", ...e } as ShadowEvent, ctx);
  const write = (path: string) => ({ kind: "open" as const, path, flags: ["O_WRONLY", "O_CREAT"], fd: 3 });
  for (const [t, p] of [
    [100, "/run/d.pid"],
    [110, "/var/log/d.log"],
    [120, "/var/lib/d/cache.db"],
  ] as const)
    ev(t, write(p));
  ctx.steadyFrom = T0 + 1500; // the phase tracker's quiet gap
  for (let t = 2000; t < 60_000; t += 2000) ev(t, write("/var/lib/d/state"));
  const paths = dim(tracker.finish(T0, T0 + 60_000), "paths-written");
  assert.equal(paths.verdict, "good", paths.sentence);
  assert.equal(paths.singletons, 0);
  assert.equal(paths.startupOnly, 3);
  assert.match(
    paths.sentence,
    /^1 path written in 29 opens for writing since its start-up \(3 more only in it\)/,
  );

  // The same session that never left its start-up is counted whole: its one-offs are still news.
  const whole = new CoverageTracker();
  const ctx2 = analysisContext({ target: { kind: "command", label: "d" }, rootPid: 100 });
  for (const [t, p] of [
    [100, "/run/d.pid"],
    [110, "/var/log/d.log"],
  ] as const)
    whole.observe(
      { ts: T0 + t, seq: t, pid: 100, comm: "d", sensor: "ptrace", ...write(p) } as ShadowEvent,
      ctx2,
    );
  assert.equal(dim(whole.finish(T0, T0 + 5000), "paths-written").verdict, "observe-longer");
});
