import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { FUZZ_RUNS, hostileLines } from "../testing/fuzz.js";
import { decodeOpenFlags, parseFdinfoFlags } from "./fdinfo.js";
import { parseNetTable, parseUnixTable } from "./net.js";
import { parseStat } from "./stat.js";
import { parseStatus } from "./status.js";

const fixture = (name: string) =>
  readFileSync(fileURLToPath(new URL(`../../../src/proc/fixtures/${name}`, import.meta.url)), "utf8");
const lines = (text: string) => text.split("\n").filter(Boolean);

/** A /proc file made of hostile lines: a process can name itself anything, and files change as we read. */
const file = (samples: string[]) =>
  fc.array(hostileLines(samples), { maxLength: 40 }).map((l) => l.join("\n"));

test("fuzz: /proc parsers (stat, status, net tables, fdinfo) never throw", () => {
  const stat = [fixture("stat.txt").trim()];
  const status = lines(fixture("status.txt"));
  const tcp = lines(fixture("tcp.txt"));
  const unix = [
    "Num       RefCount Protocol Flags    Type St Inode Path",
    "0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/x.sock",
  ];
  fc.assert(
    fc.property(file(stat), file(status), file(tcp), file(unix), fc.string(), (s, st, t, u, flags) => {
      const p = parseStat(s);
      if (p) assert.ok(Number.isFinite(p.pid));
      parseStatus(st);
      for (const row of parseNetTable(t, "tcp")) assert.equal(typeof row.local.address, "string");
      parseUnixTable(u);
      parseFdinfoFlags(`pos:\t0\nflags:\t${flags}\n`);
      decodeOpenFlags(flags);
    }),
    { numRuns: FUZZ_RUNS },
  );
});
