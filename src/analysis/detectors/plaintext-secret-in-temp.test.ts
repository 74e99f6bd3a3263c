import { test } from "node:test";
import assert from "node:assert/strict";
import type { ShadowEvent } from "../../events/schema.js";
import type { Artifact } from "../../session/artifacts.js";
import { Analyzer } from "../analyzer.js";
import { PathClassifier } from "../paths.js";

const T0 = 1_000_000;

test("a temp file holding secrets credits every sensor that saw it written, counted once", () => {
  const file = "/tmp/.cache";
  const artifact: Artifact = {
    path: file,
    versions: [
      { at: T0 + 5000, mode: "644", uid: 0, gid: 0, size: 40, sha256: "x", secrets: ["password#0123456789"] },
    ],
  };
  const a = new Analyzer({
    target: { kind: "command", label: "test" },
    rootPid: 100,
    processes: new Map(),
    artifacts: new Map([[file, artifact]]),
    sensors: [],
    paths: new PathClassifier("/"),
    startedAt: T0,
    endedAt: T0 + 60_000,
    steadyFrom: undefined,
    stopRequestedAt: undefined,
    releasedAt: undefined,
    live: true,
  });
  const base = { pid: 100, comm: "d", path: file, flags: ["O_WRONLY", "O_CREAT"] };
  a.observe({ ...base, kind: "open", ts: T0 + 5000, seq: 1, sensor: "ptrace" } as ShadowEvent);
  // Seconds apart (procfs finds a file at its next scan, say): still one occurrence.
  a.observe({ ...base, kind: "open", ts: T0 + 8000, seq: 2, sensor: "ebpf" } as ShadowEvent);
  const f = a.finish().find((x) => x.behavior === "plaintext-secret-in-temp");
  assert.ok(f, "no finding");
  assert.deepEqual([...f.sensors].sort(), ["ebpf", "ptrace"]);
  assert.equal(f.occurrences, 1);
  assert.equal(f.evidence.length, 1);
  assert.match(
    f.evidence[0]!.summary,
    /mode 644, owner uid 0, readable by others\) holds password#0123456789/,
  );
});
