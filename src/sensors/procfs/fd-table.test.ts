import { test } from "node:test";
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { readFdFlags } from "./fd-table.js";

test("an fd's flags are read only while it still refers to the file the scan saw", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fd-flags-"));
  const readOnly = path.join(dir, "ca.crt");
  const written = path.join(dir, "out.log");
  writeFileSync(readOnly, "x");
  try {
    const fd = openSync(written, "w");
    try {
      assert.deepEqual(readFdFlags(process.pid, fd, written)?.includes("O_WRONLY"), true);
      // The scan saw the read-only file on this number; the number now holds a file opened for writing.
      assert.equal(readFdFlags(process.pid, fd, readOnly), undefined);
    } finally {
      closeSync(fd);
    }
    assert.equal(readFdFlags(process.pid, fd, written), undefined, "closed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
