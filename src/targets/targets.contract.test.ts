/**
 * One contract for every kind of target (Hono's shared router suite is the model): what it
 * resolves to names it, says whether it is ours, how it finds new members, and, for a running
 * target, a main pid among its members and, with a cgroup, members that are in that cgroup.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cgroupsUnavailable, TestCgroup } from "../testing/cgroups.js";
import { sleep } from "../testing/processes.js";
import { cgroupOf, inSubtree } from "./cgroup-root.js";
import { resolveTarget } from "./index.js";
import type { LaunchTarget, ResolvedTarget } from "./index.js";

function holdsContract(t: LaunchTarget | ResolvedTarget): void {
  assert.ok(t.label.length > 0, "a label");
  assert.equal(t.ownedByUs, t.kind === "launch", "only a launch is ours to stop");
  if (t.kind === "launch") {
    assert.equal(t.follows, "descendants");
    assert.ok(t.argv[0]!.startsWith("/"), "the program resolved in PATH");
    return;
  }
  const members = t.members();
  assert.ok(members.includes(t.mainPid), `main pid ${t.mainPid} among ${members.join(",")}`);
  assert.equal(t.follows, t.cgroup ? "cgroup" : "descendants");
  if (t.cgroup)
    for (const pid of members) {
      const cg = cgroupOf(pid);
      if (cg !== undefined) assert.ok(inSubtree(cg, t.cgroup.path), `${pid} in ${cg}, not ${t.cgroup.path}`);
    }
}

test("contract: launch", () => holdsContract(resolveTarget({}, ["sleep", "1"])));

test("contract: pid", async () => {
  const child = spawn("sleep", ["5"], { stdio: "ignore" });
  try {
    holdsContract(resolveTarget({ pid: String(child.pid) }, []));
  } finally {
    child.kill("SIGKILL");
  }
});

test("contract: cgroup and unit", { skip: cgroupsUnavailable() }, async () => {
  const name = `ss-contract-${process.pid}`;
  const cg = new TestCgroup(`system.slice/${name}.service`);
  try {
    const first = cg.start(["sleep", "30"]);
    await sleep(200);
    cg.start(["sleep", "30"]);
    await sleep(200);
    for (const t of [resolveTarget({ cgroup: cg.path }, []), resolveTarget({ unit: name }, [])]) {
      holdsContract(t);
      assert.equal(t.kind === "launch" ? 0 : t.mainPid, first.pid, "the oldest member stands for it");
      assert.equal(t.kind === "launch" ? 0 : t.members().length, 2);
    }
  } finally {
    await cg.remove();
  }
});
