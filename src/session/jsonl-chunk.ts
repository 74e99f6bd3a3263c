import type { ShadowEvent } from "../events/schema.js";
import { validateEvent } from "../events/validate.js";
import { redactArgv } from "../secrets/redact.js";
import type { Issue } from "../util/result.js";

/** How a chunk of events.jsonl lines is read: for a session's own file, or for an import. */
export interface ChunkOptions {
  /**
   * Redact command lines (an imported events.jsonl comes from elsewhere); a changed event's line is
   * written anew, so that no secret reaches the new session.
   */
  redactExec: boolean;
}

/** What a chunk held: its line count, and whether the lines to record differ from its text. */
export interface ChunkResult {
  lines: number;
  /** The valid lines as they are to be recorded, each ending in "\n"; undefined: the text as is. */
  recorded: string | undefined;
}

/**
 * Parses and validates each line of `text` (whole lines): each valid event goes to `onEvent` with
 * the line to record for it; each bad line to `onBad` with its 1-based number in the chunk.
 * `recorded` is built only once a line differs from its text (skipped, trimmed of "\r", redacted).
 */
export function parseChunk(
  text: string,
  options: ChunkOptions,
  onEvent: (e: ShadowEvent, line: string) => void,
  onBad: (line: number, issue: Issue) => void,
): ChunkResult {
  let lines = 0;
  let recorded: string | undefined;
  let start = 0;
  while (start < text.length) {
    let nl = text.indexOf("\n", start);
    if (nl === -1) nl = text.length;
    const raw = text.slice(start, nl);
    lines++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const kept = parseLine(line, options, lines, onBad);
    const same = kept !== undefined && kept[1] === raw && nl < text.length;
    if (!same && recorded === undefined) recorded = text.slice(0, start);
    if (kept !== undefined) {
      onEvent(kept[0], kept[1]);
      if (recorded !== undefined) recorded += kept[1] + "\n";
    }
    start = nl + 1;
  }
  return { lines, recorded };
}

function parseLine(
  line: string,
  options: ChunkOptions,
  lineNo: number,
  onBad: (line: number, issue: Issue) => void,
): [ShadowEvent, string] | undefined {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    onBad(lineNo, { code: "invalid_json", message: `not valid JSON: ${(err as Error).message}` });
    return undefined;
  }
  const r = validateEvent(value);
  if (!r.success) {
    onBad(lineNo, r.error);
    return undefined;
  }
  let e = r.data;
  if (options.redactExec && e.kind === "exec") {
    const argv = redactArgv(e.argv);
    if (argv !== e.argv) {
      e = { ...e, argv };
      return [e, JSON.stringify(e)];
    }
  }
  return [e, line];
}
