import { existsSync } from "node:fs";
import path from "node:path";
import type { ShadowEvent } from "../events/schema.js";
import { ShadowError, type Issue } from "../util/result.js";
import { assertRegularFile } from "../util/safe-fs.js";
import { readJsonl } from "./jsonl.js";
import { readSessionDb, type SessionMeta } from "./session-db.js";

/**
 * A session dir as every command reads it: what session.db says about it, and its events, streamed
 * once in order. analyze, harden, replay and diff all start here.
 */
export interface SessionDir {
  dir: string;
  meta: SessionMeta;
  /** Streams events.jsonl through `each`; bad lines go to `warn` and are skipped. */
  events(each: (e: ShadowEvent) => void, warn: (i: Issue) => void): Promise<void>;
}

export function openSession(dir: string): SessionDir {
  const db = path.join(dir, "session.db");
  if (!existsSync(db))
    throw new ShadowError(
      `${dir}: not a session dir (no session.db); analyse a log first: shadow-signals analyze FILE`,
    );
  const meta = readSessionDb(db);
  const file = path.join(dir, "events.jsonl");
  return {
    dir,
    meta,
    events: async (each, warn) => {
      assertRegularFile(file);
      await readJsonl(file, each, warn);
    },
  };
}
