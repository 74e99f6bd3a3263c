import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import { BIN } from "../testing/imd-process.js";
import type { Issue } from "../util/result.js";
import { readJsonl } from "./jsonl.js";

const good = (seq: number) =>
  JSON.stringify({
    kind: "exec",
    ts: 1000 + seq,
    seq,
    pid: 7,
    comm: "d",
    sensor: "ptrace",
    path: "/bin/sh",
    argv: ["sh", "-c", "id"],
  });

async function withFile(lines: string[], body: (file: string) => Promise<void> | void): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "jsonl-"));
  const file = path.join(dir, "events.jsonl");
  writeFileSync(file, lines.join("\n") + "\n");
  try {
    await body(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const BAD = [
  good(1),
  '{"kind": "exec", "ts": 5',
  good(3),
  JSON.stringify({
    kind: "exec",
    ts: 1,
    seq: 4,
    pid: "7",
    comm: "d",
    sensor: "ptrace",
    path: "/x",
    argv: [],
  }),
  good(5),
];

test("bad JSONL lines are reported with file:line; the valid events around them are kept", async () => {
  await withFile(BAD, async (file) => {
    const events: ShadowEvent[] = [];
    const issues: Issue[] = [];
    await readJsonl(
      file,
      (e) => events.push(e),
      (i) => issues.push(i),
    );
    assert.deepEqual(
      events.map((e) => e.seq),
      [1, 3, 5],
    );
    assert.deepEqual(
      issues.map((i) => [i.file, i.line, i.code]),
      [
        [file, 2, "invalid_json"],
        [file, 4, "invalid_type"],
      ],
    );
  });
});

test("analyze on a garbled events.jsonl warns with file:line, exits 0 and reports the valid events", async () => {
  await withFile(BAD, (file) => {
    const out = path.join(path.dirname(file), "out");
    const r = spawnSync(process.execPath, [BIN, "analyze", file, "--out", out], { encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:2: not valid JSON`));
    assert.match(r.stderr, new RegExp(`${file}:4: field 'pid' should be a whole number`));
    assert.equal(readFileSync(path.join(out, "events.jsonl"), "utf8").trim().split("\n").length, 3);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
      session: { events: number };
    };
    assert.equal(report.session.events, 3);
  });
});

test("analyze: missing input is a runtime error (1), no input a usage error (2)", () => {
  assert.equal(spawnSync(process.execPath, [BIN, "analyze", "/nonexistent/x.log"]).status, 1);
  assert.equal(spawnSync(process.execPath, [BIN, "analyze"]).status, 2);
});
