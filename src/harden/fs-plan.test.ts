import { test } from "node:test";
import assert from "node:assert/strict";
import { compactPaths, planFilesystem } from "./fs-plan.js";
import { emptySurface } from "./surface.js";

test("compactPaths keeps the shortest cover", () => {
  assert.deepEqual(compactPaths(["/a/b", "/a", "/ab", "/a/b/c", "/ab"]), ["/a", "/ab"]);
});

test("writable places: a made or removed file opens its directory, a file rewritten in place only itself", () => {
  const s = emptySurface({ kind: "command", label: "d" });
  for (const p of ["/etc/d/d.conf", "/var/lib/d/state", "/proc/self/oom_score_adj"]) s.written.add(p);
  s.createdOrRemoved.add("/etc/d/d.conf");
  s.executed.add("/var/lib/d/hooks/run");
  s.executed.add("/usr/bin/id");
  const plan = planFilesystem(s);
  assert.deepEqual(plan.writable, ["/etc/d", "/var/lib/d/state"]);
  assert.equal(plan.privateTmp, true);
  assert.deepEqual(plan.noExec, ["/dev/shm", "/etc/d", "/tmp", "/var/lib/d/state", "/var/tmp"]);
  assert.deepEqual(plan.execFromWritable, []);
  s.written.add("/var/lib/d/hooks/run");
  s.createdOrRemoved.add("/var/lib/d/hooks/run");
  assert.deepEqual(planFilesystem(s).execFromWritable, ["/var/lib/d/hooks"]);
});
