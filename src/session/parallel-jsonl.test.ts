import { test } from "node:test";
import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Issue } from "../util/result.js";
import { readJsonl } from "./jsonl.js";

const SECRET = "hunter2-not-a-real-password";

/** Several chunks' worth of lines, with every oddity a reader must keep: the same for any reader. */
function oddFile(dir: string): string {
  const lines: string[] = [];
  for (let i = 1; i <= 30_000; i++) {
    const base = `"ts":${1.7e12 + i},"seq":${i},"pid":${100 + (i % 7)},"comm":"d","sensor":"ptrace"`;
    if (i % 997 === 0)
      lines.push(`{"kind":"exec",${base}`); // cut short: not JSON
    else if (i % 1009 === 0)
      lines.push(`{"kind":"exit",${base},"code":"1"}`); // wrong type
    else if (i % 1013 === 0) lines.push("   ");
    else if (i % 211 === 0)
      lines.push(`{"kind":"exec",${base},"path":"/bin/db","argv":["db","--password","${SECRET}"]}`);
    else if (i % 101 === 0)
      lines.push(`{"kind":"open",${base},"path":"/etc/é","flags":["O_RDONLY"],"fd":3}\r`);
    else if (i === 15_000)
      lines.push(`{"kind":"open",${base},"path":"/tmp/${"x".repeat(2_500_000)}","flags":["O_RDONLY"]}`);
    else
      lines.push(`{"kind":"write",${base},"path":"/var/lib/d/${i % 50}","bytes":${i},"nested":{"a":[${i}]}}`);
  }
  const file = path.join(dir, "events.jsonl");
  writeFileSync(file, lines.join("\n")); // no newline at the end
  return file;
}

async function read(file: string, workers: number) {
  const events: string[] = [];
  const issues: Issue[] = [];
  const recorded: Buffer[] = [];
  const counts = await readJsonl(
    file,
    (e) => events.push(JSON.stringify(e)),
    (i) => issues.push(i),
    { workers, redactExec: true, onLines: (l) => recorded.push(Buffer.from(l)) },
  );
  return { counts, events, issues, recorded: Buffer.concat(recorded).toString("utf8") };
}

test("events.jsonl parsed on worker threads: the same events in the same order, the same issues and lines", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallel-jsonl-"));
  try {
    const file = oddFile(dir);
    const one = await read(file, 0);
    assert.equal(one.counts.lines, 30_000);
    assert.ok(one.issues.length > 50 && one.events.length > 29_000, JSON.stringify(one.counts));
    assert.ok(!one.recorded.includes(SECRET) && !one.events.some((e) => e.includes(SECRET)), "redacted");
    assert.ok(!one.recorded.includes("\r"));
    assert.equal(one.recorded.split("\n").length - 1, one.events.length, "a recorded line an event");
    for (const workers of [1, 2, 3]) {
      const many = await read(file, workers);
      assert.deepEqual(many.counts, one.counts);
      assert.deepEqual(many.issues, one.issues);
      assert.equal(many.events.length, one.events.length);
      assert.ok(
        many.events.every((e, i) => e === one.events[i]),
        `workers ${workers}: events differ`,
      );
      assert.equal(many.recorded, one.recorded);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an error in the consumer ends the parallel read with that error", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallel-jsonl-"));
  try {
    const file = oddFile(dir);
    let seen = 0;
    await assert.rejects(
      readJsonl(
        file,
        () => {
          if (++seen === 20_000) throw new Error("detector failed");
        },
        () => undefined,
        { workers: 2 },
      ),
      /detector failed/,
    );
    assert.equal(seen, 20_000, "nothing delivered after the error");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The niceness of each thread of this process, by thread id (Linux). */
function threadNiceness(): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of readdirSync("/proc/self/task")) {
    const fields = readFileSync(`/proc/self/task/${t}/stat`, "utf8").split(") ")[1]!.split(" ");
    out.set(t, Number(fields[16])); // field 19 of stat: after pid and comm, index 16
  }
  return out;
}

test(
  "the parsing threads run five steps nicer than the analysing thread",
  { skip: !existsSync("/proc/thread-self") && "no /proc/thread-self (not Linux)" },
  async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "parallel-jsonl-"));
    try {
      const file = oddFile(dir);
      const main = threadNiceness().get(String(process.pid))!;
      let during: Map<string, number> | undefined;
      let n = 0;
      await readJsonl(
        file,
        () => void (++n === 10_000 && (during = threadNiceness())),
        () => undefined,
        {
          workers: 2,
        },
      );
      const nicer = [...during!.values()].filter((x) => x === Math.min(19, main + 5));
      assert.equal(nicer.length, 2, JSON.stringify([...during!]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test("the parallel reader refuses what is not a regular file, a FIFO included, without hanging", async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "parallel-jsonl-"));
  try {
    const fifo = path.join(dir, "fifo");
    execFileSync("mkfifo", [fifo]);
    for (const file of [dir, fifo])
      await assert.rejects(
        readJsonl(
          file,
          () => undefined,
          () => undefined,
          { workers: 2 },
        ),
        /not a regular file/,
      );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
