import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { RawEvent } from "../../events/schema.js";
import type { Issue } from "../../util/result.js";
import { looksLikeStrace, readStraceLog } from "./strace-log.js";
import { StraceLineParser } from "./strace-line.js";
import { decodeSockaddr, splitArgs } from "./strace-args.js";

const FIXTURE = fileURLToPath(
  new URL("../../../../src/sensors/ptrace/fixtures/shell-workload.strace.log", import.meta.url),
);

async function read(file: string) {
  const events: RawEvent[] = [];
  const issues: Issue[] = [];
  await readStraceLog(
    file,
    (e) => events.push(e),
    (i) => issues.push(i),
  );
  return { events, issues };
}

test("a recorded strace log yields the catalogue's events", async () => {
  const { events, issues } = await read(FIXTURE);
  assert.deepEqual(issues, []);
  const find = (kind: string, pred: (e: RawEvent) => boolean = () => true) =>
    events.find((e) => e.kind === kind && pred(e));
  assert.ok(
    find("exec", (e) => e.kind === "exec" && e.path === "/usr/bin/mv" && e.argv[1] === "/tmp/st/a.txt"),
  );
  assert.ok(find("exec", (e) => e.kind === "exec" && e.path === "/nonexistent" && e.err === "ENOENT"));
  assert.ok(
    find("rename", (e) => e.kind === "rename" && e.from === "/tmp/st/a.txt" && e.to === "/tmp/st/b.txt"),
  );
  assert.ok(find("chmod", (e) => e.kind === "chmod" && e.path === "/tmp/st/b.txt" && e.mode === "0600"));
  assert.ok(find("unlink", (e) => e.kind === "unlink" && e.path === "/tmp/st/b.txt"));
  assert.ok(
    find("open", (e) => e.kind === "open" && e.path === "/tmp/st/a.txt" && e.flags.includes("O_CREAT")),
  );
  assert.ok(find("write", (e) => e.kind === "write" && e.path === "/tmp/st/a.txt" && e.bytes === 3));
  assert.ok(
    find(
      "connect",
      (e) => e.kind === "connect" && e.address === "127.0.0.1" && e.port === 1 && e.err === "ECONNREFUSED",
    ),
  );
  assert.ok(find("connect", (e) => e.kind === "connect" && e.unixPath === "/tmp/st/nope.sock"));
  assert.ok(find("connect", (e) => e.kind === "connect" && e.family === "inet6" && e.address === "::1"));
  assert.ok(find("listen", (e) => e.kind === "listen" && e.port !== undefined));
  assert.ok(find("setsid"));
  assert.ok(find("fork", (e) => e.kind === "fork" && e.child > 0));
  assert.ok(find("exit", (e) => e.kind === "exit" && e.code === 127));
  assert.ok(find("exit", (e) => e.kind === "exit" && e.signal === "SIGTERM"));
  assert.ok(find("signal", (e) => e.kind === "signal" && e.signal === "SIGTERM" && e.fromPid !== undefined));
  // comm follows exec
  assert.equal(find("rename")?.comm, "mv");
});

test("garbled and truncated lines are reported with file:line; events around them are kept", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "strace-bad-"));
  try {
    const lines = readFileSync(FIXTURE, "utf8").split("\n");
    const bad = [
      ...lines.slice(0, 3),
      "@@ garbage @@",
      '3733  1795671159.838 openat(AT_FDCWD, "/x", O_RDONLY',
      ...lines.slice(3),
      '3733  1795671160.1 write(1</x>, "abc", 3 <unfinished ...>',
    ];
    const file = path.join(dir, "bad.log");
    writeFileSync(file, bad.join("\n"));
    const { events, issues } = await read(file);
    const good = await read(FIXTURE);
    assert.equal(events.length, good.events.length);
    assert.equal(issues[0]?.line, 4);
    assert.equal(issues[1]?.line, 5);
    assert.match(issues.at(-1)!.message, /never resumed/);
    assert.ok(issues.every((i) => i.file === file));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unfinished and resumed halves join, even for clone's trailing args", () => {
  const p = new StraceLineParser();
  assert.deepEqual(
    p.parse("10 1700000000.000001 clone(child_stack=NULL, flags=SIGCHLD <unfinished ...>"),
    {},
  );
  const r = p.parse("10 1700000000.000009 <... clone resumed>, child_tidptr=0x7f) = 11");
  assert.equal(r.record?.type, "syscall");
  if (r.record?.type === "syscall") {
    assert.equal(r.record.ret, "11");
    assert.equal(r.record.ts, 1700000000.000001);
    assert.match(r.record.args, /child_tidptr/);
  }
});

test("argument splitting respects strings, nesting and fd annotations", () => {
  assert.deepEqual(splitArgs('3</dev/null<char 1:3>>, "a, b", [1, 2], {x=1, y=2}'), [
    "3</dev/null<char 1:3>>",
    '"a, b"',
    "[1, 2]",
    "{x=1, y=2}",
  ]);
  assert.deepEqual(decodeSockaddr('{sa_family=AF_UNIX, sun_path="/run/x.sock"}'), {
    family: "unix",
    unixPath: "/run/x.sock",
  });
  assert.ok(looksLikeStrace('123 1700000000.1 execve("/bin/true", [], 0x0) = 0'));
  assert.ok(!looksLikeStrace('{"kind":"exec"}'));
});

test("a pid strace saw exit and then saw again is a new process: the old one's name and parent are not carried over", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "strace-reuse-"));
  try {
    const log = path.join(dir, "reuse.log");
    writeFileSync(
      log,
      [
        `100 1700000000.000001 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) = 301`,
        `301 1700000000.000100 execve("/usr/bin/backup", ["backup"], 0x7ffd /* 1 var */) = 0`,
        `301 1700000001.000000 +++ exited with 0 +++`,
        // pid_max wrapped: 301 is a process strace attached to without seeing its fork.
        `301 1700000090.000000 openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 3</etc/hostname>`,
        "",
      ].join("\n"),
    );
    const { events } = await read(log);
    const open = events.find((e) => e.kind === "open");
    assert.ok(open);
    assert.notEqual(open.comm, "backup", "the new process took the exited one's name");
    assert.equal(open.ppid, undefined, "the new process took the exited one's parent");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
