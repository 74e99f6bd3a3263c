import { test } from "node:test";
import assert from "node:assert/strict";
import { KeyCache, PairKeyCache } from "./key-cache.js";

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

test("PairKeyCache: a pair's key is made once, and the cache stays bounded", () => {
  let made = 0;
  const keys = new PairKeyCache((a, b) => `${a}:${b}#${++made}`, 2);
  assert.equal(keys.of("127.0.0.1", 80), "127.0.0.1:80#1");
  assert.equal(keys.of("127.0.0.1", 80), "127.0.0.1:80#1");
  assert.equal(keys.of("127.0.0.1", 81), "127.0.0.1:81#2");
  assert.equal(keys.of("::1", 80), "::1:80#3"); // past the bound: cleared, then made
  assert.equal(keys.of("127.0.0.1", 80), "127.0.0.1:80#4");
});
