import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../events/schema.js";
import { NameTemplates } from "../analysis/name-templates.js";
import type { Baseline } from "./baseline.js";
import { DriftDetector } from "./drift.js";
import { FALCO_KEYS, falcoTime, toFalco } from "./falco-alert.js";
import { RateLimiter } from "./rate-limit.js";

function baseline(): Baseline {
  const templates = new NameTemplates();
  const written = ["/var/lib/d/state", "/tmp/.tmpA8f3kQ", "/tmp/.tmpZ91xw0"];
  for (const p of written) templates.of(p);
  return {
    label: "d",
    kind: "command",
    dirs: ["base"],
    classes: {
      executables: new Set(["/usr/bin/date"]),
      written: new Set(written),
      peers: new Set(["inet:127.0.0.1:8080"]),
    },
    templates,
    writtenNames: new Set(written.map((p) => templates.of(p).name)),
    behaviors: new Set(["periodic-autonomous-activity"]),
    syscalls: new Set(["read", "write", "openat"]),
  };
}

let seq = 0;
const ev = (e: Partial<ShadowEvent>) =>
  ({ ts: 1_000_000, seq: ++seq, pid: 7, comm: "d", sensor: "ebpf", ...e }) as ShadowEvent;

test("a new program, a new written path, a new peer: each a drift; known values and random temp names are not", () => {
  const d = new DriftDetector(baseline());
  assert.deepEqual(d.observe(ev({ kind: "exec", path: "/usr/bin/date", argv: ["date"] })), []);
  assert.deepEqual(
    d.observe(ev({ kind: "open", path: "/tmp/.tmpQ7x2Lm", flags: ["O_WRONLY", "O_CREAT"] })),
    [],
  );
  assert.deepEqual(
    d.observe(ev({ kind: "exec", path: "/usr/bin/id", argv: ["id"], err: "ENOENT" })),
    [],
    "failed",
  );
  const exec = d.observe(ev({ kind: "exec", path: "/usr/bin/id", argv: ["id", "-u"] }));
  assert.equal(exec.length, 1);
  assert.equal(exec[0]!.rule, "Executable outside the baseline");
  assert.equal(exec[0]!.fields["proc.cmdline"], "id -u");
  const write = d.observe(
    ev({ kind: "open", path: "/etc/d/new.conf", flags: ["O_WRONLY", "O_CREAT", "O_TRUNC"] }),
  );
  assert.deepEqual(
    write.map((x) => [x.rule, x.fields["fd.name"]]),
    [["Write outside the baseline's written set", "/etc/d/new.conf"]],
  );
  const peer = d.observe(ev({ kind: "connect", family: "inet", address: "10.1.2.3", port: 443 }));
  assert.deepEqual(
    peer.map((x) => [x.rule, x.priority]),
    [["Peer outside the baseline", "Notice"]],
  );
  // Its stdio as /proc shows it is where it was started, not a path it chose.
  assert.deepEqual(
    d.observe(ev({ kind: "open", path: "/dev/pts/3", flags: ["O_WRONLY"], fd: 1, inferred: true })),
    [],
  );
  assert.deepEqual(
    d.observe(ev({ kind: "open", path: "/home/u/out.log", flags: ["O_WRONLY"], fd: 1, inferred: true })),
    [],
  );
});

test("--learn: new values in the first stretch join the baseline; later ones are drift", () => {
  const d = new DriftDetector(baseline(), { learnUntil: 1_000_500 });
  assert.deepEqual(d.observe(ev({ ts: 1_000_100, kind: "exec", path: "/usr/bin/id", argv: ["id"] })), []);
  assert.deepEqual(d.observe(ev({ ts: 1_000_900, kind: "exec", path: "/usr/bin/id", argv: ["id"] })), []);
  assert.equal(d.observe(ev({ ts: 1_000_900, kind: "exec", path: "/usr/bin/env", argv: ["env"] })).length, 1);
});

test("at the end: behaviours the baseline lacks, by severity; syscalls outside its allow-list", () => {
  const d = new DriftDetector(baseline());
  const out = d.finish(
    2_000_000,
    [
      { behavior: "periodic-autonomous-activity", title: "Periodic", severity: "medium", occurrences: 3 },
      { behavior: "hidden-orphan-process", title: "Hidden orphan", severity: "high", occurrences: 1 },
    ],
    ["read", "ptrace", "write", "mount"],
  );
  assert.deepEqual(
    out.map((x) => [x.rule, x.priority, x.key.split("\0")[1]]),
    [
      ["Behaviour outside the baseline", "Error", "hidden-orphan-process"],
      ["Syscall outside the baseline's allow-list", "Warning", "mount"],
      ["Syscall outside the baseline's allow-list", "Warning", "ptrace"],
    ],
  );
  const partial = new DriftDetector({ ...baseline(), syscalls: undefined });
  assert.deepEqual(
    partial.finish(0, [], ["mount"]),
    [],
    "no census in the baseline: no allow-list to judge by",
  );
});

test("alerts in Falco's JSON shape: RFC 3339 time with nanoseconds, output with time and priority first", () => {
  assert.equal(falcoTime(1_796_665_914_482.125), "2026-12-07T17:51:54.482125000Z");
  assert.equal(falcoTime(1_796_665_914_482), "2026-12-07T17:51:54.482000000Z");
  const [drift] = new DriftDetector(baseline()).observe(
    ev({ ts: 1_796_665_914_482.5, kind: "exec", path: "/usr/bin/id", argv: ["id"] }),
  );
  const a = toFalco(drift!, "host-a", 3);
  assert.deepEqual(Object.keys(a).sort(), [...FALCO_KEYS]);
  assert.equal(a.time, "2026-12-07T17:51:54.482500000Z");
  assert.match(
    a.output,
    /^17:51:54\.482500000: Warning d \(pid 7\) ran a program the baseline never ran: \/usr\/bin\/id \(proc\.pid=7 proc\.name=d proc\.cmdline=id proc\.exepath=\/usr\/bin\/id evt\.type=exec shadow\.sensor=ebpf\) \[3 repeat/,
  );
  assert.equal(a.output_fields["shadow.suppressed"], 3);
  assert.equal(a.output_fields["evt.time"], a.time);
  assert.equal(a.source, "shadow-signals");
  assert.ok(a.tags.includes("baseline-drift"));
});

test("rate limit: the first of a key goes out, repeats in the window are counted, the next after it says how many", () => {
  const r = new RateLimiter(60_000);
  assert.deepEqual(r.admit("k", 0), { send: true, suppressed: 0 });
  assert.deepEqual(r.admit("k", 1000), { send: false, suppressed: 0 });
  assert.deepEqual(r.admit("k", 59_000), { send: false, suppressed: 0 });
  assert.deepEqual(r.admit("other", 59_500), { send: true, suppressed: 0 });
  assert.deepEqual(r.admit("k", 61_000), { send: true, suppressed: 2 });
  assert.deepEqual(r.totals.get("k"), { first: 0, last: 61_000, count: 4 });
});
