import { test } from "node:test";
import assert from "node:assert/strict";
import { planFilesystem } from "./fs-plan.js";
import { emptySurface, type ObservedSurface } from "./surface.js";
import { syscallView } from "./syscall-view.js";
import { planSystemd, type ProfileLine } from "./systemd-options.js";
import type { KernelUsage } from "../session/usage.js";

const GROUPS = new Map([
  ["@mount", new Set(["mount", "umount2", "pivot_root"])],
  ["@clock", new Set(["clock_settime", "settimeofday", "adjtimex"])],
  ["@default", new Set(["execve", "exit_group"])],
]);

function surface(edit: (s: ObservedSurface) => void, usage?: KernelUsage): ObservedSurface {
  const s = emptySurface({ kind: "command", label: "d", argv: ["/usr/sbin/d"] });
  s.sessions.push({
    dir: "/s",
    label: "d",
    kind: "command",
    durationMs: 60_000,
    sensors: ["ebpf"],
    events: 10,
    usage: usage ? [usage] : [],
  });
  edit(s);
  return s;
}
const complete = (names: string[], caps?: string[]): KernelUsage => ({
  sensor: "ebpf",
  complete: true,
  note: "test",
  syscalls: Object.fromEntries(names.map((n) => [n, 1])),
  ...(caps ? { capabilities: Object.fromEntries(caps.map((c) => [c, { checks: 1, denied: 0 }])) } : {}),
});
function plan(s: ObservedSurface, version = 252): ProfileLine[] {
  return planSystemd({ s, fs: planFilesystem(s), view: syscallView(s), version, groups: GROUPS });
}
const find = (lines: ProfileLine[], option: string) => lines.filter((l) => l.option === option);

test("the strictest compatible value goes live; a blocked one is refused with the observed action", () => {
  const lines = plan(
    surface(
      (s) => {
        s.written.add("/proc/sys/net/ipv4/ip_forward");
        s.read.add("/home/u/.config/d.conf");
      },
      complete(["openat", "read"]),
    ),
  );
  assert.equal(find(lines, "ProtectKernelTunables")[0]?.tier, "refused");
  assert.match(find(lines, "ProtectKernelTunables")[0]!.why, /ip_forward/);
  // ProtectHome: read-only is compatible (it only read there), yes is not.
  assert.deepEqual(
    find(lines, "ProtectHome").map((l) => [l.tier, l.value]),
    [["active", "read-only"]],
  );
  assert.equal(find(lines, "ProtectSystem")[0]?.value, "strict");
});

test("without a complete syscall view, syscall-based options are refused, never guessed", () => {
  const partial: KernelUsage = { ...complete(["openat"]), sensor: "ptrace", complete: false };
  const lines = plan(surface(() => undefined, partial));
  for (const o of ["ProtectClock", "ProtectHostname", "LockPersonality", "SystemCallFilter"])
    assert.equal(find(lines, o)[0]?.tier, "refused", o);
  assert.match(find(lines, "SystemCallFilter")[0]!.why, /partial syscall view/);
  assert.equal(find(lines, "CapabilityBoundingSet")[0]?.tier, "refused");
});

test("syscall groups never touched are denied; a group with one call seen is not", () => {
  const lines = plan(surface(() => undefined, complete(["openat", "settimeofday"], ["CAP_SYS_TIME"])));
  const filter = find(lines, "SystemCallFilter")[0]!;
  assert.equal(filter.tier, "active");
  assert.equal(filter.value, "~@mount");
  assert.equal(find(lines, "ProtectClock")[0]?.tier, "refused");
  assert.equal(find(lines, "CapabilityBoundingSet")[0]?.value, "CAP_SYS_TIME");
});

test("an option newer than the target's systemd is refused by version", () => {
  const lines = plan(
    surface(() => undefined, complete(["openat"])),
    240,
  );
  assert.match(find(lines, "ProtectClock")[0]!.why, /needs systemd 245; the target's is 240/);
  assert.equal(find(lines, "NoExecPaths")[0]?.tier, "refused");
  assert.equal(find(lines, "ProtectSystem")[0]?.tier, "active");
});

test("a server's peers are a suggestion; a client's are enforced; no IP at all denies every address", () => {
  const client = plan(
    surface(
      (s) => s.connects.push({ family: "inet", address: "10.0.0.5", port: 5432 }),
      complete(["connect"]),
    ),
  );
  assert.deepEqual(
    find(client, "IPAddressAllow").map((l) => [l.tier, l.value]),
    [["active", "10.0.0.5"]],
  );
  const server = plan(
    surface(
      (s) => {
        s.listens.push({ family: "inet", address: "0.0.0.0", port: 80 });
        s.accepts.push({ family: "inet", address: "192.0.2.7", port: 4000 });
      },
      complete(["accept4"]),
    ),
  );
  assert.equal(find(server, "IPAddressDeny")[0]?.tier, "suggested");
  const none = plan(surface(() => undefined, complete(["openat"])));
  assert.deepEqual(find(none, "IPAddressDeny")[0]?.value, "any");
  assert.equal(find(none, "RestrictAddressFamilies")[0]?.value, "none");
});

test("PrivateTmp is refused when the daemon used a temp file it did not make", () => {
  const lines = plan(surface((s) => s.tmpNotCreated.add("/tmp/.X11-unix/X0"), complete(["openat"])));
  assert.equal(find(lines, "PrivateTmp")[0]?.tier, "refused");
  assert.match(find(lines, "PrivateTmp")[0]!.why, /X11-unix/);
});
