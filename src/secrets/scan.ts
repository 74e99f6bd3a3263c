import { createHash } from "node:crypto";
import rules from "../data/secret-patterns.json" with { type: "json" };

/** A secret found in text: its kind, a short fingerprint and the line. Never the value. */
export interface SecretHit {
  kind: string;
  fingerprint: string;
  line: number;
}

const PATTERNS = rules.patterns.map((p) => ({
  kind: p.kind,
  regex: new RegExp(p.regex, `g${p.flags ?? ""}`),
}));

/** sha256 prefix: lets two reports say "the same secret" without revealing it. */
export function fingerprint(value: string): string {
  return createHash("sha256").update(value).digest("hex").slice(0, 10);
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

/** Finds credential material in text by pattern, then by entropy of key=value values. */
export function scanSecrets(text: string): SecretHit[] {
  const hits: SecretHit[] = [];
  const seen = new Set<string>();
  const add = (kind: string, value: string, index: number) => {
    const fp = fingerprint(value);
    if (seen.has(fp)) return;
    seen.add(fp);
    hits.push({ kind, fingerprint: fp, line: lineOf(text, index) });
  };
  for (const { kind, regex } of PATTERNS) {
    regex.lastIndex = 0;
    for (const m of text.matchAll(regex)) add(kind, (m.groups?.value ?? m[0]).trim(), m.index ?? 0);
  }
  const { minLength, minBitsPerChar } = rules.entropy;
  for (const m of text.matchAll(/^[\w.-]+\s*[=:]\s*["']?([A-Za-z0-9+/_=-]+)["']?\s*$/gm)) {
    const value = m[1]!;
    if (value.length >= minLength && entropy(value) >= minBitsPerChar)
      add("high-entropy-value", value, m.index ?? 0);
  }
  return hits;
}

/** `kind#fingerprint`, the only form in which a secret leaves this module. */
export const describeHit = (h: SecretHit) => `${h.kind}#${h.fingerprint}`;
