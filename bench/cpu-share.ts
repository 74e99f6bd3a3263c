/**
 * The share of a run's CPU time spent in some source files, from a V8 CPU profile: a cost measured
 * inside one process, so a VM's slow stretch slows the part and the whole alike (timing two builds
 * one after the other could not tell 5% from the noise of this machine).
 * Usage:
 *   node --cpu-prof --cpu-prof-dir=DIR dist/bench/analysis-throughput.js 1000000
 *   node dist/bench/cpu-share.js DIR/*.cpuprofile WITHIN PART...
 * WITHIN and each PART are file names (e.g. analyzer.js coverage.js): a sample counts for WITHIN
 * when its stack passes through that file, and for PART when it passes through both.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { url: string; functionName: string };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, within, ...parts] = process.argv.slice(2);
if (!file || !within || parts.length === 0) {
  process.stderr.write("usage: node dist/bench/cpu-share.js PROFILE.cpuprofile WITHIN PART...\n");
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

/** The file names on each node's stack, root to node, computed once per node. */
const stackFiles = new Map<number, Set<string>>();
function filesOf(id: number): Set<string> {
  let s = stackFiles.get(id);
  if (s) return s;
  const up = parent.get(id);
  s = new Set(up === undefined ? [] : filesOf(up));
  const url = byId.get(id)!.callFrame.url;
  if (url) s.add(url.slice(url.lastIndexOf("/") + 1));
  stackFiles.set(id, s);
  return s;
}

let total = 0;
const share = new Map(parts.map((p) => [p, 0]));
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const files = filesOf(id);
  if (!files.has(within)) return;
  total += dt;
  for (const p of parts) if (files.has(p)) share.set(p, share.get(p)! + dt);
});
process.stdout.write(`${within}: ${(total / 1e6).toFixed(2)} s of CPU samples\n`);
for (const [p, t] of share)
  process.stdout.write(
    `  ${p}: ${(t / 1e6).toFixed(3)} s, ${((100 * t) / Math.max(1, total)).toFixed(1)}%\n`,
  );
