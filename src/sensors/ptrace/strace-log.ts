import { createReadStream } from "node:fs";
import path from "node:path";
import readline from "node:readline";
import type { RawEvent } from "../../events/schema.js";
import type { Issue } from "../../util/result.js";
import type { SyscallCounter } from "../../session/usage.js";
import { StraceEventMapper } from "./strace-events.js";
import { StraceLineParser } from "./strace-line.js";

/** True when the first non-empty line looks like `strace -ttt` output. */
export function looksLikeStrace(firstLine: string): boolean {
  return /^(?:\[pid\s+\d+\]\s+|\d+\s+)?\d{9,}\.\d+\s+(?:\w+\(|<\.\.\.|---|\+\+\+)/.test(firstLine);
}

/**
 * Reads a strace log captured elsewhere (`strace -f -ttt -yy -o FILE`, or one FILE.PID of -ff)
 * and emits normalized events. A garbled line becomes an issue naming file and line; the events
 * around it are kept.
 */
export async function readStraceLog(
  file: string,
  emit: (e: RawEvent) => void,
  warn: (i: Issue) => void,
  syscalls?: SyscallCounter,
): Promise<{ lines: number; events: number }> {
  const ffPid = /\.(\d+)$/.exec(path.basename(file))?.[1];
  const parser = new StraceLineParser();
  const mapper = new StraceEventMapper();
  let lineNo = 0;
  let events = 0;
  const rl = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of rl) {
    lineNo++;
    const { record, error } = parser.parse(line, ffPid ? Number(ffPid) : 0);
    if (error) {
      warn({ code: "strace_syntax", message: error, file, line: lineNo });
      continue;
    }
    if (!record) continue;
    if (record.type === "syscall") syscalls?.add(record.name);
    for (const e of mapper.map(record)) {
      emit(e);
      events++;
    }
  }
  if (parser.unfinishedCount() > 0) {
    warn({
      code: "strace_truncated",
      message: `${parser.unfinishedCount()} call(s) never resumed: the log ends mid-call`,
      file,
      line: lineNo,
    });
  }
  return { lines: lineNo, events };
}
