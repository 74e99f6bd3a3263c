import Database from "better-sqlite3";
import { closeSync, existsSync } from "node:fs";
import { openNewFile } from "../util/safe-fs.js";
import type { EndRecord, StartRecord } from "./publisher.js";

export type SessionState = "open" | "analysing" | "analysed" | "cut";

export interface CollectedSession {
  host: string;
  session: string;
  state: SessionState;
  start: StartRecord | undefined;
  end: EndRecord | undefined;
  statuses: Record<string, unknown>[];
  lastAt: number;
}

/**
 * What the collectors sharing a dir know, in DIR/collect.db: each session's start and end records,
 * which byte ranges of its events.jsonl are written, and the chunks of its session.db. Written in
 * the same step as the files and before the acknowledgement, so a collector killed at any moment
 * restarts from it and the server's redelivery fills in the rest. WAL and a busy timeout let
 * several collectors on one machine share it.
 */
export class CollectState {
  private readonly db: Database.Database;

  constructor(file: string) {
    // Made 0600 by us first; another collector sharing the dir may make it at the same moment.
    if (!existsSync(file))
      try {
        closeSync(openNewFile(file));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      }
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("busy_timeout = 10000");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS sessions (host TEXT, session TEXT, state TEXT NOT NULL DEFAULT 'open',
        start TEXT, end TEXT, statuses TEXT NOT NULL DEFAULT '[]', last_at INTEGER NOT NULL,
        claimed_by INTEGER, PRIMARY KEY (host, session));
      CREATE TABLE IF NOT EXISTS ranges (host TEXT, session TEXT, offset INTEGER, length INTEGER,
        PRIMARY KEY (host, session, offset));
      CREATE TABLE IF NOT EXISTS chunks (host TEXT, session TEXT, idx INTEGER, total INTEGER, data BLOB,
        PRIMARY KEY (host, session, idx));`);
  }

  /** Runs `step` in one transaction (a batch of messages before their acknowledgement). */
  transaction(step: () => void): void {
    this.db.transaction(step)();
  }

  touch(host: string, session: string, at: number): void {
    this.db
      .prepare(
        `INSERT INTO sessions (host, session, last_at) VALUES (?, ?, ?)
         ON CONFLICT (host, session) DO UPDATE SET last_at = max(last_at, excluded.last_at),
           state = CASE WHEN state = 'cut' THEN 'open' ELSE state END`,
      )
      .run(host, session, at);
  }

  setStart(host: string, session: string, start: StartRecord): void {
    this.db
      .prepare("UPDATE sessions SET start = ? WHERE host = ? AND session = ?")
      .run(JSON.stringify(start), host, session);
  }

  setEnd(host: string, session: string, end: EndRecord): void {
    this.db
      .prepare("UPDATE sessions SET end = ? WHERE host = ? AND session = ?")
      .run(JSON.stringify(end), host, session);
  }

  addStatus(host: string, session: string, status: Record<string, unknown>): void {
    const row = this.db
      .prepare("SELECT statuses FROM sessions WHERE host = ? AND session = ?")
      .get(host, session) as { statuses: string } | undefined;
    const list = JSON.parse(row?.statuses ?? "[]") as Record<string, unknown>[];
    // A redelivered status is the same record: keep one.
    const key = JSON.stringify(status);
    if (list.some((s) => JSON.stringify(s) === key)) return;
    list.push(status);
    this.db
      .prepare("UPDATE sessions SET statuses = ? WHERE host = ? AND session = ?")
      .run(JSON.stringify(list), host, session);
  }

  /** A range of events.jsonl written; a resend of the same offset may be longer (more lines had come). */
  addRange(host: string, session: string, offset: number, length: number): void {
    this.db
      .prepare(
        `INSERT INTO ranges VALUES (?, ?, ?, ?)
         ON CONFLICT (host, session, offset) DO UPDATE SET length = max(length, excluded.length)`,
      )
      .run(host, session, offset, length);
  }

  /** How many bytes from 0 are written without a hole. */
  contiguousBytes(host: string, session: string): number {
    const rows = this.db
      .prepare("SELECT offset, length FROM ranges WHERE host = ? AND session = ? ORDER BY offset")
      .all(host, session) as { offset: number; length: number }[];
    let end = 0;
    for (const r of rows) {
      if (r.offset > end) break;
      end = Math.max(end, r.offset + r.length);
    }
    return end;
  }

  addChunk(host: string, session: string, idx: number, total: number, data: Uint8Array): void {
    this.db
      .prepare("INSERT OR IGNORE INTO chunks VALUES (?, ?, ?, ?, ?)")
      .run(host, session, idx, total, data);
  }

  /** The session.db chunks in order, or undefined while some are missing. */
  chunks(host: string, session: string, total: number): Buffer[] | undefined {
    const rows = this.db
      .prepare("SELECT idx, data FROM chunks WHERE host = ? AND session = ? ORDER BY idx")
      .all(host, session) as { idx: number; data: Buffer }[];
    if (rows.length !== total || rows.some((r, i) => r.idx !== i)) return undefined;
    return rows.map((r) => r.data);
  }

  dropChunks(host: string, session: string): void {
    this.db.prepare("DELETE FROM chunks WHERE host = ? AND session = ?").run(host, session);
  }

  get(host: string, session: string): CollectedSession | undefined {
    const row = this.db
      .prepare("SELECT * FROM sessions WHERE host = ? AND session = ?")
      .get(host, session) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /** The sessions still waiting for their end: the sweeper's once-a-second look, not the whole history. */
  openSessions(): CollectedSession[] {
    return (
      this.db.prepare("SELECT * FROM sessions WHERE state = 'open' ORDER BY host, session").all() as Row[]
    ).map(fromRow);
  }

  /**
   * Takes a session for analysis if nobody has: of the collectors sharing the dir, one analyses
   * it. `from` lists the states it may be taken from.
   */
  claim(host: string, session: string, from: SessionState[], by: number): boolean {
    const r = this.db
      .prepare(
        `UPDATE sessions SET state = 'analysing', claimed_by = ? WHERE host = ? AND session = ?
         AND state IN (${from.map(() => "?").join(",")})`,
      )
      .run(by, host, session, ...from);
    return r.changes === 1;
  }

  /** Sessions left 'analysing' by a collector that is gone (killed mid-analysis). */
  orphanedClaims(alive: (pid: number) => boolean): { host: string; session: string }[] {
    const rows = this.db
      .prepare("SELECT host, session, claimed_by FROM sessions WHERE state = 'analysing'")
      .all() as { host: string; session: string; claimed_by: number | null }[];
    return rows.filter((r) => r.claimed_by === null || !alive(r.claimed_by));
  }

  setState(host: string, session: string, state: SessionState): void {
    this.db.prepare("UPDATE sessions SET state = ? WHERE host = ? AND session = ?").run(state, host, session);
  }

  close(): void {
    this.db.close();
  }
}

interface Row {
  host: string;
  session: string;
  state: SessionState;
  start: string | null;
  end: string | null;
  statuses: string;
  last_at: number;
}

function fromRow(r: Row): CollectedSession {
  return {
    host: r.host,
    session: r.session,
    state: r.state,
    start: r.start ? (JSON.parse(r.start) as StartRecord) : undefined,
    end: r.end ? (JSON.parse(r.end) as EndRecord) : undefined,
    statuses: JSON.parse(r.statuses) as Record<string, unknown>[],
    lastAt: r.last_at,
  };
}
