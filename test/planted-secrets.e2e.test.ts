/**
 * Secrets planted in every quoting form, through the whole import path: a strace log of their
 * command lines is analysed, and no output file may hold a value.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { filesUnder, runCli, withTmpDir } from "../src/testing/cli.js";
import { plantedSecret } from "../src/testing/planted-secrets.js";

/** A string as strace prints it: C escapes inside double quotes. */
const straceString = (s: string) =>
  `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t")}"`;

test(
  "fuzz: an imported log of planted secrets leaves no value in any output file",
  { timeout: 120_000 },
  () =>
    withTmpDir("planted-", (dir) => {
      const cases = fc.sample(plantedSecret, Number(process.env.FUZZ_RUNS ?? 300));
      const t0 = 1_795_000_000;
      const lines = [`1000  ${t0}.000000 execve("/usr/sbin/d", ["d"], 0x7ffc /* 3 vars */) = 0`];
      cases.forEach(({ argv }, i) => {
        const pid = 2000 + i;
        const ts = `${t0 + 3 + i * 0.01}`.padEnd(17, "0");
        lines.push(`1000  ${ts} clone(child_stack=NULL, flags=SIGCHLD) = ${pid}`);
        lines.push(
          `${pid}  ${ts} execve("/usr/bin/${path.basename(argv[0]!)}", [${argv.map(straceString).join(", ")}], 0x7ffc /* 3 vars */) = 0`,
        );
        lines.push(`${pid}  ${ts} +++ exited with 0 +++`);
      });
      const log = path.join(dir, "planted.strace.log");
      writeFileSync(log, lines.join("\n") + "\n");
      const out = path.join(dir, "out");
      const r = runCli(["analyze", log, "--out", out]);
      assert.equal(r.status, 0, r.stderr);
      const files = filesUnder(out);
      assert.ok(files.some((f) => f.file.endsWith("events.jsonl")) && files.length >= 4);
      for (const f of files)
        for (const { argv, value } of cases)
          assert.ok(
            !f.text.includes(value),
            `${path.basename(f.file)} holds the value of ${JSON.stringify(argv)}`,
          );
      // The command lines are there, with kind#fingerprint in the values' place.
      assert.match(
        files.find((f) => f.file.endsWith("events.jsonl"))!.text,
        /(password|api-token)#[0-9a-f]{10}/,
      );
    }),
);
