import { closeSync, openSync, readSync } from "node:fs";
import { looksLikeStrace, readStraceLog } from "../sensors/ptrace/strace-log.js";
import { ShadowError, type Issue } from "../util/result.js";
import { readJsonl } from "./jsonl.js";
import type { ShadowEvent } from "../events/schema.js";
import type { ProcessRecord } from "./process-table.js";
import { Recorder } from "./recorder.js";

function firstLine(file: string): string {
  const fd = openSync(file, "r");
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return (
      buf
        .toString("utf8", 0, n)
        .split("\n")
        .find((l) => l.trim() !== "") ?? ""
    );
  } catch (err) {
    throw new ShadowError(`${file}: cannot read: ${(err as Error).message}`, { cause: err });
  } finally {
    closeSync(fd);
  }
}

/** Imports an events.jsonl or a strace log into a new session in `outDir`. */
export async function importFile(
  input: string,
  outDir: string,
  warn: (i: Issue) => void,
  tap?: (e: ShadowEvent) => void,
): Promise<{ events: number; format: string; processTable: Map<number, ProcessRecord> }> {
  const head = firstLine(input);
  const format = head.trimStart().startsWith("{")
    ? "events.jsonl"
    : looksLikeStrace(head)
      ? "strace log"
      : undefined;
  if (!format) throw new ShadowError(`${input}:1: neither an events.jsonl nor a strace -ttt log`);
  const recorder = new Recorder(outDir, { kind: "import", label: input, input }, false);
  recorder.tap = tap;
  const result =
    format === "events.jsonl"
      ? await readJsonl(input, (e, line) => recorder.importEvent(e, line), warn)
      : await readStraceLog(
          input,
          (e) => {
            recorder.emit(e);
            if (recorder.queue.length >= 10_000) recorder.flush();
          },
          warn,
        );
  recorder.finish([]);
  return { events: result.events, format, processTable: recorder.processes.records };
}
