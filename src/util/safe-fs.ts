import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  constants,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  writeSync,
  type Stats,
} from "node:fs";
import path from "node:path";
import { ShadowError, UsageError } from "./result.js";

/**
 * Files we write as root beside a daemon we do not trust. Every file is created new (O_EXCL, so a
 * planted file or symlink makes it fail rather than be followed), 0600, in a directory that only
 * we can write to, below ancestors that nobody else can rename or replace.
 */

const euid = () => process.geteuid?.() ?? 0;
// Under sudo, the user who ran it could have done anything as root already: their home is theirs.
const sudoUid = () => (process.env.SUDO_UID && euid() === 0 ? Number(process.env.SUDO_UID) : undefined);
const trustedOwner = (st: Stats) => st.uid === 0 || st.uid === euid() || st.uid === sudoUid();
const writableByOthers = (st: Stats) => (st.mode & 0o022) !== 0;
const sticky = (st: Stats) => (st.mode & 0o1000) !== 0;

const lstat = (p: string) => {
  try {
    return lstatSync(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
};

/**
 * Resolves `dir` to its real path and checks every existing ancestor: owned by root or us, and
 * writable by no one else unless sticky (/tmp), where others cannot rename what we create.
 * Symlinks above the first missing component are resolved once here; from then on only the real
 * path is used, so swapping a link later changes nothing.
 */
export function trustedPath(dir: string): string {
  const abs = path.resolve(dir);
  let existing = abs;
  const missing: string[] = [];
  while (lstat(existing) === undefined) {
    missing.unshift(path.basename(existing));
    existing = path.dirname(existing);
  }
  const real = realpathSync(existing);
  let at = "/";
  for (const part of real.split("/").filter(Boolean)) {
    const parent = lstatSync(at);
    if (writableByOthers(parent) && !sticky(parent))
      throw new UsageError(`${at} is writable by other users: choose an out dir elsewhere`);
    at = path.join(at, part);
    const st = lstatSync(at);
    if (!trustedOwner(st))
      throw new UsageError(
        `${at} belongs to uid ${st.uid}, not to us or root: another user could swap it for a link; choose an out dir elsewhere`,
      );
  }
  const last = lstatSync(real);
  if (last.isDirectory() && writableByOthers(last) && !sticky(last) && missing.length > 0)
    throw new UsageError(`${real} is writable by other users: choose an out dir elsewhere`);
  return path.join(real, ...missing);
}

/**
 * Creates a new out dir, 0700. An existing one is accepted only when it is an empty directory of
 * ours (not a symlink), and is then made 0700; anything else is a usage error.
 */
export function createOwnDir(dir: string): string {
  const real = trustedPath(dir);
  const st = lstat(real);
  if (st === undefined) {
    mkdirSync(path.dirname(real), { recursive: true, mode: 0o700 });
    mkdirSync(real, { mode: 0o700 }); // not recursive: EEXIST if someone raced us to it
    return real;
  }
  if (!st.isDirectory()) throw new UsageError(`${real} exists and is not a directory`);
  if (st.uid !== euid())
    throw new UsageError(`${real} exists and belongs to uid ${st.uid}: choose a new out dir`);
  if (readdirSync(real).length > 0)
    throw new UsageError(`${real} exists and is not empty: choose a new out dir`);
  chmodSync(real, 0o700);
  return real;
}

/** A session dir of ours, to re-analyse in place: our own, not a link, writable by no one else. */
export function ownSessionDir(dir: string): string {
  const real = trustedPath(dir);
  const st = lstatSync(real);
  if (!st.isDirectory()) throw new UsageError(`${real} is not a directory`);
  if (st.uid !== euid() || writableByOthers(st))
    throw new UsageError(
      `${real} is not a session dir of ours (owner uid ${st.uid}, mode ${(st.mode & 0o7777).toString(8)}): copy it, or give the events.jsonl with --out`,
    );
  return real;
}

const NEW_FILE = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Opens a new file for writing, 0600; fails if anything (a file, a symlink) is already there. */
export function openNewFile(file: string, extraFlags = 0): number {
  return openSync(file, NEW_FILE | extraFlags, 0o600);
}

/** Writes a new file, 0600; fails if anything is already there. */
export function writeNewFile(file: string, data: string | Uint8Array): void {
  const fd = openNewFile(file);
  try {
    writeSync(fd, typeof data === "string" ? Buffer.from(data) : data);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `file` whole: writes a new temp file beside it and renames it over. rename(2) replaces
 * a planted symlink itself instead of following it, and a reader never sees half a report.
 */
export function replaceFile(file: string, data: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(4).toString("hex")}.tmp`);
  try {
    writeNewFile(tmp, data);
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new ShadowError(`cannot write ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** A file we are about to read or open with a library that follows links: must be a regular file. */
export function assertRegularFile(file: string): void {
  const st = lstat(file);
  if (st === undefined) throw new ShadowError(`${file}: no such file`);
  if (!st.isFile()) throw new ShadowError(`${file}: not a regular file (a link, FIFO or device is refused)`);
}
