import path from "node:path";
import type { RawEvent } from "../../events/schema.js";
import { describeSecrets } from "../../secrets/scan.js";
import {
  decodeFd,
  decodeSockaddr,
  decodeSocketFd,
  decodeString,
  splitArgs,
  splitHostPort,
} from "./strace-args.js";
import type { StraceRecord } from "./strace-line.js";

/** Syscalls the ptrace sensor asks strace for: only what the behaviour catalogue needs. */
export const TRACED_SYSCALLS = [
  "execve",
  "execveat",
  "clone",
  "clone3",
  "fork",
  "vfork",
  "setsid",
  "prctl",
  "setuid",
  "setgid",
  "setreuid",
  "setregid",
  "setresuid",
  "setresgid",
  "capset",
  "unshare",
  "setns",
  "open",
  "openat",
  "openat2",
  "creat",
  "write",
  "writev",
  "pwrite64",
  "rename",
  "renameat",
  "renameat2",
  "unlink",
  "unlinkat",
  "chmod",
  "fchmod",
  "fchmodat",
  "chown",
  "fchown",
  "lchown",
  "fchownat",
  "connect",
  "bind",
  "listen",
  "accept",
  "accept4",
] as const;

// EINPROGRESS: a non-blocking connect that is under way, not a failure.
const NOT_FAILURES = new Set(["EINPROGRESS", "EAGAIN", "ERESTARTSYS", "ERESTARTNOINTR", "ERESTARTNOHAND"]);

/**
 * Turns strace records into normalized events. Keeps the state strace does not print on every
 * line: which thread belongs to which process, and each process's comm.
 */
/** The name the kernel gives a process that execs `p`: its file name, cut to 15 characters. */
export const commOf = (p: string) => path.basename(p.replace(/ \(deleted\)$/, "")).slice(0, 15);

export class StraceEventMapper {
  private readonly tgid = new Map<number, number>();
  private readonly comms = new Map<number, string>();
  private readonly parents = new Map<number, number>();

  constructor(private readonly lookupComm: (pid: number) => string | undefined = () => undefined) {}

  /** Tells the mapper a process's name when known from elsewhere (e.g. /proc at attach). */
  setComm(pid: number, comm: string): void {
    this.comms.set(pid, comm);
  }

  map(record: StraceRecord): RawEvent[] {
    const pid = this.tgid.get(record.tid) ?? record.tid;
    const comm = this.comms.get(pid) ?? this.lookupComm(pid) ?? "?";
    const ppid = this.parents.get(pid);
    const base = {
      ts: record.ts * 1000,
      pid,
      comm,
      sensor: "ptrace" as const,
      ...(ppid !== undefined ? { ppid } : {}),
    };
    if (record.type === "signal") {
      const from = /si_pid=(\d+)/.exec(record.info)?.[1];
      return [{ ...base, kind: "signal", signal: record.signal, ...(from ? { fromPid: Number(from) } : {}) }];
    }
    if (record.type === "exit") {
      // strace prints a thread's or a process's end last: its state can go (a day-long session
      // would otherwise hold every pid and thread it saw).
      this.tgid.delete(record.tid);
      if (pid !== record.tid) return []; // a thread ending, not the process
      this.comms.delete(pid);
      this.parents.delete(pid);
      return [
        {
          ...base,
          kind: "exit",
          ...(record.code !== undefined ? { code: record.code } : {}),
          ...(record.signal ? { signal: record.signal } : {}),
        },
      ];
    }
    const failed = record.errno !== undefined && !NOT_FAILURES.has(record.errno);
    const err = failed ? { err: record.errno! } : {};
    if (record.errno && !failed && record.name !== "connect") return [];
    return this.syscall(record, { ...base, ...err }, failed);
  }

  private syscall(
    r: Extract<StraceRecord, { type: "syscall" }>,
    base: Omit<RawEvent, "kind"> & { err?: string },
    failed: boolean,
  ): RawEvent[] {
    const a = splitArgs(r.args);
    const ret = decodeFd(r.ret);
    const str = (i: number) => decodeString(a[i] ?? "") ?? "";
    const at = (dirArg: string | undefined, p: string) => {
      if (p.startsWith("/")) return p;
      const dir = decodeFd(dirArg ?? "")?.path;
      return dir ? path.join(dir, p) : p;
    };
    switch (r.name) {
      case "execve":
      case "execveat": {
        // execveat(fd, "", ..., AT_EMPTY_PATH) runs the open file itself (fexecve): its path is
        // the fd's, e.g. `/memfd:x (deleted)` for a program that never touched the disk.
        const [p, argv] = r.name === "execve" ? [str(0), a[1]] : [at(a[0], str(1)), a[2]];
        const args = splitArgs((argv ?? "[]").replace(/^\[|\]$/g, ""))
          .map((s) => decodeString(s) ?? s)
          .filter((s) => s !== "");
        const comm = commOf(p);
        if (!failed) this.comms.set(base.pid, comm);
        return [{ ...base, kind: "exec", path: p, argv: args, comm: failed ? base.comm : comm }];
      }
      case "clone":
      case "clone3":
      case "fork":
      case "vfork": {
        const child = Number(r.ret);
        if (failed || !Number.isInteger(child) || child <= 0) return [];
        if (/CLONE_THREAD/.test(r.args)) {
          this.tgid.set(child, base.pid);
          return [];
        }
        this.parents.set(child, base.pid);
        this.comms.set(child, base.comm);
        return [{ ...base, kind: "fork", child }];
      }
      case "setsid":
        return failed ? [] : [{ ...base, kind: "setsid" }];
      case "prctl": {
        if (a[0] !== "PR_SET_NAME" || failed) return [];
        const name = str(1);
        this.comms.set(base.pid, name);
        return [{ ...base, kind: "comm", name, comm: name }];
      }
      case "setuid":
      case "setreuid":
      case "setresuid":
        return [
          {
            ...base,
            kind: "cred",
            syscall: r.name,
            uid: Number(a[0]),
            euid: Number(a[r.name === "setuid" ? 0 : 1]),
          },
        ];
      case "setgid":
      case "setregid":
      case "setresgid":
        return [
          {
            ...base,
            kind: "cred",
            syscall: r.name,
            gid: Number(a[0]),
            egid: Number(a[r.name === "setgid" ? 0 : 1]),
          },
        ];
      case "capset": {
        const eff = /effective=([^,}]*)/.exec(r.args)?.[1]?.trim();
        return [{ ...base, kind: "cred", syscall: r.name, ...(eff ? { caps: eff } : {}) }];
      }
      case "unshare":
        return [{ ...base, kind: "ns", syscall: r.name, flags: a[0] ?? "" }];
      case "setns":
        return [{ ...base, kind: "ns", syscall: r.name, flags: a[1] ?? "" }];
      case "open":
      case "creat":
      case "openat":
      case "openat2": {
        const [p, flagText] =
          r.name === "open"
            ? [str(0), a[1]]
            : r.name === "creat"
              ? [str(0), "O_WRONLY|O_CREAT|O_TRUNC"]
              : [at(a[0], str(1)), a[2]];
        const flags = (r.name === "openat2" ? /flags=([\w|]+)/.exec(flagText ?? "")?.[1] : flagText) ?? "";
        const resolved = !failed && ret?.path?.startsWith("/") ? ret.path : p;
        return [
          {
            ...base,
            kind: "open",
            path: resolved,
            flags: flags.split("|").filter(Boolean),
            ...(ret && !failed ? { fd: ret.fd } : {}),
          },
        ];
      }
      case "write":
      case "writev":
      case "pwrite64": {
        const fd = decodeFd(a[0] ?? "");
        const bytes = Number(r.ret);
        const data =
          r.name === "writev" ? (/iov_base=("(?:[^"\\]|\\.)*")/.exec(r.args)?.[1] ?? "") : (a[1] ?? "");
        const text = decodeString(data) ?? "";
        const secrets = fd?.path?.startsWith("/") && text ? describeSecrets(text) : [];
        return [
          {
            ...base,
            kind: "write",
            path: fd?.path ?? `fd:${fd?.fd ?? "?"}`,
            ...(fd ? { fd: fd.fd } : {}),
            bytes: Number.isFinite(bytes) && bytes > 0 ? bytes : 0,
            ...(secrets.length ? { secrets } : {}),
          },
        ];
      }
      case "rename":
        return [{ ...base, kind: "rename", from: str(0), to: str(1) }];
      case "renameat":
      case "renameat2":
        return [{ ...base, kind: "rename", from: at(a[0], str(1)), to: at(a[2], str(3)) }];
      case "unlink":
        return [{ ...base, kind: "unlink", path: str(0) }];
      case "unlinkat":
        return [{ ...base, kind: "unlink", path: at(a[0], str(1)) }];
      case "chmod":
        return [{ ...base, kind: "chmod", path: str(0), mode: a[1] ?? "" }];
      case "fchmod":
        return [{ ...base, kind: "chmod", path: decodeFd(a[0] ?? "")?.path ?? "?", mode: a[1] ?? "" }];
      case "fchmodat":
        return [{ ...base, kind: "chmod", path: at(a[0], str(1)), mode: a[2] ?? "" }];
      case "chown":
      case "lchown":
        return [{ ...base, kind: "chown", path: str(0), uid: Number(a[1]), gid: Number(a[2]) }];
      case "fchown":
        return [
          {
            ...base,
            kind: "chown",
            path: decodeFd(a[0] ?? "")?.path ?? "?",
            uid: Number(a[1]),
            gid: Number(a[2]),
          },
        ];
      case "fchownat":
        return [{ ...base, kind: "chown", path: at(a[0], str(1)), uid: Number(a[2]), gid: Number(a[3]) }];
      case "connect":
      case "bind": {
        const addr = decodeSockaddr(a[1] ?? "");
        if (!addr) return [];
        return [{ ...base, kind: r.name, ...addr }];
      }
      case "listen": {
        const sock = decodeSocketFd(decodeFd(a[0] ?? "")?.path);
        const local = sock?.local ? splitHostPort(sock.local) : undefined;
        return [
          {
            ...base,
            kind: "listen",
            ...(sock
              ? {
                  family: sock.proto.startsWith("UNIX")
                    ? "unix"
                    : sock.proto.endsWith("v6")
                      ? "inet6"
                      : "inet",
                }
              : {}),
            ...(local ?? {}),
          },
        ];
      }
      case "accept":
      case "accept4": {
        if (failed) return [];
        const addr = decodeSockaddr(a[1] ?? "");
        const sock = decodeSocketFd(ret?.path);
        const remote = sock?.remote ? splitHostPort(sock.remote) : undefined;
        return [{ ...base, kind: "accept", ...(addr ?? {}), ...(remote ?? {}) }];
      }
      default:
        return [];
    }
  }
}
