import Database from "better-sqlite3";
import type { ShadowEvent } from "../events/schema.js";

/**
 * session.db: the session's target and sensors, its events (one row each, the full event as JSON),
 * its process table and its artifacts. Written in batches inside transactions.
 */
export class SessionStore {
  readonly db: Database.Database;
  private readonly insertEvent: Database.Statement;
  private readonly insertEvents: (events: readonly ShadowEvent[]) => void;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sensors (name TEXT PRIMARY KEY, status TEXT, reason TEXT, events INTEGER, dropped INTEGER, errors INTEGER);
      CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, ts REAL, kind TEXT, pid INTEGER, comm TEXT, sensor TEXT, json TEXT);
      CREATE INDEX IF NOT EXISTS events_kind ON events(kind);
      CREATE TABLE IF NOT EXISTS processes (pid INTEGER PRIMARY KEY, json TEXT);
      CREATE TABLE IF NOT EXISTS artifacts (path TEXT PRIMARY KEY, json TEXT);`);
    this.insertEvent = this.db.prepare("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?, ?, ?)");
    this.insertEvents = this.db.transaction((events: readonly ShadowEvent[]) => {
      for (const e of events)
        this.insertEvent.run(e.seq, e.ts, e.kind, e.pid, e.comm, e.sensor, JSON.stringify(e));
    });
  }

  addEvents(events: readonly ShadowEvent[]): void {
    if (events.length > 0) this.insertEvents(events);
  }

  setMeta(key: string, value: unknown): void {
    this.db.prepare("INSERT OR REPLACE INTO meta VALUES (?, ?)").run(key, JSON.stringify(value));
  }

  getMeta<T>(key: string): T | undefined {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSensor(
    name: string,
    s: { status: string; reason: string; events: number; dropped: number; errors: number },
  ): void {
    this.db
      .prepare("INSERT OR REPLACE INTO sensors VALUES (?, ?, ?, ?, ?, ?)")
      .run(name, s.status, s.reason, s.events, s.dropped, s.errors);
  }

  putJson(table: "processes" | "artifacts", key: number | string, value: unknown): void {
    this.db.prepare(`INSERT OR REPLACE INTO ${table} VALUES (?, ?)`).run(key, JSON.stringify(value));
  }

  allJson<T>(table: "processes" | "artifacts"): T[] {
    return (this.db.prepare(`SELECT json FROM ${table}`).all() as { json: string }[]).map(
      (r) => JSON.parse(r.json) as T,
    );
  }

  close(): void {
    this.db.pragma("journal_mode = DELETE"); // leave one self-contained file, no -wal/-shm beside it
    this.db.close();
  }
}
