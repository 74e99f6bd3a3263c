import { hostname } from "node:os";
import { randomBytes } from "node:crypto";
import { UsageError } from "../util/result.js";

/**
 * The JetStream layout. One stream holds every host's sessions; a subject names the host, the
 * session and what the message is:
 *   shadow.<host>.<session>.start   the target, the sensors, when it started (JSON)
 *   shadow.<host>.<session>.events  a run of events.jsonl lines, at a byte offset of the stream
 *   shadow.<host>.<session>.status  a sensor failed, or the server was unreachable (JSON)
 *   shadow.<host>.<session>.db      a chunk of the finished session.db
 *   shadow.<host>.<session>.end     totals: bytes, events, db chunks, what was not sent (JSON)
 */
export const STREAM = "SHADOW";
export const SUBJECT_ROOT = "shadow";
export const KINDS = ["start", "events", "status", "db", "end"] as const;
export type MessageKind = (typeof KINDS)[number];

/** Headers of an events or db message: where its bytes go. */
export const OFFSET_HEADER = "Shadow-Offset";
export const CHUNK_HEADER = "Shadow-Chunk";

/**
 * A host or session name is one subject token and one directory name on the collector: letters,
 * digits, '_' and '-' only (no '.', '/', '*' or '>'), so that a name read off the bus can never
 * climb out of the collector's dir or widen a subscription.
 */
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

export function isToken(s: string): boolean {
  return TOKEN.test(s);
}

export function checkHostName(name: string): string {
  if (!isToken(name))
    throw new UsageError(`--host: '${name}' is not a valid name (1-64 of letters, digits, '_' and '-')`);
  return name;
}

/** This machine's name as a token: the first label of its hostname, other characters as '_'. */
export function defaultHostName(): string {
  const first = hostname().split(".")[0] ?? "";
  const token = first.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64);
  return token === "" ? "host" : token;
}

/** A session's name on the bus: its out dir's name as a token, and a random tail (two runs with the same --out name must not merge). */
export function sessionName(outDir: string): string {
  const base = (outDir.split("/").filter(Boolean).pop() ?? "session").replace(/[^A-Za-z0-9_-]/g, "_");
  return `${base.slice(0, 55)}-${randomBytes(4).toString("hex")}`;
}

export function subjectOf(host: string, session: string, kind: MessageKind): string {
  return `${SUBJECT_ROOT}.${host}.${session}.${kind}`;
}

export interface ParsedSubject {
  host: string;
  session: string;
  kind: MessageKind;
}

/** Parses a subject read off the bus; anything not ours (or unsafe as a path) is undefined. */
export function parseSubject(subject: string): ParsedSubject | undefined {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== SUBJECT_ROOT) return undefined;
  const [, host, session, kind] = parts as [string, string, string, string];
  if (!isToken(host) || !isToken(session) || !(KINDS as readonly string[]).includes(kind)) return undefined;
  return { host, session, kind: kind as MessageKind };
}
