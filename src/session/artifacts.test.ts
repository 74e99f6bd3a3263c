import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ArtifactCollector, type Artifact } from "./artifacts.js";

test("artifacts go to the store as they change; memory holds only those written lately", (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), "artifacts-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const stored = new Map<string, string>(); // as session.db keeps them: JSON by path
  let saves = 0;
  const c = new ArtifactCollector({
    save: (a) => {
      saves++;
      stored.set(a.path, JSON.stringify(a));
    },
    load: (p) => (stored.has(p) ? (JSON.parse(stored.get(p)!) as Artifact) : undefined),
  });
  const state = path.join(dir, "state");
  const versions = () => (JSON.parse(stored.get(state)!) as Artifact).versions.length;
  writeFileSync(state, "one");
  c.baseline(state);
  c.captureNow(state); // unchanged: no new version, nothing written
  assert.equal(versions(), 1);
  assert.equal(saves, 1);
  writeFileSync(state, "two");
  c.captureNow(state);
  assert.equal(versions(), 2);
  // A day of new temp names: each is stored, and memory keeps a bounded recent few.
  for (let i = 0; i < 5000; i++) {
    const f = path.join(dir, `tmp${i}`);
    writeFileSync(f, String(i));
    c.baseline(f);
  }
  assert.equal(stored.size, 5001);
  assert.ok(c.held <= 4096, `${c.held} held`);
  // The first file, long out of memory, changes again: its versions go on from the store's.
  writeFileSync(state, "three");
  c.captureNow(state);
  assert.equal(versions(), 3);
  c.baseline(state); // known: no capture, no save
  assert.equal(versions(), 3);
});
