import { isLoopback } from "../analysis/paths.js";
import type { FsPlan } from "./fs-plan.js";
import type { ObservedSurface, Peer } from "./surface.js";
import type { SyscallView } from "./syscall-view.js";

/**
 * The systemd options `harden` can set, each modelled by what it blocks. For an option with a
 * ladder of values (least to most strict), the strictest value compatible with everything observed
 * goes live; what would block an observed action goes to a person (suggested) or is refused with
 * the reason. What a value blocks is over-stated rather than under-stated: a syscall the sensors
 * could not see counts as used ("when in doubt, under-harden", as SHH puts it).
 */
export type Tier = "active" | "suggested" | "refused";

export interface ProfileLine {
  option: string;
  /** The value; for a refused option, what would have been set, if anything. */
  value: string;
  tier: Tier;
  /** What the line does, tied to the finding or observation behind it (the comment above it). */
  why: string;
  /** Behaviour ids it closes or contains. */
  closes: string[];
}

export interface HardenInput {
  s: ObservedSurface;
  fs: FsPlan;
  view: SyscallView;
  /** The target's systemd version: options it does not know are refused. */
  version: number;
  /** `@group` -> syscalls, from the local systemd-analyze (undefined when it is missing). */
  groups: Map<string, Set<string>> | undefined;
}

/** An observed action the value would block, or why the sensors cannot tell. */
type Verdict = { blocks: string } | { unknown: string } | undefined;

interface Step {
  value: string;
  /** What this value blocks beyond the previous one, for the comment. */
  blocks: string;
  judge(i: HardenInput): Verdict;
}

interface Ladder {
  option: string;
  since: number;
  closes: string[];
  /** Values from least to most strict; the option's default (unset) comes before the first. */
  steps: Step[];
  /** A stricter value that blocks something observed goes to a person instead of being refused. */
  suggestStricter?: boolean;
}

const listed = (xs: Iterable<string>, n = 3) => {
  const a = [...xs];
  return a.slice(0, n).join(", ") + (a.length > n ? ` (+${a.length - n})` : "");
};
const under = (p: string, dirs: RegExp) => dirs.test(p);

/** A syscall-based verdict: blocks if any listed syscall was seen; unknown without a complete view. */
function syscalls(names: string[], what: string): (i: HardenInput) => Verdict {
  return (i) => {
    const used = names.filter((n) => i.view.seen.has(n));
    if (used.length) return { blocks: `the tree called ${listed(used)}` };
    if (!i.view.complete) return { unknown: `${what}: ${i.view.missing}` };
    return undefined;
  };
}
const both =
  (...fs: ((i: HardenInput) => Verdict)[]) =>
  (i: HardenInput): Verdict => {
    let unknown: Verdict;
    for (const f of fs) {
      const v = f(i);
      if (v && "blocks" in v) return v;
      unknown ??= v;
    }
    return unknown;
  };
const paths =
  (set: (s: ObservedSurface) => Iterable<string>, re: RegExp, verb: string) =>
  (i: HardenInput): Verdict => {
    const hit = [...set(i.s)].filter((p) => under(p, re));
    return hit.length ? { blocks: `it ${verb} ${listed(hit)}` } : undefined;
  };

const HOME = /^\/(home|root|run\/user)(\/|$)/;
const PSEUDO_DEV =
  /^\/dev\/(null|zero|full|random|urandom|tty|ptmx|pts(\/.*)?|shm(\/.*)?|mqueue(\/.*)?|log|stdin|stdout|stderr|fd\/.*)$/;

const LADDERS: Ladder[] = [
  {
    option: "ProtectSystem",
    since: 232,
    closes: ["privileged-write-steady-state", "config-file-modification"],
    steps: [
      { value: "yes", blocks: "writes under /usr, /boot, /efi", judge: () => undefined },
      { value: "full", blocks: "writes under /etc too", judge: () => undefined },
      {
        value: "strict",
        blocks: "writes anywhere but /dev, /proc, /sys and ReadWritePaths=",
        judge: () => undefined, // ReadWritePaths= below lists every place it wrote
      },
    ],
  },
  {
    option: "ProtectHome",
    since: 214,
    closes: [],
    steps: [
      {
        value: "read-only",
        blocks: "writes under /home, /root, /run/user",
        judge: paths((s) => s.written, HOME, "wrote"),
      },
      {
        value: "yes",
        blocks: "any access under /home, /root, /run/user",
        judge: paths((s) => [...s.read, ...s.executed, ...s.listed, ...s.written], HOME, "used"),
      },
    ],
  },
  {
    option: "PrivateTmp",
    since: 209,
    closes: ["plaintext-secret-in-temp"],
    steps: [
      {
        value: "yes",
        blocks: "sharing /tmp and /var/tmp with other processes",
        judge: (i) => (i.fs.privateTmpConflict ? { blocks: i.fs.privateTmpConflict } : undefined),
      },
    ],
  },
  {
    option: "PrivateDevices",
    since: 209,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "every device node but the pseudo devices, CAP_MKNOD, CAP_SYS_RAWIO and @raw-io",
        judge: both(
          (i) => {
            const devices = [...i.s.read, ...i.s.written].filter(
              (p) => p.startsWith("/dev/") && !PSEUDO_DEV.test(p),
            );
            const caps = ["CAP_MKNOD", "CAP_SYS_RAWIO"].filter((c) => i.view.capabilities?.has(c));
            if (devices.length) return { blocks: `it opened ${listed(devices)}` };
            return caps.length ? { blocks: `the kernel checked ${caps.join(", ")} for it` } : undefined;
          },
          syscalls(["ioperm", "iopl", "pciconfig_read", "pciconfig_write"], "@raw-io"),
        ),
      },
    ],
  },
  {
    option: "ProtectKernelTunables",
    since: 232,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "writes under /proc/sys, /sys and /proc/sysrq-trigger",
        judge: paths((s) => s.written, /^\/(proc\/sys|sys|proc\/sysrq-trigger)(\/|$)/, "wrote"),
      },
    ],
  },
  {
    option: "ProtectKernelModules",
    since: 232,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "module loading (@module) and /usr/lib/modules",
        judge: both(
          paths((s) => [...s.read, ...s.listed], /^\/(usr\/)?lib\/modules(\/|$)/, "read"),
          syscalls(["init_module", "finit_module", "delete_module"], "module syscalls"),
        ),
      },
    ],
  },
  {
    option: "ProtectKernelLogs",
    since: 244,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "/dev/kmsg, /proc/kmsg and syslog(2)",
        judge: both(
          paths((s) => [...s.read, ...s.written], /^\/(dev|proc)\/kmsg$/, "opened"),
          syscalls(["syslog"], "syslog(2)"),
        ),
      },
    ],
  },
  {
    option: "ProtectControlGroups",
    since: 232,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "writes under /sys/fs/cgroup",
        judge: paths((s) => s.written, /^\/sys\/fs\/cgroup(\/|$)/, "wrote"),
      },
    ],
  },
  {
    option: "ProtectClock",
    since: 245,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "setting the clock (@clock) and /dev/rtc",
        judge: both(
          paths((s) => s.written, /^\/dev\/rtc/, "opened"),
          syscalls(["adjtimex", "clock_adjtime", "clock_settime", "settimeofday", "stime"], "@clock"),
        ),
      },
    ],
  },
  {
    option: "ProtectHostname",
    since: 242,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "sethostname(2), setdomainname(2)",
        judge: syscalls(["sethostname", "setdomainname"], "hostname syscalls"),
      },
    ],
  },
  {
    option: "ProtectProc",
    since: 247,
    closes: [],
    steps: [
      {
        value: "invisible",
        blocks: "/proc entries of other users' processes",
        judge: (i) => (i.s.procOthers.size ? { blocks: `it read ${listed(i.s.procOthers)}` } : undefined),
      },
    ],
  },
  {
    option: "RestrictRealtime",
    since: 231,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "realtime scheduling (sched_setscheduler, sched_setattr)",
        judge: syscalls(["sched_setscheduler", "sched_setattr"], "scheduler syscalls"),
      },
    ],
  },
  {
    option: "RestrictSUIDSGID",
    since: 242,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "making setuid/setgid files",
        judge: (i) => (i.s.setidModes.length ? { blocks: `it set ${listed(i.s.setidModes)}` } : undefined),
      },
    ],
  },
  {
    option: "LockPersonality",
    since: 235,
    closes: [],
    steps: [
      { value: "yes", blocks: "personality(2) changes", judge: syscalls(["personality"], "personality(2)") },
    ],
  },
  {
    option: "RestrictNamespaces",
    since: 233,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "creating or joining namespaces (unshare, setns, clone with CLONE_NEW*)",
        judge: (i) =>
          i.s.namespaceOps.length
            ? { blocks: `it called ${listed(i.s.namespaceOps)}` }
            : syscalls(["unshare", "setns"], "namespace syscalls")(i),
      },
    ],
  },
  {
    option: "SystemCallArchitectures",
    since: 209,
    closes: [],
    steps: [
      {
        value: "native",
        blocks: "syscalls of other ABIs (x32, i386)",
        judge: (i) => {
          const odd = [...i.view.seen].filter((n) => n.startsWith("nr_"));
          if (odd.length) return { blocks: `it made syscalls we cannot name: ${listed(odd)}` };
          return i.view.complete ? undefined : { unknown: `other ABIs: ${i.view.missing}` };
        },
      },
    ],
  },
  {
    option: "MemoryDenyWriteExecute",
    since: 231,
    closes: [],
    steps: [
      {
        value: "yes",
        blocks: "memory both writable and executable (what JIT compilers need)",
        judge: (i) =>
          ["mmap", "mprotect", "pkey_mprotect"].some((n) => i.view.seen.has(n)) || !i.view.complete
            ? {
                blocks:
                  "the sensors do not see mmap/mprotect protections, and it maps memory: a JIT (node, java, python's ctypes) needs W+X",
              }
            : undefined,
      },
    ],
  },
];

const FAMILY: Record<string, string> = { unix: "AF_UNIX", inet: "AF_INET", inet6: "AF_INET6" };

function peerAddress(p: Peer): string | undefined {
  if (p.family !== "inet" && p.family !== "inet6") return undefined;
  if (!p.address) return undefined;
  return p.address.replace(/^::ffff:/, "");
}

/** Every option, decided. The order is the drop-in's. */
export function planSystemd(i: HardenInput): ProfileLine[] {
  const out: ProfileLine[] = [];
  const line = (option: string, value: string, tier: Tier, why: string, closes: string[] = []) =>
    out.push({ option, value, tier, why, closes });
  const tooNew = (option: string, since: number) => {
    if (i.version >= since) return false;
    line(option, "", "refused", `needs systemd ${since}; the target's is ${i.version}`);
    return true;
  };

  for (const l of LADDERS) {
    if (tooNew(l.option, l.since)) continue;
    let chosen: Step | undefined;
    let stopped: { step: Step; v: NonNullable<Verdict> } | undefined;
    for (const step of l.steps) {
      const v = step.judge(i);
      if (v) {
        stopped = { step, v };
        break;
      }
      chosen = step;
    }
    if (chosen)
      line(l.option, chosen.value, "active", `blocks ${chosen.blocks}; nothing observed needs it`, l.closes);
    if (stopped) {
      const reason =
        "blocks" in stopped.v
          ? `would block what was observed: ${stopped.v.blocks}`
          : `cannot judge: ${stopped.v.unknown}`;
      if (l.suggestStricter || (!chosen && "unknown" in stopped.v))
        line(
          l.option,
          stopped.step.value,
          chosen ? "suggested" : "refused",
          `${stopped.step.blocks}; ${reason}`,
          l.closes,
        );
      else if (!chosen) line(l.option, stopped.step.value, "refused", `${stopped.step.blocks}; ${reason}`);
    }
  }
  planPaths(i, line);
  planNetwork(i, line);
  planPrivilege(i, line);
  planSyscallGroups(i, line);
  return out;
}

type LineFn = (option: string, value: string, tier: Tier, why: string, closes?: string[]) => void;

function planPaths(i: HardenInput, line: LineFn): void {
  const { fs } = i;
  if (fs.writable.length)
    line(
      "ReadWritePaths",
      fs.writable.map((p) => `-${p}`).join(" "),
      "active",
      `the places it wrote (${fs.writable.length}); everything else is read-only under ProtectSystem=strict`,
      ["privileged-write-steady-state"],
    );
  line(
    "UMask",
    "0077",
    "active",
    "files it creates are its own unless it chmods them: a secret cached in temp is not world-readable",
    ["plaintext-secret-in-temp"],
  );
  if (i.version >= 247) {
    line(
      "NoExecPaths",
      fs.noExec.map((p) => `-${p}`).join(" "),
      "active",
      "no program runs from a place the daemon (or, for the temp dirs, anyone) can write",
      ["mutable-artifact-dependency"],
    );
    if (fs.execFromWritable.length) {
      line(
        "ExecPaths",
        fs.execFromWritable.map((p) => `-${p}`).join(" "),
        "active",
        `an exception: it executed or loaded a library from ${listed(fs.execFromWritable)}, which it can write; kept so that the daemon still works`,
        [],
      );
      line(
        "ExecPaths",
        "",
        "suggested",
        `drops that exception: its exec from ${listed(fs.execFromWritable)} then fails (EACCES), closing the replaceable-program path`,
        ["mutable-artifact-dependency"],
      );
    }
  } else line("NoExecPaths", "", "refused", `needs systemd 247; the target's is ${i.version}`);
  // Only where a finding says it rewrote its config: one written once at install is its own.
  const rewrote = i.s.findings.some((f) => f.behavior === "config-file-modification");
  const configs = [...i.s.written].filter((p) => /^\/etc\//.test(p) && !/\.(tmp|new|bak|swp)$|~$/.test(p));
  if (rewrote && configs.length)
    line(
      "ReadOnlyPaths",
      configs.map((p) => `-${p}`).join(" "),
      "suggested",
      `makes the config it rewrote (${listed(configs)}) read-only: the rewrite then fails; a daemon that must rewrite its config still will without it`,
      ["config-file-modification"],
    );
}

function planNetwork(i: HardenInput, line: LineFn): void {
  const { s, view } = i;
  const used = [...s.families].map((f) => FAMILY[f]).filter((f): f is string => !!f);
  const sockets = ["socket", "socketpair"].some((n) => view.seen.has(n));
  if (!used.length && view.complete && !sockets) {
    line("RestrictAddressFamilies", "none", "active", "it made no socket at all", []);
  } else {
    // A socket never connected, bound or accepted is not seen: AF_UNIX (socketpair, syslog) and
    // AF_NETLINK (getaddrinfo, interface lookups) stay, whatever was observed.
    const families = [...new Set(["AF_UNIX", "AF_NETLINK", ...used])].sort();
    line(
      "RestrictAddressFamilies",
      families.join(" "),
      "active",
      `the families it used (${used.join(", ") || "none seen"}), plus AF_UNIX and AF_NETLINK: sockets never connected or bound are not seen`,
      ["internal-socket-connection"],
    );
  }
  const inet = [...s.connects, ...s.binds, ...s.listens, ...s.accepts].filter(
    (p) => p.family === "inet" || p.family === "inet6",
  );
  const server = [...s.listens, ...s.binds].some(
    (p) => (p.family === "inet" || p.family === "inet6") && !isLoopback(p.address),
  );
  const peers = new Set<string>();
  for (const p of inet) {
    const a = peerAddress(p);
    if (!a || a === "0.0.0.0" || a === "::") continue;
    peers.add(isLoopback(a) ? "localhost" : a);
  }
  if (!inet.length) {
    line("IPAddressDeny", "any", "active", "it sent or took no IP traffic that the sensors saw", []);
  } else {
    const allow = [...peers].sort().join(" ");
    const tier: Tier = server ? "suggested" : "active";
    line(
      "IPAddressDeny",
      "any",
      tier,
      server
        ? "it listens on a non-loopback address: clients not seen in these sessions would be cut off"
        : "deny every address but the peers it talked to",
      ["internal-socket-connection"],
    );
    if (allow)
      line("IPAddressAllow", allow, tier, `the peers it talked to: ${listed(peers, 6)}`, [
        "internal-socket-connection",
      ]);
  }
}

function planPrivilege(i: HardenInput, line: LineFn): void {
  const caps = i.view.capabilities;
  if (!caps) {
    line(
      "CapabilityBoundingSet",
      "",
      "refused",
      "no sensor counted capability checks in every session (the ebpf sensor does, on Linux 5.17 or later)",
    );
  } else {
    line(
      "CapabilityBoundingSet",
      [...caps].sort().join(" "),
      "active",
      `every capability the kernel checked for the tree (${caps.size}); the others can never be had, by it or its children`,
      ["child-without-isolation"],
    );
  }
  const root = i.s.euids.has(0) || i.s.euids.size === 0;
  line(
    "NoNewPrivileges",
    "yes",
    "suggested",
    "no exec can gain privilege (setuid binaries, file capabilities): its children cannot climb above it. Check that it runs no setuid helper",
    ["child-without-isolation", "external-binary-execution"],
  );
  if (root)
    line(
      "DynamicUser",
      "yes",
      "suggested",
      "it runs as root: a transient user instead. Its writable paths must then be its own (StateDirectory=, LogsDirectory=, RuntimeDirectory=)",
      ["privileged-write-steady-state", "child-without-isolation"],
    );
}

/** Groups never touched are denied; the view must be complete, and the groups this systemd's. */
function planSyscallGroups(i: HardenInput, line: LineFn): void {
  if (!i.groups) {
    line(
      "SystemCallFilter",
      "",
      "refused",
      "systemd-analyze is not installed: the groups of this systemd version are unknown",
    );
    return;
  }
  const complete = i.view.complete;
  if (!complete) {
    line("SystemCallFilter", "", "refused", i.view.missing ?? "no complete syscall view");
    return;
  }
  const skip = new Set(["@default", "@known", "@system-service"]);
  const untouched: string[] = [];
  for (const [g, members] of i.groups) {
    if (skip.has(g)) continue;
    if (![...members].some((m) => complete.has(m))) untouched.push(g);
  }
  if (untouched.length) {
    line(
      "SystemCallFilter",
      `~${untouched.sort().join(" ")}`,
      "active",
      `syscall groups it never touched (${untouched.length})`,
      [],
    );
    line(
      "SystemCallErrorNumber",
      "EPERM",
      "active",
      "a denied syscall fails with EPERM rather than killing the daemon",
      [],
    );
  }
}
