import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { validateEvent } from "../../events/validate.js";
import { FUZZ_RUNS, hostileLines } from "../../testing/fuzz.js";
import { EbpfRecordParser, type LiveLookups } from "./records.js";

const live: LiveLookups = {
  cwd: () => "/work",
  exe: () => undefined,
  fdPath: () => undefined,
  openFileByInode: () => undefined,
  tgid: (tid) => tid,
  socket: () => undefined,
};
const printf = (...records: string[][]) =>
  JSON.stringify({ type: "printf", data: records.map((r) => r.join("\t")).join("\n") + "\n" });

// One record of each kind the program prints, as bpftrace -f json emits them.
const SAMPLES = [
  printf(
    ["XE", "1000000", "500", "500", "node", "/bin/sh"],
    ["XA", "1000000", "500", "500", "node", "0", "sh"],
  ),
  printf(["XR", "2000000", "500", "500", "sh", "0"]),
  printf(["F", "4000000", "400", "400", "node", "500"]),
  printf(["E", "5000000", "500", "500", "sh", "768"]),
  printf(["O", "6000000", "500", "500", "sh", "-100", "/etc/passwd", "0", "3"]),
  JSON.stringify({ type: "lost_events", data: { events: 12 } }),
  JSON.stringify({ type: "map", data: { "@wb": { "500,3,2049,55": 12 } } }),
  JSON.stringify({ type: "map", data: { "@wt": { "500,3,2049,55": 7000000 } } }),
  JSON.stringify({ type: "printf", data: "READY\n" }),
];

test("fuzz: bpftrace records never make the parser throw", () => {
  fc.assert(
    fc.property(fc.array(hostileLines(SAMPLES), { maxLength: 20 }), (lines) => {
      const p = new EbpfRecordParser(0n, live);
      for (const line of lines)
        for (const e of p.parse(line)) {
          const v = validateEvent({ ...e, seq: 1 });
          assert.ok(v.success, `${JSON.stringify(e)}: ${v.success ? "" : v.error.message}`);
        }
    }),
    { numRuns: FUZZ_RUNS },
  );
});
