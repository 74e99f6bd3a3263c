import { constants } from "node:os";
import path from "node:path";
import { validateEvent } from "../../events/validate.js";
import type { RawEvent } from "../../events/schema.js";
import { decodeOpenFlags } from "../../proc/fdinfo.js";
import { ExitGrace } from "../../session/exit-grace.js";
import { capabilityName, syscallName, SyscallCounter, type KernelUsage } from "../../session/usage.js";
import { RecentMap } from "../../util/recent-map.js";

const ERRNO = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));
const SIGNALS = new Map(Object.entries(constants.signals).map(([name, n]) => [n, name]));
/** A non-blocking connect under way is not a failure. */
const PENDING = -(constants.errno.EINPROGRESS ?? 115);

/** What the parser may ask the live system (all best effort: the process may be gone). */
export interface LiveLookups {
  /** The program a process runs now (/proc/PID/exe), for an exec through an fd. */
  exe(pid: number): string | undefined;
  cwd(pid: number): string | undefined;
  fdPath(pid: number, fd: number): string | undefined;
  /**
   * The path of an open file of `pid` that is the file (`dev`, `ino`) (`dev` as stat gives it; fd
   * `hint` tried first), if it still has one.
   */
  openFileByInode(pid: number, dev: number, ino: number, hint: number): string | undefined;
  /** The thread group of a task, to tell a new thread from a new process. */
  tgid(tid: number): number | undefined;
  socket(
    pid: number,
    fd: number,
  ): { family: string; address?: string; port?: number; unixPath?: string } | undefined;
}

type Fields = string[];
interface Pending {
  kind: string;
  f: Fields;
  /** The second record of a rename (the new name). */
  second?: Fields;
}

/**
 * The kernel's dev_t (`sb->s_dev`: major << 20 | minor) as stat(2) reports it (glibc's makedev).
 * An inode number alone is not a file: two filesystems (a tmpfs /tmp, pipefs, the root) reuse the
 * same numbers, and a write to one was once named after a certificate file open on another.
 */
export function userDev(kernelDev: number): number {
  const major = Math.floor(kernelDev / 2 ** 20);
  const minor = kernelDev % 2 ** 20;
  return (
    (minor & 0xff) +
    (major & 0xfff) * 2 ** 8 +
    Math.floor(minor / 0x100) * 2 ** 20 +
    Math.floor(major / 0x1000) * 2 ** 44
  );
}

/** `\x02\x00\x11\xd7` (bpftrace's %r) -> bytes. */
export function decodeRaw(text: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === "x") {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else out.push(text.charCodeAt(i));
  }
  return out;
}

export function decodeSockaddr(
  family: number,
  raw: string,
  unixPath: string,
): { family: string; address?: string; port?: number; unixPath?: string } {
  const b = decodeRaw(raw);
  if (family === 1) return { family: "unix", unixPath: unixPath || (b[2] === 0 ? "@abstract" : "") };
  const port = ((b[2] ?? 0) << 8) | (b[3] ?? 0);
  if (family === 2) return { family: "inet", port, address: b.slice(4, 8).join(".") };
  if (family === 10) {
    const words: string[] = [];
    for (let i = 8; i < 24; i += 2) words.push((((b[i] ?? 0) << 8) | (b[i + 1] ?? 0)).toString(16));
    const v6 = words
      .join(":")
      .replace(/(^|:)0(:0)+(:|$)/, "::")
      .replace(/:{3,}/, "::");
    const mapped = /^::ffff:([0-9a-f]+):([0-9a-f]+)$/.exec(v6);
    const address = mapped ? `::ffff:${b.slice(20, 24).join(".")}` : v6;
    return { family: "inet6", port, address };
  }
  return { family: `af${family}` };
}

/**
 * A written file's name is kept this long after its last open or write: its write sums come
 * within a second. Past that, a file still written is found through the writer's fds.
 */
const WRITTEN_FILE_TTL_MS = 30_000;
const MAX_WRITTEN_FILES = 65_536;
/** O_ACCMODE: an open for reading only is never the file of a write sum. */
const ACCESS_MODE = 3;

/**
 * Turns bpftrace's JSON output (-f json) into normalized events: pairs enter/exit records by
 * thread, gathers exec arguments, expands the per-second write sums, counts lost events.
 */
export class EbpfRecordParser {
  lost = 0;
  errors = 0;
  /** READY records seen: one from each program feeding this parser. */
  readies = 0;
  /** FLUSHED answers seen: each follows everything the kernel held when the sensor asked. */
  flushes = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly execs = new Map<number, { f: Fields; argv: string[] }>();
  /** Write sums printed, by the pair they came from ("", "0" or "1"), until that pair's first times come. */
  private writeBytes = new Map<string, Record<string, number>>();
  /** The last printed usage counters: syscall number -> calls; "cap,denied" -> checks. */
  private syscalls: Record<string, number> | undefined;
  private capabilityChecks: Record<string, number> | undefined;
  private readonly comms = new Map<number, string>();
  /**
   * Processes that exited: their comm is kept for the write sums flushed after their exit, then
   * forgotten, so that a day-long session does not hold every pid's name. A pid in use again
   * gets its comm back from its next record.
   */
  private readonly exitedComms = new ExitGrace();
  /**
   * "dev:ino" -> the path it was last opened for writing under, so write sums name their file.
   * Host-wide, every open of every file was once kept here, up to 65,536: a survey's heap grew
   * for its first quarter hour (bench/README.md, "A host survey").
   */
  private readonly files = new RecentMap<string, string>(WRITTEN_FILE_TTL_MS, MAX_WRITTEN_FILES);

  constructor(
    private readonly offsetNs: bigint,
    private readonly live: LiveLookups,
  ) {}

  private ts(ns: string): number {
    return Number((BigInt(ns) + this.offsetNs) / 1000n) / 1000;
  }

  private resolve(pid: number, dfd: string, p: string): string {
    if (p.startsWith("/") || p === "") return p;
    const dir = Number(dfd) === -100 ? this.live.cwd(pid) : this.live.fdPath(pid, Number(dfd));
    return dir ? path.join(dir, p) : p;
  }

  /**
   * One line of bpftrace's stdout. A malformed line (a torn write, an unexpected shape) is
   * counted as an error and skipped: it never ends the sensor.
   */
  parse(line: string): RawEvent[] {
    try {
      const events = this.parseLine(line);
      // A field that is not what the schema says (a pid that is not a number) would poison the
      // session; such an event is counted and dropped here, where the record is known to be bad.
      const valid = events.filter((e) => validateEvent({ ...e, seq: 0 }).success);
      this.errors += events.length - valid.length;
      return valid;
    } catch {
      this.errors++;
      return [];
    }
  }

  private parseLine(line: string): RawEvent[] {
    if (line.trim() === "") return [];
    let msg: { type: string; data: unknown };
    try {
      msg = JSON.parse(line) as { type: string; data: unknown };
    } catch {
      this.errors++;
      return [];
    }
    if (typeof msg !== "object" || msg === null) throw new Error("not a bpftrace message");
    if (msg.type === "lost_events") {
      const n = (msg.data as { events?: unknown } | null)?.events;
      if (typeof n !== "number" || !Number.isFinite(n)) throw new Error("lost_events without a count");
      this.lost += n;
      return [];
    }
    if (msg.type === "map") return this.map(msg.data as Record<string, Record<string, number>>);
    if (msg.type !== "printf") return [];
    const out: RawEvent[] = [];
    for (const rec of String(msg.data).split("\n")) if (rec) out.push(...this.record(rec.split("\t")));
    return out;
  }

  private map(data: Record<string, Record<string, number>>): RawEvent[] {
    if (data["@sc"]) {
      this.syscalls = data["@sc"];
      return [];
    }
    if (data["@cap"]) {
      this.capabilityChecks = data["@cap"];
      return [];
    }
    // The write sums come as a pair of maps, @wbN then @wtN (see the program's WRITE_FLUSH); two
    // flushes on two CPUs may interleave their pairs.
    const [name, values] = Object.entries(data)[0] ?? [];
    const pair = /^@w([bt])([01]?)$/.exec(name ?? "");
    if (!pair || !values) return [];
    if (pair[1] === "b") {
      this.writeBytes.set(pair[2]!, values);
      return [];
    }
    const sums = this.writeBytes.get(pair[2]!);
    if (!sums) return [];
    this.writeBytes.delete(pair[2]!);
    const out: RawEvent[] = [];
    for (const [key, bytes] of Object.entries(sums)) {
      const [pid, fd, dev, ino] = key.split(",").map(Number) as [number, number, number?, number?];
      const first = values[key];
      const ts = first !== undefined ? this.ts(String(first)) : Date.now();
      out.push({
        kind: "write",
        ts,
        pid,
        comm: this.comms.get(pid) ?? "?",
        sensor: "ebpf",
        path: this.writtenFile(pid, fd, dev, ino, ts),
        fd,
        bytes,
      });
    }
    return out;
  }

  /**
   * The file a write sum went to: the path its (device, inode) was opened under in this session,
   * else an fd of the writer that still holds that inode (a file opened before the session), else
   * only the fd.
   */
  /** What the tree asked of the kernel, once the counters were printed (at the final flush). */
  usage(): Omit<KernelUsage, "sensor" | "complete" | "note"> | undefined {
    if (!this.syscalls) return undefined;
    const syscalls = new SyscallCounter();
    for (const [nr, n] of Object.entries(this.syscalls)) syscalls.add(syscallName(Number(nr)), n);
    const capabilities: NonNullable<KernelUsage["capabilities"]> = {};
    for (const [key, n] of Object.entries(this.capabilityChecks ?? {})) {
      const [cap, denied] = key.split(",").map(Number) as [number, number];
      const c = (capabilities[capabilityName(cap)] ??= { checks: 0, denied: 0 });
      c.checks += n;
      if (denied) c.denied += n;
    }
    return { syscalls: syscalls.toRecord(), ...(this.capabilityChecks ? { capabilities } : {}) };
  }

  private writtenFile(
    pid: number,
    fd: number,
    dev: number | undefined,
    ino: number | undefined,
    now: number,
  ): string {
    if (!ino) return this.live.fdPath(pid, fd) ?? `fd:${fd}`;
    return (
      this.files.get(`${dev}:${ino}`, now) ??
      (dev !== undefined ? this.live.openFileByInode(pid, userDev(dev), ino, fd) : undefined) ??
      `fd:${fd}`
    );
  }

  private record(f: Fields): RawEvent[] {
    const [kind, ns, pidText, tidText, comm] = f as [string, string, string, string, string];
    if (kind === "READY") {
      this.readies++;
      return [];
    }
    if (kind === "FLUSHED") {
      this.flushes++;
      return [];
    }
    // A record cut or split (a newline inside a string argument) is counted, never thrown.
    if (f.length < 5 || !/^\d+$/.test(ns ?? "")) {
      this.errors++;
      return [];
    }
    const pid = Number(pidText);
    const tid = Number(tidText);
    const base = { ts: this.ts(ns), pid, comm, sensor: "ebpf" as const };
    if (kind !== "SG") this.comms.set(pid, comm);
    const rest = f.slice(5);
    switch (kind) {
      case "F": {
        const child = Number(rest[0]);
        const tgid = this.live.tgid(child);
        if (tgid !== undefined && tgid !== child) return []; // a new thread, not a process
        return [{ ...base, kind: "fork", child }];
      }
      case "XE":
        this.execs.set(pid, { f, argv: [] });
        return [];
      case "XA": {
        const x = this.execs.get(pid);
        if (x) x.argv[Number(rest[0])] = rest.slice(1).join("\t");
        return [];
      }
      case "XR": {
        const x = this.execs.get(pid);
        this.execs.delete(pid);
        if (!x) return [];
        const ret = Number(rest[0]);
        let p = this.resolve(pid, "-100", x.f.slice(5).join("\t"));
        // execveat(fd, "", AT_EMPTY_PATH): the program is the open file (fexecve); once it runs,
        // /proc names it, e.g. `/memfd:x (deleted)` for one that never touched the disk.
        if (ret === 0 && (p === "" || /^\/dev\/fd\/\d+$|^\/proc\/self\/fd\/\d+$/.test(p)))
          p = this.live.exe(pid) ?? p;
        const argv: string[] = [];
        for (const a of x.argv) {
          if (a === undefined || (a === "" && argv.length > 0)) break;
          argv.push(a);
        }
        return [
          {
            ...base,
            ts: this.ts(x.f[1]!),
            comm: ret < 0 ? x.f[4]! : path.basename(p.replace(/ \(deleted\)$/, "")).slice(0, 15),
            kind: "exec",
            path: p,
            argv: argv.filter((a) => a !== ""),
            ...(ret < 0 ? { err: ERRNO.get(-ret) ?? String(-ret) } : {}),
          },
        ];
      }
      case "E": {
        this.exitedComms.exited(pid, base.ts);
        this.exitedComms.sweep(base.ts, (gone) => this.comms.delete(gone));
        const status = Number(rest[0]);
        const sig = status & 0x7f;
        return [
          {
            ...base,
            kind: "exit",
            ...(sig ? { signal: SIGNALS.get(sig) ?? `SIG${sig}` } : { code: (status >> 8) & 0xff }),
          },
        ];
      }
      case "SS":
        return Number(rest[0]) > 0 ? [{ ...base, kind: "setsid" }] : [];
      case "PN":
        return [{ ...base, kind: "comm", name: rest.join("\t"), comm: rest.join("\t") }];
      case "O": {
        const flags = Number(rest[0]);
        const ret = Number(rest[1]);
        const p = this.resolve(pid, "-100", rest.slice(4).join("\t"));
        if (ret >= 0 && Number(rest[3]) > 0 && (flags & ACCESS_MODE) !== 0)
          // A copy: the path sliced from the record would keep the whole record alive with it.
          this.files.set(`${rest[2]}:${rest[3]}`, Buffer.from(p).toString(), base.ts);
        return [
          {
            ...base,
            kind: "open",
            path: p,
            flags: decodeOpenFlags((flags >>> 0).toString(8)),
            ...(ret >= 0 ? { fd: ret } : { err: ERRNO.get(-ret) ?? String(-ret) }),
          },
        ];
      }
      case "LS": {
        const s = this.live.socket(pid, Number(rest[0]));
        return [{ ...base, kind: "listen", ...(s ?? {}) }];
      }
      case "AC": {
        const s = this.live.socket(pid, Number(rest[0]));
        return [{ ...base, kind: "accept", ...(s ?? {}) }];
      }
      case "SG":
        return [
          {
            ...base,
            kind: "signal",
            signal: SIGNALS.get(Number(rest[0])) ?? `SIG${rest[0]}`,
            fromPid: Number(rest[1]),
          },
        ];
      case "RM": {
        const p = this.pending.get(tid);
        if (p?.kind === "RN") p.second = f;
        return [];
      }
      case "NU": {
        const p = this.pending.get(tid);
        if (p?.kind === "NT") p.second = f;
        return [];
      }
      case "Z":
        return this.complete(tid, base, rest[0]!, Number(rest[1]));
      default:
        if (["CR", "NS", "RN", "UL", "CM", "CO", "NT"].includes(kind)) this.pending.set(tid, { kind, f });
        else this.errors++;
        return [];
    }
  }

  private complete(
    tid: number,
    base: Omit<RawEvent, "kind"> & { pid: number },
    syscall: string,
    ret: number,
  ): RawEvent[] {
    const p = this.pending.get(tid);
    this.pending.delete(tid);
    if (!p || p.f[5] !== syscall) return [];
    const a = p.f.slice(6);
    const failed = ret < 0 && ret !== PENDING;
    const b = { ...base, ts: this.ts(p.f[1]!), ...(failed ? { err: ERRNO.get(-ret) ?? String(-ret) } : {}) };
    const pid = base.pid;
    switch (p.kind) {
      case "CR":
        return [
          {
            ...b,
            kind: "cred",
            syscall,
            ...(syscall.includes("gid")
              ? { gid: Number(a[0]), egid: Number(a[1]) }
              : syscall === "capset"
                ? {}
                : { uid: Number(a[0]), euid: Number(a[1]) }),
          },
        ];
      case "NS":
        return [{ ...b, kind: "ns", syscall, flags: `0x${a[0]}` }];
      case "RN": {
        if (!p.second) return [];
        const n = p.second.slice(6);
        return [
          {
            ...b,
            kind: "rename",
            from: this.resolve(pid, a[0]!, a.slice(1).join("\t")),
            to: this.resolve(pid, n[0]!, n.slice(1).join("\t")),
          },
        ];
      }
      case "UL":
        return [{ ...b, kind: "unlink", path: this.resolve(pid, a[0]!, a.slice(1).join("\t")) }];
      case "CM": {
        const target = a[2]
          ? this.resolve(pid, a[1]!, a.slice(2).join("\t"))
          : (this.live.fdPath(pid, Number(a[1])) ?? `fd:${a[1]}`);
        return [{ ...b, kind: "chmod", path: target, mode: a[0]!.padStart(4, "0") }];
      }
      case "CO": {
        const target = a[3]
          ? this.resolve(pid, a[2]!, a.slice(3).join("\t"))
          : (this.live.fdPath(pid, Number(a[2])) ?? `fd:${a[2]}`);
        return [{ ...b, kind: "chown", path: target, uid: Number(a[0]), gid: Number(a[1]) }];
      }
      case "NT": {
        const addr = decodeSockaddr(Number(a[1]), a[2] ?? "", p.second?.slice(6).join("\t") ?? "");
        return [{ ...b, kind: syscall === "bind" ? "bind" : "connect", ...addr }];
      }
      default:
        return [];
    }
  }
}
