import { closeSync, constants, createReadStream, writeSync } from "node:fs";
import { StringDecoder } from "node:string_decoder";
import { openNewFile } from "../util/safe-fs.js";
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
 * Calls `onLine` for every line of `file`, read in 1 MiB chunks: one await per chunk, not per line
 * (readline's async iterator cost a quarter of a whole analysis). UTF-8 split across chunks is
 * joined by the decoder.
 */
export async function eachLine(file: string, onLine: (line: string) => void): Promise<void> {
  const decoder = new StringDecoder("utf8");
  let rest = "";
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = rest + decoder.write(chunk as Buffer);
    let start = 0;
    for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
      onLine(text.slice(start, nl));
      start = nl + 1;
    }
    rest = text.slice(start);
  }
  rest += decoder.end();
  if (rest !== "") onLine(rest);
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
  const onLine = (raw: string) => {
    lineNo++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (line.trim() === "") return;
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
      return;
    }
    const r = validateEvent(value);
    if (!r.success) {
      warn({ ...r.error, file, line: lineNo });
      return;
    }
    onEvent(r.data, line);
    events++;
  };
  await eachLine(file, onLine);
  return { lines: lineNo, events };
}
