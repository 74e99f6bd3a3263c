import { existsSync, mkdirSync, readdirSync } from "node:fs";
import path from "node:path";
import { ShadowError } from "../util/result.js";

/** `--out DIR`, or a new folder under ./shadow-signals-sessions/ named by time and target. */
export function resolveOutDir(out: string | undefined, label: string): string {
  if (out) {
    const dir = path.resolve(out);
    if (existsSync(dir) && readdirSync(dir).some((f) => f === "events.jsonl" || f === "session.db")) {
      throw new ShadowError(`${dir} already holds a session; choose another --out`);
    }
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  const safe = label.replace(/[^\w.-]+/g, "_").slice(0, 40);
  const dir = path.resolve("shadow-signals-sessions", `${stamp}-${safe}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}
