import path from "node:path";
import type { ObservedSurface } from "./surface.js";

/**
 * The filesystem view a profile gives the daemon, shared by the systemd drop-in, the AppArmor
 * profile and the replay sandbox: everything read-only but the places it wrote, a private /tmp
 * when it only used what it made there, and no exec from writable places.
 */
export interface FsPlan {
  /** Directories (or single files) the daemon must be able to write. */
  writable: string[];
  /** True when every /tmp and /var/tmp path it used was made by the tree itself. */
  privateTmp: boolean;
  /** Why PrivateTmp= would change behaviour, when it would. */
  privateTmpConflict?: string;
  /** Every writable place (its writable paths, /tmp, /var/tmp, /dev/shm): mounted noexec. */
  noExec: string[];
  /**
   * The directories under those it did execute from: exceptions that keep what was observed
   * working (ExecPaths=). Dropping them stops that exec; a person decides.
   */
  execFromWritable: string[];
}

const API_FS = /^\/(proc|sys|dev)(\/|$)/;
const TMP = /^\/(var\/)?tmp(\/|$)/;

/** The shortest list covering every path: a dir drops its descendants. */
export function compactPaths(paths: Iterable<string>): string[] {
  const sorted = [...new Set(paths)].sort();
  const out: string[] = [];
  for (const p of sorted) if (!out.some((q) => p === q || p.startsWith(q === "/" ? q : q + "/"))) out.push(p);
  return out;
}

export function planFilesystem(s: ObservedSurface): FsPlan {
  const privateTmp = s.tmpNotCreated.size === 0;
  const needs: string[] = [];
  for (const p of s.written) {
    if (API_FS.test(p)) continue; // /proc, /sys and /dev stay writable under ProtectSystem=strict
    if (privateTmp && TMP.test(p)) continue; // the private /tmp is writable
    // Made, renamed or removed: its directory changes. Only rewritten in place: the file alone.
    needs.push(s.createdOrRemoved.has(p) ? path.dirname(p) : p);
  }
  const writable = compactPaths(needs);
  // Places the daemon (or anyone, for the temp dirs) can write: a program there can be replaced.
  const noExec = compactPaths([...writable.filter((w) => !API_FS.test(w)), "/tmp", "/var/tmp", "/dev/shm"]);
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + "/");
  const execDirs = new Set<string>();
  for (const exe of [...s.executed, ...s.mapped])
    for (const w of noExec) if (under(exe, w)) execDirs.add(path.dirname(exe));
  const execFromWritable = compactPaths(execDirs);
  const blocking = [...s.tmpNotCreated].slice(0, 3);
  return {
    writable,
    privateTmp,
    ...(privateTmp
      ? {}
      : {
          privateTmpConflict: `it used ${blocking.join(", ")}${s.tmpNotCreated.size > 3 ? " …" : ""}, which it did not create: shared with other processes`,
        }),
    noExec,
    execFromWritable,
  };
}
