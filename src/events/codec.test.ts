import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { FUZZ_RUNS } from "../testing/fuzz.js";
import { EventDecoder, EventEncoder } from "./codec.js";

/** Encodes `events` in batches of `batch`, decodes each, and returns what came out. */
function roundTrip(events: Record<string, unknown>[], batch = 3): Record<string, unknown>[] {
  const encoder = new EventEncoder();
  const decoder = new EventDecoder();
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < events.length; i += batch) {
    for (const e of events.slice(i, i + batch)) encoder.add(e, JSON.stringify(e));
    decoder.decode(encoder.take(), (e) => out.push(e));
  }
  return out;
}

/** Equal values and the same key order, at every level: what JSON.stringify shows. */
function assertSame(actual: unknown[], expected: unknown[]): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.deepStrictEqual(actual[i], expected[i]);
    assert.equal(JSON.stringify(actual[i]), JSON.stringify(expected[i]));
    assert.equal(Object.getPrototypeOf(actual[i]), Object.getPrototypeOf(expected[i]));
  }
}

const base = { ts: 1.7e12, seq: 1, pid: 10, comm: "sh", sensor: "ptrace" };

test("codec: events come out as JSON.parse made them, key order, types and odd values included", () => {
  const lines = [
    { kind: "exec", ...base, path: "/bin/sh", argv: ["sh", "-c", "id"] },
    { kind: "exec", ...base, path: "/bin/sh", argv: [] },
    { kind: "open", ...base, path: "/etc/x", flags: ["O_RDONLY"], fd: 3 },
    { kind: "open", ...base, path: "/etc/x", flags: ["O_RDONLY"] }, // the same kind, one field fewer
    { path: "/etc/y", kind: "open", ...base, flags: ["O_WRONLY"], fd: 4 }, // another key order
    { kind: "exit", ...base, code: 1, inferred: true, extra: null },
    { kind: "exit", ...base, code: 1.5e300, inferred: false },
    { kind: "write", ...base, path: "/tmp/é\u2028\ud83d\ude00", bytes: 3, secrets: ["aws"] },
    { kind: "gap", ...base, ms: 1, reason: "x", nested: { a: [1, "b"] } }, // not flat: sent as text
    { kind: "gap", ...base, ms: 1, reason: "x", mixed: ["a", 1] },
    { "7": "numeric key first", kind: "comm", ...base, name: "x" },
  ].map((e) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>);
  // JSON.parse makes -0 of "-0" (JSON.stringify never writes it).
  lines.push(JSON.parse(`{"kind":"exit","ts":1,"seq":1,"pid":1,"comm":"x","sensor":"ptrace","code":-0}`));
  const out = roundTrip(lines);
  assertSame(out, lines);
  assert.ok(Object.is(out.at(-1)!.code, -0), "-0 stays -0");
});

test("codec: a key named __proto__ stays an own property, and the prototype stays Object's", () => {
  const e = JSON.parse(
    `{"kind":"exit","ts":1,"seq":1,"pid":1,"comm":"x","sensor":"ptrace","__proto__":{"polluted":1}}`,
  );
  const [out] = roundTrip([e]);
  assert.ok(Object.hasOwn(out!, "__proto__"));
  assert.equal(Object.getPrototypeOf(out), Object.prototype);
  assert.equal((out as { polluted?: number }).polluted, undefined);
});

test("codec: the string tables are bounded, and cleared in step on both sides", () => {
  // Long unique strings fill the tables past their bound many times over.
  const events = Array.from({ length: 3000 }, (_, i) => ({
    kind: "open",
    ...base,
    seq: i,
    path: `/tmp/${i}-${"x".repeat(5000)}`,
    flags: ["O_RDONLY"],
  }));
  assertSame(roundTrip(events, 500), events);
});

const flatValue = fc.oneof(
  fc.string(),
  fc.double(),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 4 }),
  fc.jsonValue({ maxDepth: 2 }),
);

test("fuzz: any JSON object comes out of the codec as JSON.parse made it", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.dictionary(
          fc.oneof(fc.constantFrom("kind", "ts", "path", "__proto__", "1"), fc.string()),
          flatValue,
        ),
        {
          minLength: 1,
          maxLength: 20,
        },
      ),
      fc.integer({ min: 1, max: 7 }),
      (objects, batch) => {
        // Through JSON, as a worker gets them: -0 becomes 0, NaN becomes null, and so on.
        const events = objects.map((o) => JSON.parse(JSON.stringify(o)) as Record<string, unknown>);
        assertSame(roundTrip(events, batch), events);
      },
    ),
    { numRuns: FUZZ_RUNS },
  );
});
