import { readProc } from "./read-proc.js";

/** Credentials and confinement of a process, from /proc/PID/status. */
export interface ProcCreds {
  uid: number[];
  gid: number[];
  capEff: string;
  capPrm: string;
  capBnd: string;
  noNewPrivs: number;
  seccomp: number;
  /** Seccomp filters stacked on the process (kernel >= 5.9): tells a sensor's filter from its own. */
  seccompFilters?: number;
  tgid: number;
}

export function parseStatus(text: string): ProcCreds {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, "m").exec(text)?.[1]?.trim() ?? "";
  const nums = (name: string) => field(name).split(/\s+/).filter(Boolean).map(Number);
  return {
    uid: nums("Uid"),
    gid: nums("Gid"),
    capEff: field("CapEff"),
    capPrm: field("CapPrm"),
    capBnd: field("CapBnd"),
    noNewPrivs: Number(field("NoNewPrivs") || 0),
    seccomp: Number(field("Seccomp") || 0),
    ...(field("Seccomp_filters") !== "" ? { seccompFilters: Number(field("Seccomp_filters")) } : {}),
    tgid: Number(field("Tgid") || 0),
  };
}

export function readStatus(pid: number): ProcCreds | undefined {
  try {
    return parseStatus(readProc(`/proc/${pid}/status`));
  } catch {
    return undefined;
  }
}

/** True when the effective uid is 0 or the effective set holds any capability. */
export function isPrivileged(creds: Pick<ProcCreds, "uid" | "capEff">): boolean {
  return creds.uid[1] === 0 || (creds.capEff !== "" && /[1-9a-f]/i.test(creds.capEff));
}
