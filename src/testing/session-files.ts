import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import type { ShadowEvent } from "../events/schema.js";
import { eventFiles } from "../session/event-parts.js";

/** The events a session recorded, from its out dir: rotated parts first, then events.jsonl. */
export function readSessionEvents<E = ShadowEvent>(outDir: string): E[] {
  return eventFiles(outDir)
    .flatMap((f) => {
      const bytes = readFileSync(f.file);
      return (f.compressed ? gunzipSync(bytes) : bytes).toString("utf8").split("\n");
    })
    .filter((l) => l.trim() !== "") // a session with no event has an empty file
    .map((l) => JSON.parse(l) as E);
}
