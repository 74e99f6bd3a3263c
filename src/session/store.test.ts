import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SessionStore } from "./store.js";

test("session.db keeps a small page cache: a long session's memory does not grow with the file", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "store-"));
  try {
    const store = SessionStore.create(path.join(dir, "session.db"));
    // better-sqlite3's default is 16000 KiB, which a long session fills page by page.
    assert.equal(store.db.pragma("cache_size", { simple: true }), -1024);
    store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
