import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../events/schema.js";
import { LaunchPlumbing } from "./launch-plumbing.js";

const ev = (e: Partial<ShadowEvent> & Pick<ShadowEvent, "kind" | "pid" | "ts">): ShadowEvent =>
  ({ seq: 0, comm: "x", sensor: "ebpf", ...e }) as ShadowEvent;

test("a replay's sandbox is plumbing until its child execs the target, whatever order the sensors report in", () => {
  const ctx = {
    target: {
      kind: "lab" as const,
      label: "IMD",
      sandbox: { program: "/usr/bin/bwrap", profile: "/p", tier: "active" },
    },
    rootPid: 10,
  };
  const p = new LaunchPlumbing();
  const seen = (e: ShadowEvent) => !p.isPlumbing(e, ctx);
  assert.equal(seen(ev({ kind: "exec", pid: 10, ts: 1, path: "/usr/bin/bwrap", argv: ["bwrap"] })), false);
  assert.equal(seen(ev({ kind: "fork", pid: 10, ts: 2, child: 11 })), false);
  assert.equal(ctx.rootPid, 11);
  assert.equal(seen(ev({ kind: "cred", pid: 11, ts: 3, syscall: "capset" })), false);
  assert.equal(seen(ev({ kind: "exec", pid: 11, ts: 5, path: "/usr/bin/node", argv: ["node"] })), true);
  // ptrace's record of the child's set-up arrives after ebpf's exec: still plumbing, by time.
  assert.equal(seen(ev({ kind: "cred", pid: 11, ts: 3.5, syscall: "capset", sensor: "ptrace" })), false);
  assert.equal(seen(ev({ kind: "open", pid: 11, ts: 6, path: "/etc/x", flags: [] })), true);
  assert.equal(seen(ev({ kind: "exit", pid: 10, ts: 9 })), false, "the waiting sandbox's exit");
});

test("without a sandbox only the gate's exec is plumbing", () => {
  const ctx = { target: { kind: "command" as const, label: "x" }, rootPid: 10 };
  const p = new LaunchPlumbing();
  assert.equal(
    p.isPlumbing(
      ev({ kind: "exec", pid: 10, ts: 1, path: "/bin/sh", argv: ["sh", "-c", "x", "shadow-signals-gate"] }),
      ctx,
    ),
    true,
  );
  assert.equal(p.isPlumbing(ev({ kind: "fork", pid: 10, ts: 2, child: 11 }), ctx), false);
  assert.equal(ctx.rootPid, 10);
});
