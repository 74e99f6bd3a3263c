import assert from "node:assert/strict";
import { test } from "node:test";
import path from "node:path";
import { statSync } from "node:fs";
import { withTmpDir } from "../testing/cli.js";
import { CollectState } from "./collect-state.js";

test("ranges: a resend at the same offset may be longer; holes stop the contiguous count", () =>
  withTmpDir("collect-state-", (dir) => {
    const s = new CollectState(path.join(dir, "collect.db"));
    try {
      s.touch("h", "s", 1);
      assert.equal(s.contiguousBytes("h", "s"), 0);
      s.addRange("h", "s", 0, 100);
      s.addRange("h", "s", 250, 50);
      assert.equal(s.contiguousBytes("h", "s"), 100, "a hole at 100..250");
      s.addRange("h", "s", 100, 100);
      s.addRange("h", "s", 100, 150); // the same offset resent with more lines
      s.addRange("h", "s", 100, 120); // and a shorter duplicate changes nothing
      assert.equal(s.contiguousBytes("h", "s"), 300);
      assert.equal(s.contiguousBytes("h", "other"), 0);
      assert.equal(statSync(path.join(dir, "collect.db")).mode & 0o777, 0o600);
    } finally {
      s.close();
    }
  }));

test("chunks: complete only with every index; a duplicate is one", () =>
  withTmpDir("collect-state-", (dir) => {
    const s = new CollectState(path.join(dir, "collect.db"));
    try {
      s.addChunk("h", "s", 1, 2, Buffer.from("world"));
      assert.equal(s.chunks("h", "s", 2), undefined);
      s.addChunk("h", "s", 0, 2, Buffer.from("hello "));
      s.addChunk("h", "s", 0, 2, Buffer.from("hello "));
      assert.equal(Buffer.concat(s.chunks("h", "s", 2)!).toString(), "hello world");
    } finally {
      s.close();
    }
  }));

test("claims: one collector takes a session; a dead one's claim is given back; a cut session reopens", () =>
  withTmpDir("collect-state-", (dir) => {
    const s = new CollectState(path.join(dir, "collect.db"));
    try {
      s.touch("h", "s", 1);
      s.addStatus("h", "s", { kind: "outage", from: 1, to: 2 });
      s.addStatus("h", "s", { kind: "outage", from: 1, to: 2 });
      assert.equal(s.get("h", "s")!.statuses.length, 1, "a redelivered status is kept once");
      assert.ok(s.claim("h", "s", ["open"], 111));
      assert.ok(!s.claim("h", "s", ["open"], 222), "taken already");
      assert.deepEqual(
        s.orphanedClaims((pid) => pid === 111),
        [],
      );
      assert.deepEqual(
        s.orphanedClaims(() => false).map((x) => x.session),
        ["s"],
      );
      s.setState("h", "s", "cut");
      s.touch("h", "s", 5); // a message after the session was analysed as cut short
      assert.equal(s.get("h", "s")!.state, "open");
      assert.equal(s.get("h", "s")!.lastAt, 5);
    } finally {
      s.close();
    }
  }));
