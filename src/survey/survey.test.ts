import { test } from "node:test";
import assert from "node:assert/strict";
import type { RawEvent } from "../events/schema.js";
import type { Recorder } from "../session/recorder.js";
import { ServiceRouter, type RoutedService } from "./service-router.js";
import { globMatcher, groupServices, ourProcesses, unitCgroup, type HostProcess } from "./services.js";
import { rankServices } from "./survey-summary.js";

const p = (pid: number, ppid: number, comm: string, cgroup = "/", starttime = pid): HostProcess => ({
  pid,
  ppid,
  comm,
  cgroup,
  starttime,
});

test("services: a unit's cgroup, else a top-level daemon with its descendants; kernel threads, pid 1 and ours left out", () => {
  const procs = [
    p(1, 0, "init"),
    p(2, 0, "kthreadd"),
    p(3, 2, "kworker/0:0"),
    p(100, 1, "nginx", "/system.slice/nginx.service"),
    p(101, 100, "nginx", "/system.slice/nginx.service"),
    p(150, 1, "sh", "/system.slice/nginx.service/helper"), // a sub-cgroup of the unit
    p(200, 1, "cron"),
    p(201, 200, "cron"),
    p(202, 201, "sh"),
    p(300, 1, "bash"),
    p(301, 300, "node"), // the survey itself
    p(302, 301, "shadow-ebpf"),
    p(400, 1, "bash"),
  ];
  const ours = ourProcesses(procs, 301);
  assert.deepEqual([...ours].sort(), [301, 302]);
  const s = groupServices(procs, ours);
  assert.deepEqual(
    s.map((x) => [x.name, x.kind, x.mainPid, x.pids]),
    [
      ["bash-300", "daemon", 300, [300]],
      ["bash-400", "daemon", 400, [400]],
      ["cron", "daemon", 200, [200, 201, 202]],
      ["nginx.service", "unit", 100, [100, 101, 150]],
    ],
  );
  assert.equal(
    unitCgroup("/user.slice/user-0.slice/session-3.scope/x"),
    "/user.slice/user-0.slice/session-3.scope",
  );
  assert.equal(unitCgroup("/"), undefined);
});

test("globs on service names", () => {
  assert.ok(globMatcher("nginx*")("nginx.service"));
  assert.ok(globMatcher("*.service")("cron.service"));
  assert.ok(!globMatcher("*.service")("cron"));
  assert.ok(globMatcher("ss-?.scope")("ss-1.scope"));
  assert.ok(!globMatcher("a.b")("axb"), "a dot is a dot");
});

test("ranking: worst severity, then counts from the top down, then name", () => {
  const svc = (name: string, sev: ("high" | "medium" | "low")[]) => ({
    name,
    kind: "daemon" as const,
    mainPid: 1,
    processes: 1,
    dir: `services/${name}`,
    events: 1,
    dropped: 0,
    findings: sev.map((severity, i) => ({ behavior: `b${i}`, severity, occurrences: 1 })),
  });
  const r = rankServices({
    outDir: "/x",
    started: 0,
    ended: 1,
    sensor: { name: "ebpf", status: "stopped", events: 3, dropped: 0 },
    unrouted: 0,
    services: [
      svc("quiet", []),
      svc("m2", ["medium", "medium"]),
      svc("h1", ["high"]),
      svc("h1m1", ["high", "medium"]),
      svc("a-m2", ["medium", "medium"]),
    ],
  });
  assert.deepEqual(
    r.services.map((s) => [s.rank, s.name, s.worst]),
    [
      [1, "h1m1", "high"],
      [2, "h1", "high"],
      [3, "a-m2", "medium"],
      [4, "m2", "medium"],
      [5, "quiet", "none"],
    ],
  );
});

test("the router gives each event to its service, follows forks, and never takes our own processes", () => {
  const got = new Map<string, RawEvent[]>();
  const service = (name: string): RoutedService => ({
    name,
    events: 0,
    recorder: { emit: (e: RawEvent) => got.set(name, [...(got.get(name) ?? []), e]) } as unknown as Recorder,
  });
  const a = service("a");
  const b = service("b");
  const router = new ServiceRouter(10, new Set([99]));
  router.assign(10, a);
  router.assign(20, b);
  router.assign(99, a); // ours: refused
  const base = { ts: 1, comm: "x", sensor: "ebpf" as const };
  router.emit({ ...base, pid: 10, kind: "fork", child: 11 });
  router.emit({ ...base, pid: 11, kind: "exec", path: "/bin/id", argv: ["id"] });
  router.emit({ ...base, pid: 21, ppid: 20, kind: "exec", path: "/bin/true", argv: ["true"] });
  router.emit({ ...base, pid: 99, kind: "exec", path: "/bin/x", argv: ["x"] });
  router.emit({ ...base, pid: 500, kind: "exec", path: "/bin/y", argv: ["y"] });
  assert.deepEqual(
    got.get("a")!.map((e) => e.pid),
    [10, 11],
  );
  assert.deepEqual(
    got.get("b")!.map((e) => e.pid),
    [21],
  );
  assert.equal(router.unrouted, 2);
  assert.ok(router.has(11) && router.has(21) && !router.has(99));
  assert.ok(router.ignores(99));
});

test("the router forgets exited processes after a grace, and a reused pid goes to its new service", () => {
  const got: string[] = [];
  const service = (name: string): RoutedService => ({
    name,
    events: 0,
    recorder: { emit: (e: RawEvent) => got.push(`${name}:${e.pid}:${e.kind}`) } as unknown as Recorder,
  });
  const router = new ServiceRouter(10, new Set());
  router.assign(10, service("a"));
  router.assign(20, service("b"));
  const at = (ts: number) => ({ ts, comm: "x", sensor: "ebpf" as const });
  // A day of short-lived children: the router holds the live ones, not every pid ever seen.
  for (let i = 0; i < 1000; i++) {
    router.emit({ ...at(i * 100), pid: 10, kind: "fork", child: 1000 + i });
    router.emit({ ...at(i * 100 + 50), pid: 1000 + i, kind: "exit", code: 0 });
  }
  // Ten exits a second, kept 10 s (and up to 1 s more between sweeps): about 110, not 1000.
  assert.ok(router.size <= 2 + 120, `the router holds ${router.size} processes`);
  // Within the grace a late event still finds its service.
  router.emit({ ...at(100_000), pid: 1999, kind: "write", path: "/tmp/x", fd: 3, bytes: 1 });
  // pid 1999 is given by the kernel to a child of b: its events are b's.
  router.emit({ ...at(100_100), pid: 20, kind: "fork", child: 1999 });
  router.emit({ ...at(100_200), pid: 1999, kind: "exec", path: "/bin/id", argv: ["id"] });
  assert.deepEqual(got.slice(-4), ["a:1999:exit", "a:1999:write", "b:20:fork", "b:1999:exec"]);
  assert.equal(router.creatorOf(1999), 20);
});
