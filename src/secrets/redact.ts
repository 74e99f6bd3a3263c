import rules from "../data/secret-patterns.json" with { type: "json" };
import { REDACTED, describeHit, entropy, fingerprint, scanSecrets } from "./scan.js";

const VALUE_OPTIONS = new Set(rules.argv.valueOptions);
const PLACEHOLDER = new RegExp(rules.argv.placeholder, "g");
const SECRET_KEY = new RegExp(rules.argv.secretKey, "i");

/**
 * For a format argument (`user=%s password=%s`), which of the following arguments fill a
 * placeholder named like a secret: offsets 1, 2, ... after the format.
 */
function secretPlaceholders(arg: string): number[] {
  const out: number[] = [];
  let k = 0;
  for (const m of arg.matchAll(PLACEHOLDER)) {
    k++;
    if (SECRET_KEY.test(arg.slice(0, m.index))) out.push(k);
  }
  return out;
}
const { minLength, minBitsPerChar, hexMinLength, hexMinBitsPerChar } = rules.argv.standalone;
/** The shortest argument that can be a secret on its own (a token); shorter ones need a key=. */
const MIN_TOKEN = Math.min(minLength, 20);

/** Replaces every secret value in `text` with `kind#fingerprint`; the rest stays as it was. */
export function redactText(text: string): string {
  const hits = scanSecrets(text);
  if (hits.length === 0) return text;
  let out = "";
  let at = 0;
  for (const h of hits) {
    out += text.slice(at, h.start) + describeHit(h);
    at = h.end;
  }
  return out + text.slice(at);
}

/** A lone argument that looks like a key or token: long, random, letters and digits, no path. */
function looksLikeToken(arg: string): boolean {
  // Hex keys carry at most 4 bits a character, so they get their own, longer, threshold.
  if (arg.length >= hexMinLength && /^[0-9a-f]+$/i.test(arg) && /[a-f]/i.test(arg))
    return entropy(arg) >= hexMinBitsPerChar;
  return (
    arg.length >= minLength &&
    /^[A-Za-z0-9+/_=.-]+$/.test(arg) &&
    !arg.startsWith("/") &&
    !arg.startsWith("-") &&
    /\d/.test(arg) &&
    /[A-Za-z]/.test(arg) &&
    entropy(arg) >= minBitsPerChar
  );
}

/**
 * Redacts a command line: secrets inside an argument (`DB_PASSWORD=x`, `sh -c 'echo token=x'`),
 * the value after an option that takes one (`--password x`, `--token=x`), the value after an
 * argument that names a secret with a placeholder (`printf 'password=%s' x`), and lone random
 * tokens. Returns the same array when nothing was secret, so callers can skip re-serialising.
 */
export function redactArgv(argv: readonly string[]): string[] {
  let out: string[] | undefined;
  const secretAt = new Set<number>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    // Most arguments (`-c`, `sh`, a short path) cannot hold a secret: no key=value, too short for
    // a token. Skipping them keeps command lines cheap on the import path (a million events).
    if (!secretAt.has(i) && arg.length < MIN_TOKEN && !/[=:%$]/.test(arg)) {
      if (i > 0 && VALUE_OPTIONS.has(arg)) secretAt.add(i + 1);
      continue;
    }
    let red = arg;
    if (secretAt.has(i) && !REDACTED.test(arg)) red = `argument#${fingerprint(arg)}`;
    else {
      const eq = arg.indexOf("=");
      const key = eq > 0 ? arg.slice(0, eq) : "";
      const value = arg.slice(eq + 1);
      if (arg.startsWith("-") && VALUE_OPTIONS.has(key) && value !== "")
        red = `${key}=argument#${fingerprint(value)}`;
      else if ((red = redactText(arg)) !== arg) {
        /* a pattern named the secret: DB_PASSWORD=x, or token=x inside a shell command */
      } else if (/^[\w.-]+$/.test(key) && looksLikeToken(value))
        red = `${key}=high-entropy-value#${fingerprint(value)}`;
      else if (looksLikeToken(arg)) red = `high-entropy-value#${fingerprint(arg)}`;
    }
    if (i > 0 && VALUE_OPTIONS.has(arg)) secretAt.add(i + 1);
    if (i > 0) for (const k of secretPlaceholders(arg)) secretAt.add(i + k);
    if (red !== arg) (out ??= argv.slice())[i] = red;
  }
  return out ?? (argv as string[]);
}
