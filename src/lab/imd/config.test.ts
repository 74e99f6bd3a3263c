import { test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_CONFIG, parseConfig, renderConfig } from "./config.js";

test("a rendered config parses back to itself", () => {
  const r = parseConfig(renderConfig({ ...DEFAULT_CONFIG, tick_ms: 500, orphan: false }), "imd.conf");
  assert.ok(r.success);
  if (r.success) assert.deepEqual(r.data, { ...DEFAULT_CONFIG, tick_ms: 500, orphan: false });
});

test("comments and blank lines are ignored; missing keys take defaults", () => {
  const r = parseConfig("# hello\n\n  tick_ms = 300   # fast\n", "imd.conf");
  assert.ok(r.success);
  if (r.success) assert.equal(r.data.tick_ms, 300);
});

test("malformed configs name the file and the line", () => {
  const cases: [string, string, number][] = [
    ["tick_ms = 300\nthis is not a pair\n", "syntax", 2],
    ["\n\ncolour = blue\n", "unknown_key", 3],
    ["orphan = maybe\n", "invalid_value", 1],
    ["tick_ms = fast\n", "invalid_value", 1],
  ];
  for (const [text, code, line] of cases) {
    const r = parseConfig(text, "/x/imd.conf");
    assert.equal(r.success, false, text);
    if (!r.success) {
      assert.equal(r.error.code, code);
      assert.equal(r.error.line, line);
      assert.equal(r.error.file, "/x/imd.conf");
    }
  }
});
