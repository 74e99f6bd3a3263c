import { closeSync, constants, createReadStream, writeSync } from "node:fs";
import { openNewFile } from "../util/safe-fs.js";
import readline from "node:readline";
import type { ShadowEvent } from "../events/schema.js";
import { validateEvent } from "../events/validate.js";
import type { Issue } from "../util/result.js";

/** Appends events as JSON lines; batched by the caller so that each flush is one write. */
export class JsonlWriter {
  private readonly fd: number;
  constructor(readonly file: string) {
    this.fd = openNewFile(file, constants.O_APPEND);
  }
  write(events: readonly ShadowEvent[]): void {
    if (events.length === 0) return;
    let text = "";
    for (const e of events) text += JSON.stringify(e) + "\n";
    writeSync(this.fd, text);
  }
  /** Appends lines already in JSONL form (an imported, validated events.jsonl). */
  writeLines(text: string): void {
    if (text !== "") writeSync(this.fd, text);
  }
  close(): void {
    closeSync(this.fd);
  }
}

/**
 * Streams an events.jsonl: each valid event goes to `onEvent`; each bad line becomes an issue
 * naming file and line, and reading goes on. Memory stays flat whatever the file's size.
 */
export async function readJsonl(
  file: string,
  onEvent: (e: ShadowEvent, line: string) => void,
  warn: (i: Issue) => void,
): Promise<{ lines: number; events: number }> {
  let lineNo = 0;
  let events = 0;
  const rl = readline.createInterface({
    input: createReadStream(file, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  });
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      warn({
        code: "invalid_json",
        message: `not valid JSON: ${(err as Error).message}`,
        file,
        line: lineNo,
      });
      continue;
    }
    const r = validateEvent(value);
    if (!r.success) {
      warn({ ...r.error, file, line: lineNo });
      continue;
    }
    onEvent(r.data, line);
    events++;
  }
  return { lines: lineNo, events };
}
