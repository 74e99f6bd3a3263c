import Database from "better-sqlite3";
import { closeSync } from "node:fs";
import { openNewFile } from "../util/safe-fs.js";
import type { ProcessRecord } from "./process-table.js";

/** SQLite's page cache for session.db, in KiB. */
const CACHE_KIB = 1024;

/**
 * session.db: the session's target, sensors (status, events, drops), event counts by sensor and
 * kind, the process table and the artifacts. The events themselves live in events.jsonl, one per
 * line: a row per event here cost more than the analysis itself and slowed the traced target.
 */
export class SessionStore {
  readonly db: Database.Database;

  private constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    // better-sqlite3 builds SQLite with a 16 MB page cache per connection. The recorder writes
    // append-mostly and reads back only a late event's process record, but the cache kept every
    // page the growing file passed through: a 30-minute session's RSS climbed ~7 MiB per 10
    // minutes, nearly all of it SQLite's pcache1Alloc (heaptrack; bench/README.md, Soak).
    this.db.pragma(`cache_size = -${CACHE_KIB}`);
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS sensors (name TEXT PRIMARY KEY, status TEXT, reason TEXT, events INTEGER, dropped INTEGER, errors INTEGER);
      CREATE TABLE IF NOT EXISTS event_counts (sensor TEXT, kind TEXT, count INTEGER, PRIMARY KEY (sensor, kind));
      CREATE TABLE IF NOT EXISTS processes (pid INTEGER, gen INTEGER, json TEXT, PRIMARY KEY (pid, gen));
      CREATE TABLE IF NOT EXISTS artifacts (path TEXT PRIMARY KEY, json TEXT);`);
  }

  /** A new session.db: created 0600 by us first (O_EXCL: nothing planted there is followed). */
  static create(file: string): SessionStore {
    closeSync(openNewFile(file));
    return new SessionStore(file);
  }

  /** Changes a finished session.db (what publishing did is known only after it was sent). */
  static update(file: string, step: (store: SessionStore) => void): void {
    const store = new SessionStore(file);
    try {
      step(store);
    } finally {
      store.close();
    }
  }

  /** Event counts by sensor and kind, written once at the end of the session. */
  setEventCounts(counts: ReadonlyMap<string, number>): void {
    const insert = this.db.prepare("INSERT OR REPLACE INTO event_counts VALUES (?, ?, ?)");
    this.db.transaction(() => {
      for (const [key, n] of counts) {
        const [sensor, kind] = key.split("\0");
        insert.run(sensor, kind, n);
      }
    })();
  }

  /**
   * Statements are prepared once: each prepare() makes a native SQLite statement that lives until
   * V8 collects its small wrapper, which a quiet heap rarely does.
   */
  private readonly statements = new Map<string, Database.Statement>();
  private statement(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) this.statements.set(sql, (s = this.db.prepare(sql)));
    return s;
  }

  setMeta(key: string, value: unknown): void {
    this.statement("INSERT OR REPLACE INTO meta VALUES (?, ?)").run(key, JSON.stringify(value));
  }

  getMeta<T>(key: string): T | undefined {
    const row = this.statement("SELECT value FROM meta WHERE key = ?").get(key) as
      { value: string } | undefined;
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setSensor(
    name: string,
    s: { status: string; reason: string; events: number; dropped: number; errors: number },
  ): void {
    this.statement("INSERT OR REPLACE INTO sensors VALUES (?, ?, ?, ?, ?, ?)").run(
      name,
      s.status,
      s.reason,
      s.events,
      s.dropped,
      s.errors,
    );
  }

  putJson(table: "artifacts", key: string, value: unknown): void {
    this.statement(`INSERT OR REPLACE INTO ${table} VALUES (?, ?)`).run(key, JSON.stringify(value));
  }

  getJson<T>(table: "artifacts", key: string): T | undefined {
    const r = this.statement(`SELECT json FROM ${table} WHERE path = ?`).get(key) as
      { json: string } | undefined;
    return r ? (JSON.parse(r.json) as T) : undefined;
  }

  /** A process record, under its pid and generation (a reused pid's processes are each kept). */
  putProcess(r: ProcessRecord): void {
    this.statement("INSERT OR REPLACE INTO processes VALUES (?, ?, ?)").run(
      r.pid,
      r.gen ?? 0,
      JSON.stringify(r),
    );
  }

  /** The newest generation of a pid's records. */
  newestProcess(pid: number): ProcessRecord | undefined {
    const r = this.statement("SELECT json FROM processes WHERE pid = ? ORDER BY gen DESC LIMIT 1").get(
      pid,
    ) as { json: string } | undefined;
    return r ? (JSON.parse(r.json) as ProcessRecord) : undefined;
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
