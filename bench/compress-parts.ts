/**
 * How to compress a rotated part: gzip through Node's zlib (levels 1 and 6, on a libuv thread as
 * the recorder runs it) against zstd -3 (Debian's CLI, when installed: Node 20 has no binding) on
 * an events.jsonl. Prints ratio and speed of each. The recorder uses gzip -6 (rotating-jsonl.ts).
 * Usage: node dist/bench/compress-parts.js EVENTS.jsonl
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { gunzip, gzip } from "node:zlib";

const file = process.argv[2];
if (!file) throw new Error("usage: compress-parts.js EVENTS.jsonl");
const input = readFileSync(file);
const mib = input.length / (1 << 20);
const rate = (ms: number) => `${Math.round(mib / (ms / 1000))} MiB/s`;
console.log(`${file}: ${mib.toFixed(1)} MiB, ${input.toString("utf8").split("\n").length - 1} lines`);
for (const level of [1, 6]) {
  let t = performance.now();
  const out = await promisify(gzip)(input, { level });
  const packMs = performance.now() - t;
  t = performance.now();
  await promisify(gunzip)(out);
  const unpackMs = performance.now() - t;
  console.log(
    `gzip -${level} (zlib): ${(input.length / out.length).toFixed(1)}x, ${rate(packMs)} in, ${rate(unpackMs)} out`,
  );
}
const t = performance.now();
const z = spawnSync("zstd", ["-q", "-3", "-c", file], { maxBuffer: input.length * 2 });
const ms = performance.now() - t;
if (z.status === 0)
  console.log(
    `zstd -3 (CLI, a child process): ${(input.length / z.stdout.length).toFixed(1)}x, ${rate(ms)} in`,
  );
else console.log("zstd: not installed");
