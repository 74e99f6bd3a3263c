import { readFileSync } from "node:fs";
import path from "node:path";

/** Placeholder until analysis lands: prints the session's event counts by kind. */
export async function writeReports(outDir: string, _opts: { quiet: boolean }): Promise<void> {
  const counts = new Map<string, number>();
  for (const line of readFileSync(path.join(outDir, "events.jsonl"), "utf8").split("\n")) {
    if (!line) continue;
    const e = JSON.parse(line) as { kind: string; sensor: string };
    const k = `${e.sensor}:${e.kind}`;
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  process.stdout.write(`session: ${outDir}\n`);
  for (const [k, n] of [...counts].sort()) process.stdout.write(`  ${k.padEnd(20)} ${n}\n`);
}
