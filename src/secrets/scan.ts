import { createHmac, randomBytes } from "node:crypto";
import rules from "../data/secret-patterns.json" with { type: "json" };

/** A secret found in text: its kind, a keyed fingerprint, the line, and where the value stands. */
export interface SecretHit {
  kind: string;
  fingerprint: string;
  line: number;
  /** The value's span in the scanned text (for redaction), [start, end). */
  start: number;
  end: number;
}

const PATTERNS = rules.patterns.map((p) => ({
  kind: p.kind,
  // `d`: match indices, so that the value group's span is known and only the value is replaced.
  regex: new RegExp(p.regex, `gd${p.flags ?? ""}`),
}));

// One random key per process, which is one session: never written anywhere. A keyed hash lets two
// occurrences in one session match without letting a reader confirm a guessed password offline,
// which an unsalted sha256 prefix allowed.
let SESSION_KEY = randomBytes(32);

/**
 * The key, for a worker thread of this process that redacts too (parallel-jsonl.ts): one session,
 * one key, or the same secret would get two fingerprints. Never written anywhere.
 */
export function sessionKey(): Uint8Array {
  return new Uint8Array(SESSION_KEY);
}

/** A worker thread takes its process's key (see sessionKey). */
export function useSessionKey(key: Uint8Array): void {
  SESSION_KEY = Buffer.from(key);
}

/** HMAC-SHA256 prefix under the session key: "the same secret" within a session, nothing more. */
export function fingerprint(value: string): string {
  return createHmac("sha256", SESSION_KEY).update(value).digest("hex").slice(0, 10);
}

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const c of value) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / value.length) * Math.log2(n / value.length);
  return bits;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** `kind#0123456789`: a value that is already a redaction is not a secret again. */
export const REDACTED = /^[a-z][a-z0-9-]*#[0-9a-f]{10}$/;
const STANDS_FOR_A_SECRET = new RegExp(rules.notSecret.regex);

/** Finds credential material in text by pattern, then by entropy of key=value values. */
export function scanSecrets(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const seen = new Set<string>();
  const add = (kind: string, raw: string, start: number) => {
    // Trim the span as the value is trimmed, so that redaction replaces exactly the value.
    const lead = raw.length - raw.trimStart().length;
    const value = raw.trim();
    if (value === "" || REDACTED.test(value) || STANDS_FOR_A_SECRET.test(value)) return;
    const fp = fingerprint(value);
    const from = start + lead;
    const key = `${fp}@${from}`;
    if (seen.has(key) || hits.some((h) => from < h.end && from + value.length > h.start)) return;
    seen.add(key);
    hits.push({ kind, fingerprint: fp, line: lineOf(text, from), start: from, end: from + value.length });
  };
  for (const { kind, regex } of PATTERNS) {
    regex.lastIndex = 0;
    for (const m of text.matchAll(regex)) {
      const span = m.indices?.groups?.value ?? m.indices?.[0];
      if (span) add(kind, text.slice(span[0], span[1]), span[0]);
    }
  }
  const { minLength, minBitsPerChar } = rules.entropy;
  for (const m of text.matchAll(/^[\w.-]+\s*[=:]\s*["']?([A-Za-z0-9+/_=-]+)["']?\s*$/dgm)) {
    const value = m[1]!;
    if (value.length >= minLength && entropy(value) >= minBitsPerChar)
      add("high-entropy-value", value, m.indices![1]![0]);
  }
  return hits.sort((a, b) => a.start - b.start);
}

/** `kind#fingerprint`, the only form in which a secret leaves this module. */
export const describeHit = (h: Pick<SecretHit, "kind" | "fingerprint">) => `${h.kind}#${h.fingerprint}`;

/** Distinct `kind#fingerprint`s of a text: a file's secrets, each named once. */
export function describeSecrets(text: string): string[] {
  return [...new Set(scanSecrets(text).map(describeHit))];
}
