import { test } from "node:test";
import assert from "node:assert/strict";
import { claimProblems } from "./claim-check.js";

test("claims whose numbers do not add up, or whose nouns do not agree, are caught", () => {
  const bad = [
    {
      claim:
        "The target executes external programs (110 executions: 69 shell with -c, 174 system utility, 18 shell).",
      occurrences: 110,
    },
    { claim: "The target reads data from writable locations (42 accesss).", occurrences: 42 },
    { claim: "The target connects to local services (1 connections to x).", occurrences: 1 },
    { claim: "The target stores credential material (3 file).", occurrences: 3 },
    { claim: "The target stores credential material (6 files).", occurrences: 9 },
  ];
  for (const f of bad) assert.notDeepEqual(claimProblems(f), [], f.claim);
});

test("consistent claims pass", () => {
  const good = [
    {
      claim: "The target executes external programs (12 executions: 4 shell with -c, 8 system utility).",
      occurrences: 12,
    },
    {
      claim: "The target reads data from writable locations (42 accesses, including code it then executes).",
      occurrences: 42,
    },
    {
      claim: "The target rewrites configuration at runtime: 1 file (/etc/x) changed 12 times after start-up.",
      occurrences: 12,
    },
    { claim: "The target leaves 1 detached descendant that escapes its process tree.", occurrences: 1 },
  ];
  for (const f of good) assert.deepEqual(claimProblems(f), [], f.claim);
});
