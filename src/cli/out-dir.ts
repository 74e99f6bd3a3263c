import { randomBytes } from "node:crypto";
import path from "node:path";
import { createOwnDir } from "../util/safe-fs.js";

/**
 * `--out DIR` (new, or an empty dir of ours), or a new folder under ./shadow-signals-sessions/
 * named by time and target. Either way a 0700 dir that only we can write to (see safe-fs.ts).
 */
export function resolveOutDir(out: string | undefined, label: string): string {
  if (out) return createOwnDir(out);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const safe = label.replace(/[^\w.-]+/g, "_").slice(0, 40);
  // A random tail: two sessions started in the same second must not share a dir.
  return createOwnDir(
    path.resolve("shadow-signals-sessions", `${stamp}-${safe}-${randomBytes(2).toString("hex")}`),
  );
}
