import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { readJsonl } from "../session/jsonl.js";
import { FUZZ_RUNS, hostileLines } from "../testing/fuzz.js";
import type { Issue } from "../util/result.js";
import { explainEvent, validateEvent } from "./validate.js";

const SAMPLES = [
  {
    kind: "exec",
    ts: 1.7e12,
    seq: 1,
    pid: 10,
    comm: "sh",
    sensor: "ptrace",
    path: "/bin/true",
    argv: ["true"],
  },
  {
    kind: "open",
    ts: 1.7e12,
    seq: 2,
    pid: 10,
    comm: "sh",
    sensor: "ebpf",
    path: "/etc/x",
    flags: ["O_RDONLY"],
    fd: 3,
  },
  {
    kind: "write",
    ts: 1.7e12,
    seq: 3,
    pid: 10,
    comm: "sh",
    sensor: "ptrace",
    path: "/tmp/x",
    bytes: 4,
    secrets: ["password#0123456789"],
  },
  {
    kind: "connect",
    ts: 1.7e12,
    seq: 4,
    pid: 10,
    comm: "sh",
    sensor: "procfs",
    family: "inet",
    address: "127.0.0.1",
    port: 80,
    inferred: true,
  },
  { kind: "exit", ts: 1.7e12, seq: 5, pid: 10, comm: "sh", sensor: "ebpf", code: 1 },
].map((e) => JSON.stringify(e));

/** Any JSON value, and events with one field replaced by any JSON value. */
const hostileValues = fc.oneof(
  fc.jsonValue(),
  fc
    .tuple(fc.constantFrom(...SAMPLES), fc.string({ maxLength: 8 }), fc.jsonValue())
    .map(([s, key, value]) => {
      const o = JSON.parse(s) as Record<string, unknown>;
      const keys = Object.keys(o);
      o[keys[key.length % keys.length]!] = value;
      if (key.length > 5) o[key] = value;
      return o;
    }),
);

test("fuzz: the event validator accepts or rejects any JSON value, never throws", () => {
  fc.assert(
    fc.property(hostileValues, (v) => {
      const r = validateEvent(v);
      // The compiled checks and the reference one agree on every value.
      assert.equal(r.success, explainEvent(v).success, JSON.stringify(v));
      if (!r.success) assert.equal(typeof r.error.message, "string");
      else for (const k of ["pid", "seq"] as const) assert.ok(Number.isSafeInteger(r.data[k]));
    }),
    { numRuns: FUZZ_RUNS },
  );
});

test("fuzz: events.jsonl with hostile lines: every line is an event or a named bad line", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fuzz-jsonl-"));
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            hostileLines(SAMPLES),
            hostileValues.map((v) => JSON.stringify(v) ?? ""),
          ),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (raw) => {
          const lines = raw.map((l) => l.replace(/[\r\n\u2028\u2029]/g, " "));
          const file = path.join(dir, "events.jsonl");
          writeFileSync(file, lines.join("\n") + "\n");
          const issues: Issue[] = [];
          const { events } = await readJsonl(
            file,
            () => undefined,
            (i) => issues.push(i),
          );
          const nonEmpty = lines.filter((l) => l.trim() !== "").length;
          assert.equal(events + issues.length, nonEmpty);
          for (const i of issues) assert.ok(i.file === file && i.line! >= 1, JSON.stringify(i));
        },
      ),
      { numRuns: Math.ceil(FUZZ_RUNS / 10) },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
