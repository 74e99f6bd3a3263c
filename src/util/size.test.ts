import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSize } from "./size.js";

test("sizes take binary units and refuse nonsense", () => {
  assert.equal(parseSize("4096", "--x"), 4096);
  assert.equal(parseSize("64KiB", "--x"), 65536);
  assert.equal(parseSize("256M", "--x"), 256 * 1024 * 1024);
  assert.equal(parseSize("1.5k", "--x"), 1536);
  for (const bad of ["", "0", "-1", "12 parsecs", "MiB"]) assert.throws(() => parseSize(bad, "--x"), /--x/);
});
