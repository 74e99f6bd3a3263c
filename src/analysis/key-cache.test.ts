import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyCache } from "./key-cache.js";

test("KeyCache: a value's key is made once, the same string after, and the cache stays bounded", () => {
  let made = 0;
  const keys = new KeyCache((v) => `write:${v}${++made > 0 ? "" : "?"}`, 3);
  const first = keys.of("/etc/x");
  assert.equal(first, "write:/etc/x");
  assert.equal(keys.of("/etc/x"), first);
  assert.equal(made, 1);
  for (const v of ["/a", "/b", "/c", "/d"]) keys.of(v);
  assert.equal(keys.of("/etc/x"), "write:/etc/x"); // made again after the bound cleared it
  assert.equal(made, 6);
});
