import { test } from "node:test";
import assert from "node:assert/strict";
import type { RawEvent } from "../../events/schema.js";
import { EbpfRecordParser, decodeSockaddr, userDev, type LiveLookups } from "./records.js";

const live: LiveLookups = {
  cwd: () => "/work",
  exe: () => undefined,
  fdPath: (_pid, fd) => (fd === 1 ? "/dev/pts/0" : fd === 5 ? "/etc/app/app.conf" : undefined),
  // /etc/app/app.conf is inode 55 of device 8:1 (2049 as stat gives it).
  openFileByInode: (_pid, dev, ino) => (dev === 2049 && ino === 55 ? "/etc/app/app.conf" : undefined),
  tgid: (tid) => (tid === 501 ? 500 : tid),
  socket: () => ({ family: "inet", address: "127.0.0.1", port: 8080 }),
};
const printf = (...records: string[][]) =>
  JSON.stringify({ type: "printf", data: records.map((r) => r.join("\t")).join("\n") + "\n" });

function parseAll(lines: string[]) {
  const p = new EbpfRecordParser(0n, live);
  const events: RawEvent[] = [];
  for (const l of lines) events.push(...p.parse(l));
  return { p, events };
}

test("records become events: exec with argv and failure, fork vs thread, exit codes and signals", () => {
  const { events } = parseAll([
    printf(
      ["XE", "1000000", "500", "500", "node", "/bin/sh"],
      ["XA", "1000000", "500", "500", "node", "0", "sh"],
      ["XA", "1000000", "500", "500", "node", "1", "-c"],
      ["XA", "1000000", "500", "500", "node", "2", "id -u"],
    ),
    printf(["XR", "2000000", "500", "500", "sh", "0"]),
    printf(
      ["XE", "3000000", "502", "502", "node", "/nope"],
      ["XA", "3000000", "502", "502", "node", "0", "/nope"],
      ["XR", "3000000", "502", "502", "node", "-2"],
    ),
    printf(["F", "4000000", "400", "400", "node", "500"], ["F", "4000000", "500", "500", "node", "501"]),
    printf(["E", "5000000", "500", "500", "sh", String(3 << 8)], ["E", "5000000", "503", "503", "x", "9"]),
  ]);
  assert.deepEqual(
    events.find((e) => e.kind === "exec" && !e.err),
    {
      ts: 1,
      pid: 500,
      comm: "sh",
      sensor: "ebpf",
      kind: "exec",
      path: "/bin/sh",
      argv: ["sh", "-c", "id -u"],
    },
  );
  assert.equal(events.find((e) => e.kind === "exec" && e.err)?.err, "ENOENT");
  assert.deepEqual(
    events.filter((e) => e.kind === "fork").map((e) => (e.kind === "fork" ? e.child : 0)),
    [500],
  );
  assert.deepEqual(
    events.filter((e) => e.kind === "exit").map((e) => (e.kind === "exit" ? (e.code ?? e.signal) : 0)),
    [3, "SIGKILL"],
  );
});

test("paired records: rename across two records, connect with sockaddr bytes and unix path, failures", () => {
  const { events } = parseAll([
    printf(
      ["RN", "1", "500", "500", "d", "renameat2", "-100", "app.conf.tmp"],
      ["RM", "1", "500", "500", "d", "renameat2", "-100", "/etc/app/app.conf"],
      ["Z", "2", "500", "500", "d", "renameat2", "0"],
    ),
    printf(
      ["NT", "3", "500", "500", "d", "connect", "7", "2", "\\x02\\x00\\x11\\xd7\\x7f\\x00\\x00\\x01"],
      ["Z", "4", "500", "500", "d", "connect", "-115"],
    ),
    printf(
      ["NT", "5", "500", "500", "d", "connect", "8", "1", "\\x01\\x00/run/x.sock"],
      ["NU", "5", "500", "500", "d", "connect", "/run/x.sock"],
      ["Z", "6", "500", "500", "d", "connect", "-111"],
    ),
    printf(["O", "7", "500", "500", "d", String(0o1101), "3", "8388609", "4242", "/tmp/out"]),
  ]);
  assert.deepEqual(
    events.map((e) => e.kind),
    ["rename", "connect", "connect", "open"],
  );
  const [rename, tcp, unix, open] = events as [RawEvent, RawEvent, RawEvent, RawEvent];
  assert.ok(
    rename.kind === "rename" && rename.from === "/work/app.conf.tmp" && rename.to === "/etc/app/app.conf",
  );
  assert.ok(
    tcp.kind === "connect" && tcp.address === "127.0.0.1" && tcp.port === 4567 && tcp.err === undefined,
  );
  assert.ok(unix.kind === "connect" && unix.unixPath === "/run/x.sock" && unix.err === "ECONNREFUSED");
  assert.ok(
    open.kind === "open" && open.flags.includes("O_CREAT") && open.flags.includes("O_TRUNC") && open.fd === 3,
  );
});

test("write sums arrive as two maps; lost events are counted; bad records are counted, not thrown", () => {
  const { p, events } = parseAll([
    JSON.stringify({ type: "map", data: { "@wb": { "500,5": 420, "500,1": 12 } } }),
    JSON.stringify({ type: "map", data: { "@wt": { "500,5": 9000000, "500,1": 9500000 } } }),
    JSON.stringify({ type: "lost_events", data: { events: 17 } }),
    printf(["garbage"]),
    "not json",
  ]);
  assert.deepEqual(
    events.map((e) => (e.kind === "write" ? [e.path, e.bytes] : [])),
    [
      ["/etc/app/app.conf", 420],
      ["/dev/pts/0", 12],
    ],
  );
  assert.equal(p.lost, 17);
  assert.equal(p.errors, 2);
});

test("two flushes whose map pairs interleave (bpftrace's @wb0/@wt0 and @wb1/@wt1) lose nothing", () => {
  const map = (name: string, values: Record<string, number>) =>
    JSON.stringify({ type: "map", data: { [name]: values } });
  const { events } = parseAll([
    map("@wb1", { "500,5": 100 }),
    map("@wb0", { "500,5": 7 }),
    map("@wt1", { "500,5": 1000 }),
    map("@wt0", { "500,5": 2000 }),
  ]);
  assert.deepEqual(
    events.flatMap((e) => (e.kind === "write" ? [e.bytes] : [])),
    [100, 7],
  );
});

test("write sums name the file the kernel saw, not what the fd points to at the flush", () => {
  const { events } = parseAll([
    // /tmp/secret opened as fd 3 (device 8388609, inode 77), then written through a dup2'd fd 1.
    printf(["O", "1", "500", "500", "sh", String(0o1101), "3", "8388609", "77", "/tmp/secret"]),
    JSON.stringify({
      type: "map",
      data: {
        "@wb": {
          "500,1,8388609,77": 30,
          "500,5,8388609,55": 7,
          "500,1,8388609,99": 4,
          "500,5": 2,
          "500,6,15728640,55": 9,
        },
      },
    }),
    JSON.stringify({
      type: "map",
      data: {
        "@wt": {
          "500,1,8388609,77": 1,
          "500,5,8388609,55": 2,
          "500,1,8388609,99": 3,
          "500,5": 4,
          "500,6,15728640,55": 5,
        },
      },
    }),
  ]);
  assert.deepEqual(
    events.flatMap((e) => (e.kind === "write" ? [[e.path, e.fd, e.bytes]] : [])),
    [
      ["/tmp/secret", 1, 30], // opened in the session: its path, whatever fd 1 is now
      ["/etc/app/app.conf", 5, 7], // opened before the session, and still open
      ["fd:1", 1, 4], // no fd holds that inode any more: only the fd is known
      ["/etc/app/app.conf", 5, 2], // no inode in the key: what the fd points to now
      ["fd:6", 6, 9], // inode 55 of another filesystem (a pipe, a tmpfs file) is not app.conf
    ],
  );
});

test("a file's name is kept for its write sums only when opened for writing, and only while in use", () => {
  const s = (sec: number) => String(sec * 1e9);
  const sums = (at: number, key: string, bytes: number) => [
    JSON.stringify({ type: "map", data: { "@wb": { [key]: bytes } } }),
    JSON.stringify({ type: "map", data: { "@wt": { [key]: at * 1e9 } } }),
  ];
  const { p, events } = parseAll([
    // Read only (O_RDONLY): a write sum on that inode is not named after it.
    printf(["O", s(1), "500", "500", "sh", "0", "3", "8388609", "70", "/etc/hosts"]),
    ...sums(1.5, "500,9,8388609,70", 1),
    // O_WRONLY|O_CREAT|O_TRUNC: named while written, forgotten 30 s after its last write.
    printf(["O", s(2), "500", "500", "sh", String(0o1101), "4", "8388609", "71", "/tmp/out"]),
    ...sums(2.5, "500,4,8388609,71", 2),
    ...sums(30, "500,4,8388609,71", 3),
    ...sums(59, "500,4,8388609,71", 4),
    ...sums(90, "500,4,8388609,71", 5),
  ]);
  assert.deepEqual(
    events.flatMap((e) => (e.kind === "write" ? [[e.path, e.bytes]] : [])),
    [
      ["fd:9", 1],
      ["/tmp/out", 2],
      ["/tmp/out", 3],
      ["/tmp/out", 4],
      ["fd:4", 5], // unused for 31 s: only the writer's fds could name it now
    ],
  );
  // An hour of files opened for writing, one every 100 ms: only the last 30 s are held.
  for (let i = 0; i < 36_000; i++) {
    const at = 100 + i / 10;
    p.parse(printf(["O", s(at), "500", "500", "sh", "1", "4", "8388609", String(1000 + i), "/tmp/f"]));
  }
  assert.ok((p as unknown as { files: { size: number } }).files.size <= 301);
});

test("the kernel's device numbers read as stat gives them", () => {
  assert.equal(userDev((254 << 20) | 0), 65024); // 254:0, a virtio disk
  assert.equal(userDev((8 << 20) | 1), 2049); // 8:1
  assert.equal(userDev((0 << 20) | 15), 15); // 0:15, an anonymous (pipefs, tmpfs) device
  // Wide numbers, as glibc's makedev gives them (Python's os.makedev(259, 300), (4000, 70000)).
  assert.equal(userDev((259 << 20) | 300), 1114924);
  assert.equal(userDev(4000 * 2 ** 20 + 70000), 287285360);
});

test("sockaddr decoding: IPv6 loopback", () => {
  const bytes = "\\x0a\\x00\\x00\\x50" + "\\x00".repeat(4) + "\\x00".repeat(15) + "\\x01";
  assert.deepEqual(decodeSockaddr(10, bytes, ""), { family: "inet6", port: 80, address: "::1" });
});

test("usage counters: syscall numbers become names, capability checks are split by outcome", () => {
  const { p, events } = parseAll([
    JSON.stringify({ type: "map", data: { "@sc": { "0": 12, "257": 3, "59": 1 } } }),
    JSON.stringify({ type: "map", data: { "@cap": { "21,0": 4, "21,1": 1, "10,0": 2 } } }),
  ]);
  assert.deepEqual(events, []);
  const u = p.usage();
  if (process.arch === "x64") assert.deepEqual(u?.syscalls, { execve: 1, openat: 3, read: 12 });
  assert.deepEqual(u?.capabilities, {
    CAP_SYS_ADMIN: { checks: 5, denied: 1 },
    CAP_NET_BIND_SERVICE: { checks: 2, denied: 0 },
  });
  assert.equal(
    new EbpfRecordParser(0n, live).usage(),
    undefined,
    "nothing printed: no usage, not an empty one",
  );
});
