/**
 * Builds the bpftrace program from the event kinds requested. Each kind is a small unit of probes;
 * every probe is filtered in the kernel to the observed tree (@t, keyed by pid, seeded with the
 * target and extended on fork), so the rest of the machine costs almost nothing.
 *
 * Records are tab-separated printf lines: KIND, nsecs, pid, tid, comm, then kind-specific fields,
 * with any path last. Rare syscalls print their enter record and a `Z` exit record (name, ret)
 * that user space pairs by tid; hot ones (open, write) are de-duplicated or summed in the kernel.
 */
export type EbpfUnit =
  | "process"
  | "setsid"
  | "comm"
  | "cred"
  | "ns"
  | "open"
  | "write"
  | "rename"
  | "unlink"
  | "chmod"
  | "chown"
  | "net"
  | "signal"
  | "syscalls"
  | "caps";

export const ALL_UNITS: readonly EbpfUnit[] = [
  "process",
  "setsid",
  "comm",
  "cred",
  "ns",
  "open",
  "write",
  "rename",
  "unlink",
  "chmod",
  "chown",
  "net",
  "signal",
  "syscalls",
  "caps",
];

const HEAD = "nsecs, pid, tid, comm";
const FMT = "%llu\\t%d\\t%d\\t%s";
const T = "/@t[pid]/";

/** An enter probe that prints `fields`, and the matching exit probe that prints its result. */
function paired(syscall: string, kind: string, fmt: string, args: string): string {
  return `tracepoint:syscalls:sys_enter_${syscall} ${T} { printf("${kind}\\t${FMT}\\t${syscall}${fmt ? `\\t${fmt}` : ""}\\n", ${HEAD}${args ? `, ${args}` : ""}); @z[tid] = 1; }
tracepoint:syscalls:sys_exit_${syscall} /@z[tid]/ { printf("Z\\t${FMT}\\t${syscall}\\t%d\\n", ${HEAD}, args->ret); delete(@z[tid]); }`;
}

// argv[1..7], each printed only if every earlier one was non-NULL: reading past argv's NULL
// terminator would walk into envp and leak the environment (which can hold secrets).
const argv = Array.from({ length: 7 }, (_, i) => i + 1).reduceRight(
  (inner, i) =>
    `if (*(args->argv + ${i}) != 0) { printf("XA\\t${FMT}\\t${i}\\t%s\\n", ${HEAD}, str(*(args->argv + ${i}))); ${inner} }`,
  "",
);

/** The open file behind fd `fd` of the current task, from its fd table (BTF types). */
const fileOf = (fd: string) => `*(curtask->files->fdt->fd + ${fd})`;

/**
 * The write sums the kernel still holds: printed every second, and when the sensor asks (see
 * below). bpftrace's print() and clear() are done by its userspace when it reads their messages,
 * not in the probe: a write summed between the two was lost (one in a few hundred flushes under
 * load). So writes go to one of two maps, @wb0/@wt0 or @wb1/@wt1 as @we says, and a flush first
 * points writers at the other pair, then prints and clears the pair it retired, which nothing
 * writes any more. Userspace has until the next flush (a second) to clear it.
 */
const WRITE_FLUSH =
  "if (@we) { @we = 0; print(@wb1); print(@wt1); clear(@wb1); clear(@wt1); } else { @we = 1; print(@wb0); print(@wt0); clear(@wb0); clear(@wt0); }";
/** Adds a write's bytes, and the time of its first, to the pair `n` of write maps. */
const sumWrite = (n: 0 | 1) =>
  `@wb${n}[pid, $k, @wdev[tid], @wino[tid]] = sum(args->ret); if (!@wt${n}[pid, $k, @wdev[tid], @wino[tid]]) { @wt${n}[pid, $k, @wdev[tid], @wino[tid]] = nsecs; }`;
/** The usage counters (never cleared: each print is the whole session so far). */
const USAGE_FLUSH: Partial<Record<EbpfUnit, string>> = { syscalls: "print(@sc);", caps: "print(@cap);" };

const UNITS: Record<EbpfUnit, string> = {
  process: `tracepoint:sched:sched_process_fork /@t[pid]/ { @t[args->child_pid] = 1; printf("F\\t${FMT}\\t%d\\n", ${HEAD}, args->child_pid); }
tracepoint:syscalls:sys_enter_execve ${T} { printf("XE\\t${FMT}\\t%s\\n", ${HEAD}, str(args->filename)); printf("XA\\t${FMT}\\t0\\t%s\\n", ${HEAD}, str(*(args->argv))); if (*(args->argv) != 0) { ${argv} } }
tracepoint:syscalls:sys_exit_execve ${T} { printf("XR\\t${FMT}\\t%d\\n", ${HEAD}, args->ret); }
tracepoint:syscalls:sys_enter_execveat ${T} { printf("XE\\t${FMT}\\t%s\\n", ${HEAD}, str(args->filename)); printf("XA\\t${FMT}\\t0\\t%s\\n", ${HEAD}, str(*(args->argv))); if (*(args->argv) != 0) { ${argv} } }
tracepoint:syscalls:sys_exit_execveat ${T} { printf("XR\\t${FMT}\\t%d\\n", ${HEAD}, args->ret); }
tracepoint:sched:sched_process_exit /@t[pid] && pid == tid/ { printf("E\\t${FMT}\\t%d\\n", ${HEAD}, curtask->exit_code); delete(@t[pid]); }`,
  setsid: `tracepoint:syscalls:sys_exit_setsid ${T} { printf("SS\\t${FMT}\\t%d\\n", ${HEAD}, args->ret); }`,
  comm: `tracepoint:syscalls:sys_enter_prctl /@t[pid] && args->option == 15/ { printf("PN\\t${FMT}\\t%s\\n", ${HEAD}, str(args->arg2)); }`,
  cred: [
    paired("setuid", "CR", "%d\\t%d", "args->uid, args->uid"),
    paired("setgid", "CR", "%d\\t%d", "args->gid, args->gid"),
    paired("setresuid", "CR", "%d\\t%d", "args->ruid, args->euid"),
    paired("setresgid", "CR", "%d\\t%d", "args->rgid, args->egid"),
    paired("setreuid", "CR", "%d\\t%d", "args->ruid, args->euid"),
    paired("setregid", "CR", "%d\\t%d", "args->rgid, args->egid"),
    paired("capset", "CR", "%d\\t%d", "-1, -1"),
  ].join("\n"),
  ns: [
    paired("unshare", "NS", "%lx", "args->unshare_flags"),
    paired("setns", "NS", "%x", "args->flags"),
  ].join("\n"),
  // Opens: one record per distinct (pid, path, flags, result) per second; a tight loop reopening the
  // same file costs a map lookup, not a line through the perf buffer.
  open: `${["openat", "open", "creat", "openat2"]
    .map((s) => {
      const flags = s === "creat" ? "577" : s === "openat2" ? "(int32)*(uint64 *)args->how" : "args->flags";
      return `tracepoint:syscalls:sys_enter_${s} ${T} { @op[tid] = args->${s === "creat" ? "pathname" : "filename"}; @of[tid] = ${flags}; }
tracepoint:syscalls:sys_exit_${s} /@op[tid]/ { $p = str(@op[tid]); $f = @of[tid]; $r = args->ret < 0 ? args->ret : 0; if (!@os[pid, $p, $f, $r]) { @os[pid, $p, $f, $r] = 1; $file = ${fileOf("(args->ret < 0 ? 0 : args->ret)")}; printf("O\\t${FMT}\\t%d\\t%d\\t%u\\t%lu\\t%s\\n", ${HEAD}, $f, args->ret, $file->f_inode->i_sb->s_dev, $file->f_inode->i_ino, $p); } delete(@op[tid]); delete(@of[tid]); }`;
    })
    .join("\n")}
interval:s:1 { clear(@os); }`,
  // Writes: bytes summed per (pid, fd, file) in the kernel and flushed every second with the first
  // time seen. The file is its (device, inode), read from the fd table at the write: by the flush
  // the fd may be closed or point elsewhere (a shell's `>&3` writes through a dup2'd fd 1).
  write: `${["write", "writev", "pwrite64"]
    .map(
      (
        s,
      ) => `tracepoint:syscalls:sys_enter_${s} ${T} { $file = ${fileOf("args->fd")}; @wfd[tid] = args->fd + 1; @wdev[tid] = $file->f_inode->i_sb->s_dev; @wino[tid] = $file->f_inode->i_ino; }
tracepoint:syscalls:sys_exit_${s} /@wfd[tid]/ { if (args->ret > 0) { $k = @wfd[tid] - 1; if (@we) { ${sumWrite(1)} } else { ${sumWrite(0)} } } delete(@wfd[tid]); delete(@wdev[tid]); delete(@wino[tid]); }`,
    )
    .join("\n")}
interval:s:1 { ${WRITE_FLUSH} }`,
  // Two paths do not fit one printf on the 512-byte BPF stack: old and new name are two records.
  rename: [
    ["rename", "-100", "args->oldname", "-100", "args->newname"],
    ["renameat", "args->olddfd", "args->oldname", "args->newdfd", "args->newname"],
    ["renameat2", "args->olddfd", "args->oldname", "args->newdfd", "args->newname"],
  ]
    .map(
      ([
        s,
        od,
        o,
        nd,
        n,
      ]) => `tracepoint:syscalls:sys_enter_${s} ${T} { printf("RN\\t${FMT}\\t${s}\\t%d\\t%s\\n", ${HEAD}, ${od}, str(${o})); printf("RM\\t${FMT}\\t${s}\\t%d\\t%s\\n", ${HEAD}, ${nd}, str(${n})); @z[tid] = 1; }
tracepoint:syscalls:sys_exit_${s} /@z[tid]/ { printf("Z\\t${FMT}\\t${s}\\t%d\\n", ${HEAD}, args->ret); delete(@z[tid]); }`,
    )
    .join("\n"),
  unlink: [
    paired("unlink", "UL", "%d\\t%s", "-100, str(args->pathname)"),
    paired("unlinkat", "UL", "%d\\t%s", "args->dfd, str(args->pathname)"),
  ].join("\n"),
  chmod: [
    paired("chmod", "CM", "%o\\t%d\\t%s", "args->mode, -100, str(args->filename)"),
    paired("fchmodat", "CM", "%o\\t%d\\t%s", "args->mode, args->dfd, str(args->filename)"),
    paired("fchmod", "CM", "%o\\t%d\\t", "args->mode, args->fd"),
  ].join("\n"),
  chown: [
    paired("chown", "CO", "%d\\t%d\\t%d\\t%s", "args->user, args->group, -100, str(args->filename)"),
    paired("lchown", "CO", "%d\\t%d\\t%d\\t%s", "args->user, args->group, -100, str(args->filename)"),
    paired("fchownat", "CO", "%d\\t%d\\t%d\\t%s", "args->user, args->group, args->dfd, str(args->filename)"),
    paired("fchown", "CO", "%d\\t%d\\t%d\\t", "args->user, args->group, args->fd"),
  ].join("\n"),
  // Socket addresses: the family, raw bytes for inet (decoded in user space), the path for unix.
  net: `${[
    ["connect", "uservaddr"],
    ["bind", "umyaddr"],
  ]
    .map(
      ([
        s,
        a,
      ]) => `tracepoint:syscalls:sys_enter_${s} ${T} { $fam = *(uint16 *)args->${a}; printf("NT\\t${FMT}\\t${s}\\t%d\\t%d\\t%r\\n", ${HEAD}, args->fd, $fam, buf(args->${a}, 24)); if ($fam == 1) { printf("NU\\t${FMT}\\t${s}\\t%s\\n", ${HEAD}, str(((uint8 *)args->${a}) + 2)); } @z[tid] = 1; }
tracepoint:syscalls:sys_exit_${s} /@z[tid]/ { printf("Z\\t${FMT}\\t${s}\\t%d\\n", ${HEAD}, args->ret); delete(@z[tid]); }`,
    )
    .join("\n")}
tracepoint:syscalls:sys_enter_listen ${T} { printf("LS\\t${FMT}\\t%d\\n", ${HEAD}, args->fd); }
tracepoint:syscalls:sys_exit_accept4 ${T} { if (args->ret >= 0) { printf("AC\\t${FMT}\\t%d\\n", ${HEAD}, args->ret); } }
tracepoint:syscalls:sys_exit_accept ${T} { if (args->ret >= 0) { printf("AC\\t${FMT}\\t%d\\n", ${HEAD}, args->ret); } }`,
  // Usage counters for `harden`: one in-kernel map update per syscall of the tree, by number, and
  // per capability check, by capability and outcome. Nothing crosses the perf buffer.
  syscalls: `tracepoint:raw_syscalls:sys_enter ${T} { @sc[args->id] = count(); }`,
  caps: `tracepoint:capability:cap_capable ${T} { $denied = args->ret != 0 ? 1 : 0; @cap[args->cap, $denied] = count(); }`,
  signal: `tracepoint:signal:signal_generate /@t[args->pid]/ { printf("SG\\t%llu\\t%d\\t%d\\t%s\\t%d\\t%d\\n", nsecs, args->pid, args->pid, args->comm, args->sig, pid); }`,
};

/**
 * The whole program: seeds the tree with `pids`, then the requested units. `flushPid` is the
 * sensor's own process: its getppid() asks for what the kernel still holds, answered by FLUSHED.
 * bpftrace prints its maps at exit only after detaching every probe (5 s for this program), so the
 * sensor asks for them instead of waiting for the exit.
 */
export function buildProgram(
  pids: readonly number[],
  units: readonly EbpfUnit[] = ALL_UNITS,
  flushPid?: number,
  scope?: { id: number },
): string {
  const seed = pids.map((p) => `@t[${p}] = 1;`).join(" ");
  const parts = [
    `BEGIN { ${seed} printf("READY\\t%llu\\n", nsecs); }`,
    // A cgroup target: a process of that cgroup joins the tree on its first syscall. bpftrace has
    // no ancestor test, so this follows the cgroup itself, not its sub-cgroups (the native program
    // follows the whole subtree); a member's descendants are followed by fork as always.
    ...(scope
      ? [`tracepoint:raw_syscalls:sys_enter /cgroup == ${scope.id} && !@t[pid]/ { @t[pid] = 1; }`]
      : []),
    UNITS.process,
    ...units.filter((u) => u !== "process").map((u) => UNITS[u]),
  ];
  if (flushPid !== undefined)
    parts.push(
      `tracepoint:syscalls:sys_enter_getppid /pid == ${flushPid}/ { ${units.includes("write") ? WRITE_FLUSH : ""} ${units.map((u) => USAGE_FLUSH[u] ?? "").join(" ")} printf("FLUSHED\\t%llu\\n", nsecs); }`,
    );
  return parts.join("\n") + "\n";
}
