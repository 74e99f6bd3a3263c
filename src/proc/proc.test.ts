import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseStat } from "./stat.js";
import { isPrivileged, parseStatus } from "./status.js";
import { decodeHexAddress, parseNetTable, parseUnixTable } from "./net.js";
import { decodeOpenFlags } from "./fdinfo.js";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../src/proc/fixtures/${name}`, import.meta.url)), "utf8");

test("stat: comm with spaces and parentheses", () => {
  const s = parseStat(fixture("stat.txt"))!;
  assert.equal(s.comm, "kworker) weird");
  assert.equal(s.ppid, 1);
  assert.equal(s.sid, 1234);
  assert.equal(s.starttime, 5555);
  assert.equal(s.processor, 1);
  assert.equal(parseStat("garbage"), undefined);
});

test("status: creds and confinement", () => {
  const c = parseStatus(fixture("status.txt"));
  assert.equal(c.uid.length, 4);
  assert.match(c.capBnd, /^[0-9a-f]+$/);
  assert.equal(isPrivileged({ uid: [1000, 1000], capEff: "0000000000000000" }), false);
  assert.equal(isPrivileged({ uid: [1000, 1000], capEff: "0000000000000002" }), true);
  assert.equal(isPrivileged({ uid: [0, 0], capEff: "0000000000000000" }), true);
});

test("net: hex addresses and table rows", () => {
  assert.equal(decodeHexAddress("0100007F"), "127.0.0.1");
  assert.equal(decodeHexAddress("00000000000000000000000001000000"), "::1");
  assert.equal(decodeHexAddress("0000000000000000FFFF00000100007F"), "::ffff:127.0.0.1");
  const rows = parseNetTable(
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:B9FB 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 4242 1",
    "tcp",
  );
  assert.deepEqual(rows[0], {
    proto: "tcp",
    local: { address: "127.0.0.1", port: 47611 },
    remote: { address: "127.0.0.1", port: 8080 },
    state: "ESTABLISHED",
    inode: 4242,
  });
  const unix = parseUnixTable(
    "Num       RefCount Protocol Flags    Type St Inode Path\n0000: 00000002 00000000 00010000 0001 01 777 /run/x.sock\n0000: 00000003 00000000 00000000 0001 03 778",
  );
  assert.deepEqual(unix, [
    { inode: 777, listening: true, path: "/run/x.sock" },
    { inode: 778, listening: false },
  ]);
});

test("fdinfo flags", () => {
  assert.deepEqual(decodeOpenFlags("0100101"), ["O_WRONLY", "O_CREAT"]);
  assert.deepEqual(decodeOpenFlags("02000002"), ["O_RDWR"]);
});

test("open flags: O_TMPFILE and O_DIRECTORY are told apart (an anonymous temp file is no read)", () => {
  assert.deepEqual(decodeOpenFlags("20200002"), ["O_RDWR", "O_TMPFILE"]);
  assert.deepEqual(decodeOpenFlags("200000"), ["O_RDONLY", "O_DIRECTORY"]);
});
