import { closeSync, openSync, readSync } from "node:fs";
import { looksLikeStrace, readStraceLog } from "../sensors/ptrace/strace-log.js";
import { ShadowError, type Issue } from "../util/result.js";
import { readJsonl } from "./jsonl.js";
import type { ShadowEvent } from "../events/schema.js";
import type { ProcessRecord } from "./process-table.js";
import { Recorder } from "./recorder.js";
import { SyscallCounter, type KernelUsage } from "./usage.js";
import { TRACED_SYSCALLS } from "../sensors/ptrace/strace-events.js";

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

/**
 * The syscalls a strace log holds. Captured with a `-e trace=` filter, it shows only those: a log
 * that names none beyond our own sensor's list was most likely filtered, and is no allow-list.
 */
function importedUsage(syscalls: SyscallCounter): KernelUsage {
  const traced = new Set<string>(TRACED_SYSCALLS);
  const beyond = syscalls.names().filter((n) => !traced.has(n));
  const complete = beyond.length >= 5;
  return {
    sensor: "ptrace",
    complete,
    note: complete
      ? "every syscall the imported strace log holds (it was captured without a -e trace= filter, as its reads, mmaps and closes show): complete as far as the capture was"
      : "the imported strace log names only syscalls of a -e trace= filter: not every syscall the tree made",
    syscalls: syscalls.toRecord(),
  };
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
  const syscalls = new SyscallCounter();
  const result =
    format === "events.jsonl"
      ? await readJsonl(input, (e) => recorder.importEvent(e), warn, {
          redactExec: true,
          onLines: (lines) => recorder.importLines(lines),
        })
      : await readStraceLog(
          input,
          (e) => {
            recorder.emit(e);
            if (recorder.queue.length >= 10_000) recorder.flush();
          },
          warn,
          syscalls,
        );
  if (syscalls.size > 0) recorder.store.setMeta("usage", [importedUsage(syscalls)]);
  recorder.finish([]);
  return { events: result.events, format, processTable: recorder.processes.records };
}
