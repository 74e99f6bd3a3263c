import { closeSync, constants, fchmodSync, fstatSync, lstatSync, openSync, writeSync } from "node:fs";
import { UsageError } from "../util/result.js";
import type { FalcoAlert } from "./falco-alert.js";

/**
 * Where alerts go: stdout, one JSON line each, and with --alerts a file, appended, 0600. The file
 * is opened without following a symlink and must be a regular file of ours: a link planted in its
 * place, or another user's file, is refused before anything runs.
 */
export class AlertSink {
  private readonly fd: number | undefined;

  private stdoutGone = false;
  private readonly out: (line: string) => void;

  /** `out`: where the lines go besides the file (stdout when not given). */
  constructor(file: string | undefined, out?: (line: string) => void) {
    this.out =
      out ??
      ((l) => {
        if (!this.stdoutGone) process.stdout.write(l);
      });
    // A reader that goes away (`watch ... | head`) ends the alerts on stdout, not the session:
    // the file and the report still get every one.
    if (!out)
      process.stdout.on("error", (err: NodeJS.ErrnoException) => {
        if (err.code !== "EPIPE" || this.stdoutGone) return;
        this.stdoutGone = true;
        process.stderr.write(
          "shadow-signals watch: stdout was closed; alerts go on to --alerts and the report\n",
        );
      });
    if (file === undefined) return;
    let fd: number;
    try {
      fd = openSync(
        file,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
        0o600,
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new UsageError(
        `--alerts ${file}: ${e.code === "ELOOP" ? "is a symlink: give the file itself" : e.message}`,
      );
    }
    const st = fstatSync(fd);
    const euid = process.geteuid?.() ?? st.uid;
    if (!st.isFile() || st.uid !== euid) {
      closeSync(fd);
      throw new UsageError(`--alerts ${file}: not a regular file of ours (uid ${st.uid}): choose another`);
    }
    fchmodSync(fd, 0o600);
    this.fd = fd;
  }

  /** Refuses, before anything is made, an alerts file that is a link, not regular, or not ours. */
  static check(file: string): void {
    let st;
    try {
      st = lstatSync(file);
    } catch {
      return; // made when the watch starts
    }
    if (st.isSymbolicLink()) throw new UsageError(`--alerts ${file}: is a symlink: give the file itself`);
    if (!st.isFile() || st.uid !== (process.geteuid?.() ?? st.uid))
      throw new UsageError(`--alerts ${file}: not a regular file of ours (uid ${st.uid}): choose another`);
  }

  send(alert: FalcoAlert): void {
    const line = JSON.stringify(alert) + "\n";
    this.out(line);
    if (this.fd !== undefined) writeSync(this.fd, line);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}
