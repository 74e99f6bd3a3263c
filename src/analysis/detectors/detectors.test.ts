import { test } from "node:test";
import assert from "node:assert/strict";
import type { RawEvent, ShadowEvent } from "../../events/schema.js";
import type { ProcessRecord, ProcessSnapshot } from "../../session/process-table.js";
import { Analyzer } from "../analyzer.js";
import { PathClassifier } from "../paths.js";

/** Runs a synthetic session through every detector; returns the behaviour ids found. */
function analyze(
  events: Omit<RawEvent, "sensor" | "comm" | "ts"> & { t: number }[],
  processes: ProcessRecord[] = [],
  root = "/",
) {
  const ctx = {
    target: { kind: "command" as const, label: "test", root },
    rootPid: 100,
    processes: new Map(processes.map((p) => [p.pid, p])),
    artifacts: new Map(),
    sensors: [
      { name: "ptrace", status: "stopped", reason: "", events: events.length, dropped: 0, errors: 0 },
    ],
    paths: new PathClassifier(root),
    startedAt: 1_000_000,
    endedAt: 1_000_000 + 120_000,
    steadyFrom: undefined,
    stopRequestedAt: undefined,
    releasedAt: undefined,
    live: true,
  };
  const a = new Analyzer(ctx);
  let seq = 0;
  for (const { t, ...rest } of events)
    a.observe({ ...rest, ts: 1_000_000 + t, seq: ++seq, comm: "d", sensor: "ptrace" } as ShadowEvent);
  return new Set(a.finish().map((f) => f.behavior));
}

const snap = (over: Partial<ProcessSnapshot>): ProcessSnapshot => ({
  at: 0,
  comm: "d",
  ppid: 1,
  sid: 100,
  cmdline: [],
  ns: { mnt: "mnt:[1]", pid: "pid:[2]" },
  uid: [0, 0, 0, 0],
  gid: [0, 0, 0, 0],
  capEff: "000001ffffffffff",
  capPrm: "000001ffffffffff",
  capBnd: "000001ffffffffff",
  noNewPrivs: 0,
  seccomp: 0,
  tgid: 0,
  ...over,
});
const proc = (pid: number, ppid: number, s: Partial<ProcessSnapshot> = {}): ProcessRecord => ({
  pid,
  ppid,
  started: 1_000_000,
  snapshots: [snap({ ppid, ...s })],
});

// The root wakes at t=0 (start-up), goes quiet, then works in steady state from t=3000.
const startup = [
  { t: 0, pid: 100, kind: "open", path: "/etc/d.conf", flags: ["O_RDONLY"] },
  { t: 50, pid: 100, kind: "setsid" },
  // The root's first event after a quiet second: steady state starts here for every case, even one
  // whose own events all come from other processes.
  { t: 2999, pid: 100, kind: "open", path: "/etc/d.conf", flags: ["O_RDONLY"] },
] as const;
const steady = (t: number, e: Record<string, unknown>) => ({ t: 3000 + t, pid: 100, ...e });
const every = (
  period: number,
  n: number,
  make: (i: number, t: number) => Record<string, unknown>[],
  jitter = 0,
) => Array.from({ length: n }, (_, i) => make(i, i * period + (i % 2 ? jitter : -jitter) * period)).flat();

/** Six characters as mkstemp picks them: the i-th of a fixed pseudo-random sequence. */
const randomPart = (i: number) => {
  const abc = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  let x = 2_654_435_761 * (i + 7);
  let out = "";
  for (let k = 0; k < 6; k++) {
    x = (x * 1_103_515_245 + 12_345) % 2_147_483_648;
    out += abc[x % 62];
  }
  return out;
};

type Case = {
  name: string;
  behavior: string;
  events: Record<string, unknown>[];
  processes?: ProcessRecord[];
  root?: string;
};
const valid: Case[] = [
  {
    name: "atomic replace of a config by rename, by root, after start-up",
    behavior: "config-file-modification",
    events: [
      steady(0, { kind: "open", path: "/etc/d/d.conf.tmp", flags: ["O_WRONLY", "O_CREAT", "O_TRUNC"] }),
      steady(1, { kind: "rename", from: "/etc/d/d.conf.tmp", to: "/etc/d/d.conf" }),
    ],
  },
  {
    name: "the same rename is a privileged write",
    behavior: "privileged-write-steady-state",
    events: [steady(1, { kind: "rename", from: "/etc/d/x.tmp", to: "/etc/d/x" })],
    processes: [proc(100, 1)],
  },
  {
    name: "paths under the target's root are judged as if at /",
    behavior: "privileged-write-steady-state",
    events: [steady(1, { kind: "unlink", path: "/srv/lab/etc/cron.d/job" })],
    processes: [proc(100, 1)],
    root: "/srv/lab",
  },
  {
    name: "jittered periodic exec (+-20%)",
    behavior: "periodic-autonomous-activity",
    events: every(
      2000,
      10,
      (_i, t) => [steady(t, { kind: "exec", pid: 200 + _i, path: "/usr/bin/uname", argv: ["uname", "-a"] })],
      0.2,
    ),
  },
  {
    name: "a temp file of a random name (mkstemp) made and unlinked every 3 s",
    behavior: "periodic-autonomous-activity",
    events: every(3000, 8, (i, t) => [
      steady(t, { kind: "open", path: `/etc/.tmp${randomPart(i)}`, flags: ["O_RDWR", "O_CREAT", "O_EXCL"] }),
      steady(t + 5, { kind: "unlink", path: `/etc/.tmp${randomPart(i)}` }),
    ]),
  },
  {
    name: "a helper that keeps root's creds and namespaces",
    behavior: "child-without-isolation",
    events: [steady(5, { kind: "exec", pid: 101, path: "/bin/sh", argv: ["sh", "-c", "id"] })],
    processes: [proc(100, 1), proc(101, 100)],
  },
  {
    name: "sh -c is external execution",
    behavior: "external-binary-execution",
    events: [steady(5, { kind: "exec", pid: 101, path: "/bin/sh", argv: ["sh", "-c", "id"] })],
  },
  {
    name: "double fork + setsid + kernel-thread name",
    behavior: "hidden-orphan-process",
    events: [
      steady(0, { kind: "fork", child: 102 }),
      steady(1, { kind: "fork", pid: 102, child: 103 }),
      steady(2, { kind: "exit", pid: 102, code: 0 }),
      steady(3, { kind: "setsid", pid: 103 }),
      steady(4, { kind: "comm", pid: 103, name: "[kworker/0:1]" }),
    ],
  },
  {
    name: "python run through a link in /tmp named like a trusted daemon (comm httpd, exe python3)",
    behavior: "hidden-orphan-process",
    events: [steady(5, { kind: "exec", pid: 110, path: "/tmp/x/httpd", argv: ["httpd", "-DFOREGROUND"] })],
    processes: [
      proc(100, 1),
      proc(110, 100, {
        at: 1_003_010,
        comm: "httpd",
        exe: "/usr/bin/python3.11",
        cmdline: ["httpd", "-DFOREGROUND"],
      }),
    ],
  },
  {
    name: "the same masquerade when procfs reports the exec last, by the executable it found",
    behavior: "hidden-orphan-process",
    events: [
      steady(5, { kind: "exec", pid: 110, path: "/tmp/x/httpd", argv: ["httpd"] }),
      steady(90, { kind: "exec", pid: 110, path: "/usr/bin/python3.11", argv: ["httpd"] }),
    ],
    processes: [
      proc(100, 1),
      proc(110, 100, { at: 1_003_010, comm: "httpd", exe: "/usr/bin/python3.11", cmdline: ["httpd"] }),
    ],
  },
  {
    name: "the target's own process runs under a kernel thread's name (a daemon found by survey)",
    behavior: "hidden-orphan-process",
    events: [],
    processes: [
      proc(100, 1, { comm: "kworker/u8:3-im", exe: "/usr/bin/python3.11", cmdline: ["[kworker/u8:3-imd]"] }),
    ],
  },
  {
    name: "loopback connect",
    behavior: "internal-socket-connection",
    events: [steady(1, { kind: "connect", family: "inet", address: "127.0.0.1", port: 6379 })],
  },
  {
    name: "unix socket of another service",
    behavior: "internal-socket-connection",
    events: [steady(1, { kind: "connect", family: "unix", unixPath: "/run/other.sock" })],
  },
  {
    name: "reads a script from /tmp, then runs it",
    behavior: "mutable-artifact-dependency",
    events: [
      steady(1, { kind: "open", path: "/tmp/p/run.sh", flags: ["O_RDONLY"] }),
      steady(30, { kind: "exec", pid: 104, path: "/bin/sh", argv: ["sh", "/tmp/p/run.sh"] }),
    ],
  },
  {
    name: "reads a shared library and a config from /var/tmp",
    behavior: "mutable-artifact-dependency",
    events: [
      steady(1, { kind: "open", path: "/var/tmp/.x/libhook.so", flags: ["O_RDONLY", "O_CLOEXEC"] }),
      steady(2, { kind: "open", path: "/var/tmp/.x/agent.yaml", flags: ["O_RDONLY"] }),
    ],
  },
  {
    name: "a secret written to /dev/shm",
    behavior: "plaintext-secret-in-temp",
    events: [steady(1, { kind: "write", path: "/dev/shm/c", bytes: 30, secrets: ["password#0123456789"] })],
  },
  {
    name: "a child exits 3 and nothing is logged",
    behavior: "silent-failure-fallback",
    events: [steady(1, { kind: "exit", pid: 105, code: 3 })],
  },
];
const invalid: Case[] = [
  {
    name: "a config write during start-up",
    behavior: "config-file-modification",
    events: [{ t: 10, pid: 100, kind: "rename", from: "/etc/d.tmp", to: "/etc/d.conf" }],
  },
  {
    name: "an unprivileged writer in /tmp",
    behavior: "privileged-write-steady-state",
    events: [steady(1, { kind: "open", path: "/tmp/x", flags: ["O_WRONLY", "O_CREAT"] })],
    processes: [proc(100, 1, { uid: [1000, 1000, 1000, 1000], capEff: "0000000000000000" })],
  },
  {
    name: "an unprivileged writer to /etc (it failed anyway)",
    behavior: "privileged-write-steady-state",
    events: [steady(1, { kind: "open", path: "/etc/x", flags: ["O_WRONLY"] })],
    processes: [proc(100, 1, { uid: [1000, 1000, 1000, 1000], capEff: "0000000000000000" })],
  },
  {
    name: "a daemon driven only by external requests",
    behavior: "periodic-autonomous-activity",
    events: every(2000, 10, (i, t) => [
      steady(t, { kind: "accept", family: "inet", address: "127.0.0.1", port: 5000 + i }),
      steady(t + 20, { kind: "exec", pid: 300 + i, path: "/usr/bin/uname", argv: ["uname"] }),
    ]),
  },
  {
    name: "files of distinct fixed names written once each, unlinked at irregular times",
    behavior: "periodic-autonomous-activity",
    events: [0, 700, 4100, 4900, 11_000, 19_300].flatMap((t, i) => [
      steady(t, { kind: "open", path: `/var/lib/d/report-${i}.txt`, flags: ["O_WRONLY", "O_CREAT"] }),
      steady(t + 2, { kind: "unlink", path: `/var/lib/d/report-${i}.txt` }),
    ]),
  },
  {
    name: "children that drop to another user",
    behavior: "child-without-isolation",
    events: [steady(5, { kind: "exec", pid: 101, path: "/usr/bin/worker", argv: ["worker"] })],
    processes: [
      proc(100, 1),
      proc(101, 100, { uid: [33, 33, 33, 33], gid: [33, 33, 33, 33], capEff: "0000000000000000" }),
    ],
  },
  {
    name: "a child in its own namespaces",
    behavior: "child-without-isolation",
    events: [steady(5, { kind: "exec", pid: 101, path: "/usr/bin/worker", argv: ["worker"] })],
    processes: [proc(100, 1), proc(101, 100, { ns: { mnt: "mnt:[9]", pid: "pid:[9]" } })],
  },
  {
    name: "a failure followed by a log line",
    behavior: "silent-failure-fallback",
    events: [
      steady(1, { kind: "exit", pid: 105, code: 3 }),
      steady(50, { kind: "write", path: "/var/log/d.log", fd: 5, bytes: 40 }),
    ],
  },
  {
    name: "a $PATH walk is not a failure",
    behavior: "silent-failure-fallback",
    events: [
      steady(1, { kind: "exec", pid: 106, path: "/usr/local/bin/id", argv: ["id"], err: "ENOENT" }),
      steady(2, { kind: "exec", pid: 106, path: "/usr/bin/id", argv: ["id"] }),
    ],
  },
  {
    name: "a script in /tmp run by its interpreter (#!) is no masquerade",
    behavior: "hidden-orphan-process",
    events: [steady(5, { kind: "exec", pid: 110, path: "/tmp/x/job", argv: ["/tmp/x/job"] })],
    processes: [
      proc(100, 1),
      proc(110, 100, {
        at: 1_003_010,
        comm: "job",
        exe: "/usr/bin/python3.11",
        cmdline: ["/usr/bin/python3", "/tmp/x/job"],
      }),
    ],
  },
  {
    name: "a package manager's link (sh -> dash) is no masquerade",
    behavior: "hidden-orphan-process",
    events: [steady(5, { kind: "exec", pid: 110, path: "/bin/sh", argv: ["sh", "-c", "id"] })],
    processes: [
      proc(100, 1),
      proc(110, 100, { at: 1_003_010, comm: "sh", exe: "/usr/bin/dash", cmdline: ["sh", "-c", "id"] }),
    ],
  },
  {
    name: "connect to an external address",
    behavior: "internal-socket-connection",
    events: [steady(1, { kind: "connect", family: "inet", address: "192.0.2.10", port: 443 })],
  },
  {
    name: "temp file without secrets",
    behavior: "plaintext-secret-in-temp",
    events: [steady(1, { kind: "write", path: "/tmp/x", bytes: 10 })],
  },
  {
    name: "plain data read from /tmp (a history file, a log, a text file) is no artifact",
    behavior: "mutable-artifact-dependency",
    events: [
      steady(1, { kind: "open", path: "/tmp/loot/.bash_history", flags: ["O_RDONLY"] }),
      steady(2, { kind: "open", path: "/tmp/d/app.log", flags: ["O_RDONLY"] }),
      steady(3, { kind: "open", path: "/tmp/d/notes.txt", flags: ["O_RDONLY"] }),
      steady(4, { kind: "open", path: "/run", flags: ["O_RDONLY", "O_CLOEXEC"] }),
    ],
  },
  {
    name: "a temp path as an option value is not code",
    behavior: "mutable-artifact-dependency",
    events: [
      steady(1, { kind: "exec", pid: 108, path: "/usr/sbin/d", argv: ["d", "--config", "/tmp/d.conf"] }),
    ],
  },
  {
    name: "the daemon re-executing itself through another name for its binary",
    behavior: "external-binary-execution",
    events: [
      { t: 0, pid: 100, kind: "exec", path: "/usr/bin/python3", argv: ["python3", "d.py"] },
      steady(1, { kind: "exec", pid: 109, path: "/usr/bin/python3.11", argv: ["python3", "d.py"] }),
    ],
  },
  {
    name: "the daemon re-executing itself",
    behavior: "external-binary-execution",
    events: [
      { t: 0, pid: 100, kind: "exec", path: "/usr/sbin/d", argv: ["d"] },
      steady(1, { kind: "exec", pid: 107, path: "/usr/sbin/d", argv: ["d", "--worker"] }),
    ],
  },
];

for (const c of valid) {
  test(`fires: ${c.behavior}: ${c.name}`, () => {
    assert.ok(analyze([...startup, ...c.events] as never, c.processes, c.root).has(c.behavior));
  });
}
for (const c of invalid) {
  test(`does not fire: ${c.behavior}: ${c.name}`, () => {
    assert.ok(!analyze([...startup, ...c.events] as never, c.processes, c.root).has(c.behavior));
  });
}

test("the same events analysed twice give the same findings", () => {
  const events = [...startup, ...valid.flatMap((c) => c.events)] as never;
  assert.deepEqual([...analyze(events)].sort(), [...analyze(events)].sort());
});
