import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { launchGated } from "./launcher.js";

test("the gate never lets the target start if we go away before releasing it", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "gate-"));
  try {
    const ran = path.join(dir, "ran");
    const launched = await launchGated(["/bin/sh", "-c", `touch ${ran}`], (argv) => argv);
    const exited = new Promise<number | null>((r) => launched.child.once("exit", (code) => r(code)));
    // What a crash or a SIGKILL of ours does to the gate's pipe: EOF, no "go".
    (launched.child.stdio[4] as NodeJS.WritableStream).end();
    assert.equal(await exited, 125);
    assert.equal(existsSync(ran), false, "the target ran unobserved");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("released, the target runs with the session marker", async () => {
  const launched = await launchGated(["/bin/sh", "-c", 'test -n "$SHADOW_SIGNALS_SESSION"'], (argv) => argv);
  const exited = new Promise<number | null>((r) => launched.child.once("exit", (code) => r(code)));
  launched.release();
  assert.equal(await exited, 0);
});
