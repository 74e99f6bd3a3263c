import { readdirSync, readlinkSync } from "node:fs";
import { parseFdinfoFlags } from "../../proc/fdinfo.js";
import { parseNetTable, parseUnixTable, type NetRow } from "../../proc/net.js";
import { readProc } from "../../proc/read-proc.js";

/** A process's open fds: fd number -> link target (`/etc/x`, `socket:[123]`, `pipe:[9]`). */
export function readFds(pid: number): Map<number, string> {
  const out = new Map<number, string>();
  let names: string[];
  try {
    names = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return out;
  }
  for (const n of names) {
    try {
      out.set(Number(n), readlinkSync(`/proc/${pid}/fd/${n}`));
    } catch {
      /* closed between readdir and readlink */
    }
  }
  return out;
}

/**
 * The open flags of fd `fd`, if it still refers to `target`. The fd may be closed and its number
 * reused between the scan's readlink and this read (a CA bundle opened read-only, then a socket,
 * O_RDWR, on the same number): its flags would then be pinned on the old path as a write. The link
 * is read again after the flags, and a change means the flags are not the file's.
 */
export function readFdFlags(pid: number, fd: number, target: string): string[] | undefined {
  try {
    const flags = parseFdinfoFlags(readProc(`/proc/${pid}/fdinfo/${fd}`));
    return readlinkSync(`/proc/${pid}/fd/${fd}`) === target ? flags : undefined;
  } catch {
    return undefined;
  }
}

export type SocketInfo = { kind: "inet"; row: NetRow } | { kind: "unix"; path?: string; listening: boolean };

/** Socket inode -> endpoints, from the network namespace of `pid`. Read once per scan when needed. */
export function readSockets(pid: number): Map<number, SocketInfo> {
  const out = new Map<number, SocketInfo>();
  for (const proto of ["tcp", "tcp6", "udp", "udp6"] as const) {
    try {
      for (const row of parseNetTable(readProc(`/proc/${pid}/net/${proto}`), proto))
        out.set(row.inode, { kind: "inet", row });
    } catch {
      /* no such table */
    }
  }
  try {
    for (const u of parseUnixTable(readProc(`/proc/${pid}/net/unix`))) {
      out.set(u.inode, { kind: "unix", listening: u.listening, ...(u.path ? { path: u.path } : {}) });
    }
  } catch {
    /* gone */
  }
  return out;
}
