import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { shellQuote } from "./shell-quote.js";

test("shellQuote: plain words stay bare, the rest round-trips through sh", () => {
  assert.equal(shellQuote(["nginx", "-g", "daemon off;"]), "nginx -g 'daemon off;'");
  const argv = ["a b", "it's", "", "$HOME", "x\ny", "--opt=v"];
  const r = spawnSync("/bin/sh", ["-c", `printf '%s\\0' ${shellQuote(argv)}`], { encoding: "utf8" });
  assert.deepEqual(r.stdout.split("\0").slice(0, -1), argv);
});
