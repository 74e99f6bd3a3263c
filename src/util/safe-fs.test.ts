import { test } from "node:test";
import assert from "node:assert/strict";
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { createOwnDir, ownSessionDir, replaceFile, trustedPath, writeNewFile } from "./safe-fs.js";
import { UsageError } from "./result.js";

const isRoot = process.geteuid?.() === 0;

function withTmp(body: (dir: string) => void): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), "safe-fs-"));
  try {
    body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a new out dir is created 0700; an empty dir of ours is accepted and made 0700", () =>
  withTmp((dir) => {
    const made = createOwnDir(path.join(dir, "a", "b"));
    assert.equal(statSync(made).mode & 0o777, 0o700);
    const empty = path.join(dir, "empty");
    mkdirSync(empty, { mode: 0o755 });
    chmodSync(empty, 0o755);
    createOwnDir(empty);
    assert.equal(statSync(empty).mode & 0o777, 0o700);
  }));

test("an existing dir that is not empty, a file, or a symlink is refused as a usage error", () =>
  withTmp((dir) => {
    const full = path.join(dir, "full");
    mkdirSync(full);
    writeFileSync(path.join(full, "x"), "");
    assert.throws(() => createOwnDir(full), UsageError);
    writeFileSync(path.join(dir, "file"), "");
    assert.throws(() => createOwnDir(path.join(dir, "file")), UsageError);
    symlinkSync(full, path.join(dir, "link"));
    // A link to a dir is resolved once; the real dir is judged (here: not empty).
    assert.throws(() => createOwnDir(path.join(dir, "link")), UsageError);
  }));

test(
  "a directory another user owns, or one under a dir others can write to, is refused",
  {
    skip: isRoot ? false : "needs root to chown a directory to another user",
  },
  () =>
    withTmp((dir) => {
      chmodSync(dir, 0o755);
      const foreign = path.join(dir, "foreign");
      mkdirSync(foreign);
      chownSync(foreign, 65534, 65534);
      assert.throws(() => createOwnDir(foreign), /belongs to uid 65534/);
      assert.throws(() => createOwnDir(path.join(foreign, "sub")), /belongs to uid 65534/);
      const open = path.join(dir, "open");
      mkdirSync(open);
      chmodSync(open, 0o777); // world-writable, not sticky: anyone could swap our dir for a link
      assert.throws(() => createOwnDir(path.join(open, "out")), /writable by other users/);
      chmodSync(open, 0o1777); // sticky, like /tmp: others cannot rename what we create
      assert.equal(trustedPath(path.join(open, "out")), path.join(open, "out"));
      assert.throws(() => ownSessionDir(foreign), UsageError);
    }),
);

test("files are created new and 0600: a planted file or symlink is never followed", () =>
  withTmp((dir) => {
    const victim = path.join(dir, "victim");
    writeFileSync(victim, "untouched");
    symlinkSync(victim, path.join(dir, "report.md"));
    assert.throws(() => writeNewFile(path.join(dir, "report.md"), "x"), /EEXIST/);
    // A report rewritten in place replaces the link itself.
    replaceFile(path.join(dir, "report.md"), "new report");
    assert.equal(readFileSync(victim, "utf8"), "untouched");
    assert.ok(lstatSync(path.join(dir, "report.md")).isFile());
    assert.equal(statSync(path.join(dir, "report.md")).mode & 0o777, 0o600);
    writeNewFile(path.join(dir, "fresh"), "y");
    assert.equal(statSync(path.join(dir, "fresh")).mode & 0o777, 0o600);
  }));
