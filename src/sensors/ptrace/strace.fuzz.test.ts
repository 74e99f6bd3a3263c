import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { validateEvent } from "../../events/validate.js";
import { FUZZ_RUNS, hostileLines } from "../../testing/fuzz.js";
import type { Issue } from "../../util/result.js";
import { StraceEventMapper } from "./strace-events.js";
import { readStraceLog } from "./strace-log.js";
import { StraceLineParser } from "./strace-line.js";

const SAMPLES = readFileSync(
  fileURLToPath(
    new URL("../../../../src/sensors/ptrace/fixtures/shell-workload.strace.log", import.meta.url),
  ),
  "utf8",
)
  .split("\n")
  .filter(Boolean);

test("fuzz: the strace line parser and event mapper never throw on any line", () => {
  fc.assert(
    fc.property(fc.array(hostileLines(SAMPLES), { maxLength: 20 }), (lines) => {
      const parser = new StraceLineParser();
      const mapper = new StraceEventMapper();
      for (const line of lines) {
        const r = parser.parse(line);
        if (r.error !== undefined) assert.equal(typeof r.error, "string");
        if (r.record)
          for (const e of mapper.map(r.record)) {
            const v = validateEvent({ ...e, seq: 1 });
            assert.ok(v.success, `${JSON.stringify(e)}: ${v.success ? "" : v.error.message}`);
          }
      }
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz: a strace log with hostile lines is read to the end, each bad line named by file:line", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fuzz-strace-"));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileLines(SAMPLES), { minLength: 1, maxLength: 40 }), async (lines) => {
        const file = path.join(dir, "log");
        const text = lines.map((l) => l.replace(/[\r\n]/g, " ")).join("\n") + "\n";
        writeFileSync(file, text);
        const issues: Issue[] = [];
        const { lines: read } = await readStraceLog(
          file,
          () => undefined,
          (i) => issues.push(i),
        );
        assert.equal(read, lines.length);
        for (const i of issues) {
          assert.equal(i.file, file);
          if (i.code === "strace_syntax")
            assert.ok(i.line! >= 1 && i.line! <= lines.length, JSON.stringify(i));
        }
      }),
      { numRuns: Math.ceil(FUZZ_RUNS / 10) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
