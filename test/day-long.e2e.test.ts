/**
 * A long session's disk, live: a busy daemon observed with small bounds (--rotate 64KiB,
 * --max-disk 256KiB), so that parts rotate out, are compressed and the oldest are dropped within
 * seconds, as they would over a day. Every command reads the parts as one file, and every report
 * says what was dropped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { eventFiles } from "../src/session/event-parts.js";
import { hasStrace, runCliAsync, withTmpDir } from "../src/testing/cli.js";
import { readSessionEvents } from "../src/testing/session-files.js";

interface DroppedJson {
  parts: number;
  events: number;
  bytes: number;
  until: string;
  summary: string;
}

test(
  "observe --rotate --max-disk: parts compressed and 0600, the oldest dropped and said so; analyze, diff and harden read the rest",
  { skip: hasStrace ? false : "strace is not installed", timeout: 180_000 },
  () =>
    withTmpDir("day-long-", async (dir) => {
      const daemon = path.join(dir, "busy.sh");
      writeFileSync(
        daemon,
        `#!/bin/sh\nwhile :; do echo tick > ${dir}/state; cat ${dir}/state > /dev/null; done\n`,
        {
          mode: 0o755,
        },
      );
      const out = path.join(dir, "s");
      const r = await runCliAsync(
        [
          "observe",
          "--sensors",
          "ptrace,procfs",
          "--duration",
          "6s",
          "--rotate",
          "64KiB",
          "--max-disk",
          "256KiB",
          "--out",
          out,
          "--",
          daemon,
        ],
        120_000,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /--max-disk: dropped the oldest events \(part 1,/);
      const files = eventFiles(out);
      const parts = files.filter((f) => f.part > 0);
      assert.ok(parts.length >= 1 && parts.every((f) => f.compressed), JSON.stringify(files));
      for (const f of files) assert.equal(lstatSync(f.file).mode & 0o777, 0o600, f.file);
      assert.ok(parts[0]!.part > 1, "part 1 was not dropped");

      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as {
        session: { events: number; eventsDropped?: DroppedJson };
      };
      const dropped = report.session.eventsDropped;
      assert.ok(
        dropped && dropped.events > 0 && dropped.parts === parts[0]!.part - 1,
        JSON.stringify(dropped),
      );
      const kept = readSessionEvents<{ seq: number }>(out);
      assert.equal(report.session.events, kept.length, "the analysis read other events than the kept ones");
      assert.equal(kept[0]!.seq, dropped.events + 1, "the kept events do not start after the dropped ones");
      assert.match(
        readFileSync(path.join(out, "report.md"), "utf8"),
        /\*\*The oldest [\d,]+ events \(\d+ rotated parts?/,
      );
      assert.match(readFileSync(path.join(out, "report.html"), "utf8"), /were dropped under --max-disk/);

      // Analysed again in place, compared with itself, hardened: each reads the parts as one file.
      const again = await runCliAsync(["analyze", out], 60_000);
      assert.equal(again.status, 0, again.stderr);
      const reread = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as typeof report;
      assert.equal(reread.session.events, kept.length);
      const diff = await runCliAsync(["diff", out, out, "--json"], 60_000);
      assert.equal(diff.status, 0, diff.stderr);
      const harden = await runCliAsync(["harden", out, "--out", path.join(dir, "h")], 60_000);
      assert.equal(harden.status, 0, harden.stderr);
      const hardenMd = readFileSync(path.join(dir, "h", "harden.md"), "utf8");
      assert.match(
        hardenMd,
        new RegExp(`${kept.length} events, sensors ptrace, procfs; its oldest ${dropped.events} events`),
      );
    }),
);

test("--rotate and --max-disk: sizes that cannot hold are usage errors, and --publish refuses them", async () => {
  for (const [args, message] of [
    [["--rotate", "1KiB"], /--rotate: at least 64KiB/],
    [["--max-disk", "100KiB"], /--rotate: at least 64KiB \(a quarter of --max-disk\)/],
    [["--rotate", "1MiB", "--max-disk", "1MiB"], /--max-disk must hold at least two parts/],
    [["--max-disk", "1GiB", "--publish", "nats://127.0.0.1:4222"], /with --publish the collector keeps them/],
  ] as const) {
    const r = await runCliAsync(["observe", ...args, "--duration", "1s", "--", "true"], 30_000);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
