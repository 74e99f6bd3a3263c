import { test } from "node:test";
import assert from "node:assert/strict";
import { redactArgv, redactText } from "./redact.js";

// Assembled at run time so that no secret-looking literal sits in the repository.
const VALUE = ["Zq7", "hunter2", "Vx9k"].join("-");

test("secrets on a command line are replaced by kind#fingerprint, in every form", () => {
  const cases: string[][] = [
    ["printf", "password=%s", VALUE],
    ["printf", "user=%s password=%s\\n", "alice", VALUE],
    ["sh", "-c", `echo api_token=${VALUE} > f`],
    ["env", `DB_PASSWORD=${VALUE}`, "prog"],
    ["mysql", "--password", VALUE],
    ["curl", `--token=${VALUE}`, "http://127.0.0.1/"],
    ["tool", "8f14e45fceea167a5a36dedd4bea2543ab09"],
  ];
  for (const argv of cases) {
    const red = redactArgv(argv);
    const text = red.join(" ");
    assert.ok(!text.includes(VALUE) && !text.includes("8f14e45fceea167a5a36dedd4bea2543ab09"), text);
    assert.match(text, /#[0-9a-f]{10}/, text);
    assert.equal(red[0], argv[0], "the program name stays");
  }
});

test("ordinary command lines are left alone (same array)", () => {
  for (const argv of [
    ["nginx", "-g", "daemon off;"],
    ["mkdir", "-p", "/var/lib/x"],
    ["ls", "-l", "/usr/lib/x86_64-linux-gnu/libc.so.6"],
    ["sh", "-c", "echo tick >> /tmp/imd.log"],
    ["LANG=C", "sort"],
    ["printf", "%s\\n", "hello"],
    ["printf", "user=%s pid=%d\\n", "alice", "42"],
  ])
    assert.equal(redactArgv(argv), argv, argv.join(" "));
});

test("redaction is idempotent and keeps the same fingerprint for the same value", () => {
  const once = redactText(`password=${VALUE} token=${VALUE}x`);
  assert.equal(redactText(once), once);
  const a = redactArgv(["env", `DB_PASSWORD=${VALUE}`]).join(" ");
  const b = redactArgv(["env", `DB_PASSWORD=${VALUE}`]).join(" ");
  assert.equal(a, b);
  assert.deepEqual(
    redactArgv(redactArgv(["mysql", "--password", VALUE])),
    redactArgv(["mysql", "--password", VALUE]),
  );
});
