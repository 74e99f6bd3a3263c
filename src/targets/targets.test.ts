import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { cgroupOfText, cgroupV2RootFrom, inSubtree } from "./cgroup-root.js";
import { resolveCgroupScope } from "./cgroup.js";
import { parseInspect } from "./container.js";
import { findUnitCgroups, parseShow, unitName } from "./unit.js";

test("the v2 root comes from mountinfo: hybrid, unified, escaped, a container's sub-cgroup bind ignored", () => {
  const hybrid = [
    "25 31 0:23 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw",
    "42 25 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory",
  ].join("\n");
  assert.equal(cgroupV2RootFrom(hybrid), "/sys/fs/cgroup/unified");
  assert.equal(
    cgroupV2RootFrom("30 24 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"),
    "/sys/fs/cgroup",
  );
  assert.equal(cgroupV2RootFrom("30 24 0:26 / /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw"), "/mnt/cg v2");
  assert.equal(
    cgroupV2RootFrom(
      "30 24 0:26 /system.slice/x /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n31 24 0:26 / /cg rw - cgroup2 cgroup2 rw",
    ),
    "/cg",
  );
  assert.equal(
    cgroupV2RootFrom("42 25 0:39 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory"),
    undefined,
  );
});

test("a process's v2 cgroup, and subtree membership", () => {
  assert.equal(cgroupOfText("4:memory:/x\n0::/system.slice/nginx.service\n"), "/system.slice/nginx.service");
  assert.equal(cgroupOfText("4:memory:/x\n"), undefined);
  assert.ok(inSubtree("/system.slice/nginx.service", "/system.slice/nginx.service"));
  assert.ok(inSubtree("/system.slice/nginx.service/worker", "/system.slice/nginx.service"));
  assert.ok(!inSubtree("/system.slice/nginx.service2", "/system.slice/nginx.service"));
});

test("a cgroup path is resolved below the root, as directories only: no '..', no link, no file", () => {
  const root = mkdtempSync(path.join(os.tmpdir(), "cgroot-"));
  try {
    mkdirSync(path.join(root, "system.slice", "a.service"), { recursive: true });
    writeFileSync(path.join(root, "system.slice", "a.service", "cgroup.procs"), "");
    mkdirSync(path.join(root, "plain"));
    symlinkSync(path.join(root, "system.slice"), path.join(root, "link"));
    const s = resolveCgroupScope("system.slice/a.service/", root);
    assert.equal(s.path, "/system.slice/a.service");
    assert.equal(s.level, 2);
    assert.equal(resolveCgroupScope(`${root}/system.slice/a.service`, root).path, "/system.slice/a.service");
    for (const [given, message] of [
      ["link/a.service", /symbolic link/],
      ["system.slice/../system.slice/a.service", /'\.\.' are refused/],
      ["system.slice/b.service", /no such cgroup/],
      ["plain", /not a cgroup v2 directory/],
      ["system.slice/a.service/cgroup.procs", /not a directory/],
      ["/", /below the v2 root/],
    ] as const)
      assert.throws(() => resolveCgroupScope(given, root), message, given);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("units: names, systemctl show, and the cgroup found by name without systemd", () => {
  assert.equal(unitName("nginx"), "nginx.service");
  assert.equal(unitName("cron.service"), "cron.service");
  assert.equal(unitName("session-3.scope"), "session-3.scope");
  assert.throws(() => unitName("a b"), /not a unit name/);
  const p = parseShow(
    "ControlGroup=/system.slice/nginx.service\nMainPID=812\nFragmentPath=/lib/systemd/system/nginx.service\nActiveState=active\n",
  );
  assert.equal(p.get("MainPID"), "812");
  assert.equal(p.get("ControlGroup"), "/system.slice/nginx.service");
  const root = mkdtempSync(path.join(os.tmpdir(), "cgroot-"));
  try {
    mkdirSync(path.join(root, "system.slice", "nginx.service"), { recursive: true });
    mkdirSync(path.join(root, "user.slice", "user-0.slice"), { recursive: true });
    assert.deepEqual(findUnitCgroups(root, "nginx.service"), ["/system.slice/nginx.service"]);
    assert.deepEqual(findUnitCgroups(root, "cron.service"), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a container's inspect line", () => {
  assert.deepEqual(parseInspect("podman", "4242\ttrue\tlocalhost/app:1\t3e6856dc44e0121e\t/web\n"), {
    engine: "podman",
    pid: 4242,
    running: true,
    image: "localhost/app:1",
    id: "3e6856dc44e0121e",
    name: "web",
  });
  assert.equal(parseInspect("docker", "Error: no such container"), undefined);
});
