import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { AlertSink } from "./alert-sink.js";
import type { FalcoAlert } from "./falco-alert.js";

const alert = (rule: string): FalcoAlert => ({
  time: "2026-12-07T00:00:00.000000000Z",
  rule,
  priority: "Warning",
  output: rule,
  output_fields: {},
  source: "shadow-signals",
  hostname: "h",
  tags: [],
});

test("--alerts FILE: appended, 0600, each alert one line on stdout too; a symlink in its place is refused", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "alert-sink-"));
  try {
    const file = path.join(dir, "alerts.json");
    writeFileSync(file, '{"earlier":true}\n', { mode: 0o644 });
    const printed: string[] = [];
    const sink = new AlertSink(file, (l) => printed.push(l));
    sink.send(alert("a"));
    sink.send(alert("b"));
    sink.close();
    const lines = readFileSync(file, "utf8").trim().split("\n");
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as { rule?: string }).rule ?? "earlier"),
      ["earlier", "a", "b"],
    );
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(
      printed,
      lines.slice(1).map((l) => l + "\n"),
    );
    const link = path.join(dir, "link.json");
    symlinkSync(path.join(dir, "elsewhere.json"), link);
    assert.throws(() => new AlertSink(link), /--alerts .*link\.json: is a symlink/);
    assert.throws(() => new AlertSink(dir), /--alerts/, "a directory");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
