import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openSession } from "../session/session-reader.js";
import { diesWithUs, describeExit } from "../util/bound-spawn.js";
import { ShadowError } from "../util/result.js";
import { writeNewFile } from "../util/safe-fs.js";
import { resolveProgram } from "../util/which.js";
import { USER_UMASK_VAR, userUmaskOctal } from "../util/umask.js";
import { harden, type HardenOptions } from "./harden.js";
import { renderReplayMd } from "./replay-md.js";
import { compareReplay, type Comparison } from "./replay-compare.js";
import { sandboxPlan } from "./sandbox-plan.js";
import type { ReplayRunPlan } from "./replay-run.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const BIN = path.join(REPO, "bin", "shadow-signals");
/** Built by scripts/setup.sh from native/seccomp-bpf.c (needs libseccomp-dev). */
export const SECCOMP_HELPER = path.join(REPO, "build", "seccomp-bpf");

export interface ReplayOptions extends HardenOptions {
  tier: "active" | "suggested";
  durationMs?: number;
}

/** Why a replay cannot run here, or undefined when it can. */
export function replayUnavailable(): string | undefined {
  if (process.geteuid?.() !== 0) return "replay needs root (bubblewrap's mounts and the sensors)";
  if (!resolveProgram("bwrap")) return "bubblewrap is not installed (Debian package: bubblewrap)";
  if (!resolveProgram("unshare")) return "unshare (util-linux) is not installed";
  if (!existsSync(SECCOMP_HELPER))
    return `the seccomp helper is not built (${SECCOMP_HELPER}): run npm run setup (needs libseccomp-dev)`;
  return undefined;
}

/** Makes each missing directory (and missing parents), adding each made to `made`, deepest last. */
function ensureDirs(dirs: string[], made: string[]): void {
  for (const dir of dirs) {
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = path.dirname(d)) missing.unshift(d);
    for (const d of missing) {
      mkdirSync(d);
      chmodSync(d, 0o755); // as the daemon would have made it, not with our umask
      made.push(d);
    }
  }
}

function removeMade(made: string[]): void {
  for (const d of [...made].reverse()) {
    try {
      rmdirSync(d);
    } catch {
      /* the daemon left something there that is not ours to remove */
    }
  }
}

/**
 * `harden --replay`: the profile from the session, then the session's target run again under it
 * (observed with the same sensors), then the two reports compared.
 */
export async function replay(
  o: ReplayOptions,
): Promise<{ summary: string; unexpected: boolean; comparison: Comparison }> {
  const unavailable = replayUnavailable();
  if (unavailable) throw new ShadowError(unavailable);
  const original = o.sessions[0]!;
  const meta = openSession(original).meta;
  const kind = meta.target.kind;
  if (kind !== "lab" && kind !== "command")
    throw new ShadowError(
      `${original}: ${kind === "import" ? "an imported log" : `a session attached by --${kind}`} has no command to run again; observe the daemon with: observe -- CMD`,
    );
  if (meta.target.sandbox)
    throw new ShadowError(`${original}: is itself a replay; replay the original session`);
  const r = await harden(o);
  if (!r.seccomp) throw new ShadowError(`replay needs the seccomp profile: ${r.seccompRefused}`);

  const replayDir = path.join(o.outDir, "replay");
  const stage = mkdtempSync(path.join(os.tmpdir(), "shadow-signals-replay-"));
  const made: string[] = [];
  try {
    chmodSync(stage, 0o711); // the target may not be root: it must reach its private /tmp
    for (const d of ["tmp", "var-tmp"]) {
      mkdirSync(path.join(stage, d));
      chmodSync(path.join(stage, d), 0o1777);
    }
    const plan = sandboxPlan(r, o.tier, stage, kind === "lab" ? [replayDir] : []);
    ensureDirs(plan.needDirs, made);
    const bpf = path.join(o.outDir, "seccomp.bpf");
    const compiled = spawnSync(SECCOMP_HELPER, [bpf, ...r.seccomp.syscalls[0]!.names], { encoding: "utf8" });
    if (compiled.status !== 0) throw new ShadowError(`seccomp helper: ${compiled.stderr.trim() || "failed"}`);
    const durationMs = o.durationMs ?? meta.durationMs ?? 30_000;
    const runPlan: ReplayRunPlan = {
      kind,
      replayDir,
      durationMs,
      sensors: (meta.sensors ?? []).filter((s) => s.status !== "unavailable").map((s) => s.name),
      sandbox: plan.bwrap,
      bpf,
      profileDir: o.outDir,
      tier: o.tier,
      ...(meta.target.argv ? { argv: meta.target.argv } : {}),
      ...(meta.target.root ? { root: meta.target.root } : {}),
      benign: /benign/i.test(meta.target.label),
    };
    const planFile = path.join(o.outDir, "replay-plan.json");
    writeNewFile(planFile, JSON.stringify(runPlan, null, 2));
    process.stderr.write(
      `shadow-signals harden: replaying ${meta.target.label} for ${Math.round(durationMs / 1000)} s under the ${o.tier} tier\n`,
    );
    await runInPrivateMounts(plan.mounts, [process.execPath, BIN, "replay-run", planFile]);
    const comparison = await compareReplay(original, replayDir, plan, o.warn);
    writeNewFile(
      path.join(o.outDir, "replay.md"),
      renderReplayMd(r, plan, comparison, original, replayDir, o.tier),
    );
    writeNewFile(
      path.join(o.outDir, "replay.json"),
      JSON.stringify({ tier: o.tier, plan, comparison }, null, 2) + "\n",
    );
    const summary = [
      `Replay under the ${o.tier} tier: exposure ${r.scores.before ?? "n/a"} -> ${(o.tier === "active" ? r.scores.active : r.scores.suggested) ?? "n/a"}`,
      `  closed: ${comparison.closed.map((f) => f.behavior).join(", ") || "none"}`,
      `  kept: ${comparison.kept.map((f) => f.behavior).join(", ") || "none"}`,
      `  new: ${comparison.appeared.map((f) => `${f.behavior}${f.expected ? " (expected)" : ""}`).join(", ") || "none"}`,
      `  new failures: ${comparison.failures.length} (${comparison.failures.filter((f) => f.expected).length} expected denials)`,
      comparison.unexpected ? "  UNEXPECTED: see replay.md" : "  nothing unexpected",
    ].join("\n");
    return { summary, unexpected: comparison.unexpected, comparison };
  } finally {
    removeMade(made);
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * Runs argv in a private mount namespace after `mounts` (noexec binds): they never touch the
 * host's mount table, and end with the namespace. Ctrl-C reaches the child, which stops and still
 * writes its report; we wait for it.
 */
async function runInPrivateMounts(mounts: string[], argv: string[]): Promise<void> {
  const script = [...mounts, 'exec "$@"'].join(" && ");
  const [bin, ...args] = diesWithUs(
    ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c", script, "sh", ...argv],
    "TERM",
  );
  const child = spawn(bin!, args, {
    stdio: "inherit",
    env: { ...process.env, [USER_UMASK_VAR]: userUmaskOctal() },
  });
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  try {
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
      child.once("error", reject);
      child.once("exit", (c, s) => resolve([c, s]));
    });
    if (code !== 0 && code !== 3) throw new ShadowError(`the replay ${describeExit(code, signal)}`);
  } finally {
    process.off("SIGINT", ignore);
    process.off("SIGTERM", ignore);
  }
}
