import { existsSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import { ShadowError, type Issue } from "../util/result.js";
import { eventFiles, gzipLineChunks } from "./event-parts.js";
import { parseLineChunks, readJsonl } from "./jsonl.js";
import { readSessionDb, type SessionMeta } from "./session-db.js";

/**
 * A session dir as every command reads it: what session.db says about it, and its events, streamed
 * once in order. analyze, harden, replay and diff all start here.
 */
export interface SessionDir {
  dir: string;
  meta: SessionMeta;
  /**
   * Streams the events through `each`, rotated parts first (src/session/event-parts.ts), then
   * events.jsonl; bad lines go to `warn` and are skipped.
   */
  events(each: (e: ShadowEvent) => void, warn: (i: Issue) => void): Promise<void>;
}

export function openSession(dir: string): SessionDir {
  const db = path.join(dir, "session.db");
  if (!existsSync(db))
    throw new ShadowError(
      `${dir}: not a session dir (no session.db); analyse a log first: shadow-signals analyze FILE`,
    );
  const meta = readSessionDb(db);
  return {
    dir,
    meta,
    events: async (each, warn) => {
      const files = eventFiles(dir);
      if (files.length === 0) throw new ShadowError(`${dir}: not a session dir (no events.jsonl)`);
      for (const f of files)
        if (f.compressed) await parseLineChunks(f.file, gzipLineChunks(f.file), each, warn);
        else await readJsonl(f.file, each, warn);
    },
  };
}
