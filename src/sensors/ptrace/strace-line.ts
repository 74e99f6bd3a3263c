/** One logical strace record, after unfinished/resumed halves are joined. */
export type StraceRecord =
  | { type: "syscall"; tid: number; ts: number; name: string; args: string; ret: string; errno?: string }
  | { type: "signal"; tid: number; ts: number; signal: string; info: string }
  | { type: "exit"; tid: number; ts: number; code?: number; signal?: string };

export type LineResult = { record?: StraceRecord; error?: string };

// `PID TS body`, `TS body` (-ff files, or no -f), or `[pid PID] TS body` (strace to a terminal).
const HEAD = /^(?:\[pid\s+(\d+)\]\s+|(\d+)\s+)?(\d{9,}\.\d+)\s+(.*)$/s;

/**
 * Parses strace -ttt lines into records, joining `<unfinished ...>` with `<... resumed>` per thread.
 * `defaultTid` names the process of a -ff file (FILE.PID) whose lines carry no pid.
 */
export class StraceLineParser {
  private readonly pending = new Map<number, { name: string; head: string; ts: number }>();

  parse(line: string, defaultTid = 0): LineResult {
    const m = HEAD.exec(line.trimEnd());
    if (!m) return line.trim() === "" ? {} : { error: "not a strace -ttt line" };
    const tid = Number(m[1] ?? m[2] ?? defaultTid);
    const ts = Number(m[3]);
    const body = m[4]!;
    if (body.startsWith("--- ")) {
      const sig = /^--- (SIG\w+) (.*) ---$/.exec(body);
      return sig ? { record: { type: "signal", tid, ts, signal: sig[1]!, info: sig[2]! } } : {};
    }
    if (body.startsWith("+++ ")) {
      const exited = /^\+\+\+ exited with (\d+) \+\+\+$/.exec(body);
      if (exited) return { record: { type: "exit", tid, ts, code: Number(exited[1]) } };
      const killed = /^\+\+\+ killed by (SIG\w+)/.exec(body);
      return killed
        ? { record: { type: "exit", tid, ts, signal: killed[1]! } }
        : { error: "unknown +++ line" };
    }
    const resumed = /^<\.\.\. (\w+) resumed>(.*)$/s.exec(body);
    if (resumed) {
      const start = this.pending.get(tid);
      this.pending.delete(tid);
      // A resumed half without its start (log cut, or attach mid-call): the args are incomplete.
      if (!start || start.name !== resumed[1]) return this.complete(tid, ts, resumed[1]!, `(${resumed[2]!}`);
      return this.complete(tid, start.ts, start.name, start.head + resumed[2]!);
    }
    const unfinished = /^(\w+)\((.*?)\s*<unfinished \.\.\.>$/s.exec(body);
    if (unfinished) {
      this.pending.set(tid, { name: unfinished[1]!, head: `(${unfinished[2]!}`, ts });
      return {};
    }
    const call = /^(\w+)(\(.*)$/s.exec(body);
    if (!call) return { error: "unrecognized strace record" };
    return this.complete(tid, ts, call[1]!, call[2]!);
  }

  private complete(tid: number, ts: number, name: string, rest: string): LineResult {
    // strace pads short calls (`setsid()        = 3780`); the last `) = ` is the result.
    let eq = -1;
    let eqLen = 0;
    for (const m of rest.matchAll(/\)\s+=\s+/g)) {
      eq = m.index;
      eqLen = m[0].length;
    }
    if (eq === -1) return { error: `incomplete ${name}() record (no result)` };
    const args = rest.slice(1, eq);
    const tail = rest.slice(eq + eqLen);
    const r = /^(-?\d+|\?|0x[0-9a-f]+)(<.*?>+)?(?:\s+(E[A-Z0-9]+)\b)?/s.exec(tail);
    if (!r) return { error: `cannot read the result of ${name}()` };
    const record: StraceRecord = { type: "syscall", tid, ts, name, args, ret: r[1]! + (r[2] ?? "") };
    if (r[3]) record.errno = r[3];
    return { record };
  }

  /** Calls still waiting for their resumed half (at the end of a log: cut short). */
  unfinishedCount(): number {
    return this.pending.size;
  }
}
