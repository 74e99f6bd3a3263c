import { readFileSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";

/** The events a session recorded, from its out dir's events.jsonl. */
export function readSessionEvents<E = ShadowEvent>(outDir: string): E[] {
  return readFileSync(path.join(outDir, "events.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "") // a session with no event has an empty file
    .map((l) => JSON.parse(l) as E);
}
