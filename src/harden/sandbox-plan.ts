import path from "node:path";
import { shellQuote } from "../util/shell-quote.js";
import { resolveProgram } from "../util/which.js";
import type { HardenResult } from "./harden.js";

/** The fd at which bubblewrap reads the compiled seccomp filter. */
export const SECCOMP_FD = 9;

/**
 * What a replay enforces without systemd, from a harden result: bubblewrap's argv (read-only
 * root, the writable paths bound read-write, a private /tmp, the capability set, the seccomp
 * filter; bubblewrap always sets no_new_privs), and the noexec mounts made beforehand in a
 * private mount namespace (bubblewrap keeps a source's mount flags when it binds it).
 */
export interface SandboxPlan {
  bwrap: string[];
  /** Shell commands run in the private mount namespace before anything starts. */
  mounts: string[];
  /** Directories that must exist for the binds (made before, removed after when we made them). */
  needDirs: string[];
  /** What the replay enforces and what it cannot, for replay.md. */
  enforced: string[];
  notEnforced: string[];
  /** Where a denied exec is expected (noexec places, minus the exceptions the tier keeps). */
  noExec: string[];
  execAllowed: string[];
  writable: string[];
}

const TMP = /^\/(var\/)?tmp(\/|$)/;
const API_FS = /^\/(proc|sys|dev)(\/|$)/;

export function sandboxPlan(
  r: HardenResult,
  tier: "active" | "suggested",
  stage: string,
  /** Also writable: the replay's own out dir (the lab's ground truth goes there). */
  extraWritable: string[],
): SandboxPlan {
  const { fs } = r;
  const inStage = (p: string) =>
    fs.privateTmp && /^\/(var\/)?tmp(\/|$)/.test(p)
      ? path.join(stage, p.startsWith("/var/tmp") ? "var-tmp" : "tmp", p.replace(/^\/(var\/)?tmp/, ""))
      : p;
  // By its path: the gate's exec must not walk $PATH (every miss is an event of the replay).
  const args = [
    resolveProgram("bwrap") ?? "/usr/bin/bwrap",
    "--die-with-parent",
    "--ro-bind",
    "/",
    "/",
    "--dev-bind",
    "/dev",
    "/dev",
    "--proc",
    "/proc",
  ];
  const keepExec = tier === "active" ? fs.execFromWritable : [];
  // Each writable place gets a view of its own: a bind of it under the stage, remounted noexec (or
  // exec, for an exception the tier keeps), which bubblewrap binds in place, read-write. The
  // mounts are made in a private mount namespace and only on the stage's paths, so our own
  // process (whose code may live under /tmp) keeps exec where it had it.
  const mounts: string[] = [];
  let n = 0;
  const view = (place: string, exec: boolean, writable: boolean) => {
    const at = path.join(stage, "views", String(n++));
    const [q, src] = [shellQuote([at]), shellQuote([inStage(place)])];
    mounts.push(
      // A file written in place is a place too: its mount point is a file.
      `{ if [ -d ${src} ]; then mkdir -p ${q}; else mkdir -p ${shellQuote([path.dirname(at)])} && : > ${q}; fi; } && mount --bind ${src} ${q} && mount -o remount,bind,${exec ? "exec" : "noexec"},nosuid,nodev ${q}`,
    );
    args.push(writable ? "--bind" : "--ro-bind", at, place);
  };
  // What ProtectSystem=strict leaves writable: the paths it wrote, a private /tmp, and /dev.
  const under = (p: string, dir: string) => p === dir || p.startsWith(dir + "/");
  const isWritable = (p: string) =>
    fs.writable.some((w) => under(p, w)) || (fs.privateTmp && TMP.test(p)) || under(p, "/dev/shm");
  // Every noexec place, and each written dir inside one (a shared /tmp stays read-only, the dir
  // the daemon writes in it does not); outer places first, so inner views are bound over them.
  const places = new Set([
    ...fs.noExec,
    ...fs.writable.filter((w) => !API_FS.test(w) && !(fs.privateTmp && TMP.test(w))),
  ]);
  for (const p of [...places].sort((a, b) => a.length - b.length)) view(p, false, isWritable(p));
  for (const p of keepExec) view(p, true, isWritable(p));
  const writable = [...fs.writable, ...extraWritable];
  // Ours, bound as they are even under the private /tmp (bubblewrap makes the mount point).
  for (const w of extraWritable) args.push("--bind", w, w);
  const caps = r.lines.find((l) => l.option === "CapabilityBoundingSet" && l.tier === "active");
  if (caps) {
    args.push("--cap-drop", "ALL");
    for (const c of caps.value.split(/\s+/).filter(Boolean)) args.push("--cap-add", c);
  }
  args.push("--seccomp", String(SECCOMP_FD), "--");
  const needDirs = [...fs.writable, ...fs.noExec, ...keepExec].map(inStage);
  return {
    bwrap: args,
    mounts,
    needDirs,
    enforced: [
      `seccomp allow-list (${r.seccomp?.syscalls[0]!.names.length ?? 0} syscalls, EPERM for the rest)`,
      "read-only filesystem but the writable paths (ProtectSystem=strict + ReadWritePaths=)",
      ...(fs.privateTmp ? ["a private /tmp and /var/tmp (PrivateTmp=)"] : []),
      `noexec on ${fs.noExec.join(", ")}${keepExec.length ? `, except ${keepExec.join(", ")}` : ""} (NoExecPaths=, ExecPaths=)`,
      ...(caps ? [`capabilities limited to ${caps.value || "none"} (effective and permitted)`] : []),
      "no_new_privs (bubblewrap always sets it: the suggested NoNewPrivileges= is in force in every replay)",
    ],
    notEnforced: [
      "RestrictAddressFamilies=, IPAddressDeny=/IPAddressAllow= (systemd's cgroup and seccomp argument filters)",
      "ProtectKernel*=, ProtectClock=, ProtectHostname=, ProtectProc= beyond the read-only view",
      "UMask=, DynamicUser=, ReadOnlyPaths= of single files",
    ],
    noExec: fs.noExec,
    execAllowed: keepExec,
    writable,
  };
}
