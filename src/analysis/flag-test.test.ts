import { test } from "node:test";
import assert from "node:assert/strict";
import { FlagTest } from "./flag-test.js";

test("FlagTest: any flag matching the pattern, asked again from the memo with the same answer", () => {
  const writes = new FlagTest(/O_WRONLY|O_RDWR|O_CREAT|O_TRUNC/);
  for (let round = 0; round < 2; round++) {
    assert.equal(writes.any(["O_RDONLY", "O_CLOEXEC"]), false);
    assert.equal(writes.any(["O_RDONLY", "O_CREAT"]), true);
    assert.equal(writes.any(["O_WRONLY|O_TRUNC"]), true);
    assert.equal(writes.any([]), false);
  }
});
