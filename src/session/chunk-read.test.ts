import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { FUZZ_RUNS } from "../testing/fuzz.js";
import { readLinesAt } from "./chunk-read.js";

test("fuzz: byte ranges that tile a file give each of its lines once, whatever the line and range lengths", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "chunk-read-"));
  const file = path.join(dir, "f");
  try {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ minLength: 100, maxLength: 300 })), {
          maxLength: 40,
        }),
        fc.boolean(),
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 16 }),
        (lines, finalNewline, chunk, tail) => {
          const text = lines.map((l) => l.replace(/\n/g, " ")).join("\n") + (finalNewline ? "\n" : "");
          const bytes = Buffer.from(text, "utf8");
          writeFileSync(file, bytes);
          const fd = openSync(file, "r");
          try {
            const parts: Buffer[] = [];
            let done = 0;
            for (let s = 0; s < bytes.length; s += chunk) {
              const piece = Buffer.from(
                readLinesAt(fd, s, Math.min(s + chunk, bytes.length), bytes.length, undefined, tail),
              );
              parts.push(piece);
              done += piece.length;
              // Whole lines: a piece that stops before the file's end stops after a newline.
              if (piece.length > 0 && done < bytes.length) assert.equal(piece.at(-1), 10);
            }
            assert.equal(Buffer.concat(parts).toString("utf8"), text);
          } finally {
            closeSync(fd);
          }
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
