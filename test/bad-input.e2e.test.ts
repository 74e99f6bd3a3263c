/**
 * Bad input gets a one-line error naming the file (and line), at once, and leaves nothing
 * half-written; a bad line among good ones is named and skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runCli, withTmpDir } from "../src/testing/cli.js";

const event = (over: Record<string, unknown>) =>
  JSON.stringify({
    kind: "exec",
    ts: 1_700_000_000_000,
    seq: 1,
    pid: 10,
    comm: "sh",
    sensor: "ptrace",
    path: "/bin/true",
    argv: ["true"],
    ...over,
  });

test("an input with no valid event: exit 1 with one line, and no out dir left behind", () =>
  withTmpDir("bad-", (dir) => {
    for (const [name, text] of [
      ["garbage.jsonl", "{not json\n{also not\n"],
      ["kinds.jsonl", '{"kind":"nope"}\n{"kind":"exec"}\n'],
    ] as const) {
      const file = path.join(dir, name);
      writeFileSync(file, text);
      const out = path.join(dir, `out-${name}`);
      const r = runCli(["analyze", file, "--out", out]);
      assert.equal(r.status, 1, r.stderr);
      const last = r.stderr.trim().split("\n").at(-1)!;
      assert.match(last, /^shadow-signals analyze: .*no valid event/, r.stderr);
      assert.ok(!existsSync(out), "no half-written out dir");
      assert.doesNotMatch(r.stderr, /Invalid time value/);
    }
  }));

test("a well-formed event with a wrong type is a bad line, named by file:line; the rest is kept", () =>
  withTmpDir("bad-", (dir) => {
    const file = path.join(dir, "events.jsonl");
    writeFileSync(
      file,
      [event({}), event({ seq: 2, pid: 1.5 }), event({ seq: 3, pid: 11 })].join("\n") + "\n",
    );
    const out = path.join(dir, "out");
    const r = runCli(["analyze", file, "--out", out]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`${file}:2: field 'pid' should be a whole number`));
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
      session: { events: number };
    };
    assert.equal(report.session.events, 2);
  }));

test("a FIFO, a device or a dir of the wrong shape: a one-line error at once, not a hang", () =>
  withTmpDir("bad-", (dir) => {
    const fifo = path.join(dir, "fifo");
    spawnSync("mkfifo", [fifo]);
    const notSession = path.join(dir, "notsession");
    mkdirSync(notSession);
    for (const input of [fifo, "/dev/zero", notSession]) {
      const out = path.join(dir, `out-${path.basename(input)}`);
      const t0 = Date.now();
      const r = runCli(["analyze", input, "--out", out], 10_000);
      assert.equal(r.status, 1, `${input}: ${r.stderr}`);
      assert.ok(Date.now() - t0 < 5000, `${input} took ${Date.now() - t0} ms`);
      assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
      assert.match(r.stderr, new RegExp(input.replace(/[/.]/g, "\\$&")));
      assert.ok(!existsSync(out), `${input}: no out dir`);
    }
  }));

test("a broken session.db: the error names the file", () =>
  withTmpDir("bad-", (dir) => {
    const session = path.join(dir, "session");
    mkdirSync(session, { mode: 0o700 });
    writeFileSync(path.join(session, "session.db"), "this is not a database, just some text".repeat(100));
    writeFileSync(path.join(session, "events.jsonl"), event({}) + "\n");
    const r = runCli(["analyze", session]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /session\.db/);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }));

test(
  "--duration 600h is honoured: the session runs until the target ends, not 1 ms",
  { timeout: 60_000 },
  () =>
    withTmpDir("bad-", (dir) => {
      const out = path.join(dir, "out");
      const done = path.join(dir, "done");
      const r = runCli([
        "observe",
        "--sensors",
        "procfs",
        "--duration",
        "600h",
        "--out",
        out,
        "--",
        "/bin/sh",
        "-c",
        `sleep 1.5; echo > ${done}`,
      ]);
      assert.equal(r.status, 0, r.stderr);
      assert.ok(existsSync(done), "the target ran to its end instead of being stopped at once");
    }),
);
