import { closeSync, openSync, readFileSync } from "node:fs";
import { runLab } from "../cli/lab.js";
import { writeReports } from "../cli/write-reports.js";
import { selectSensors } from "../sensors/select.js";
import { observe } from "../session/observation.js";
import { StopSignals } from "../session/stop-signals.js";
import { ShadowError } from "../util/result.js";
import { createOwnDir } from "../util/safe-fs.js";
import { resolveProgram } from "../util/which.js";
import { shellQuote } from "../util/shell-quote.js";
import { SECCOMP_FD } from "./sandbox-plan.js";

/** A redacted value (`kind#fingerprint`), alone or after `KEY=`. */
const REDACTED_ANYWHERE = /(^|=)[a-z][a-z0-9-]*#[0-9a-f]{10}$/;

/** What `harden --replay` hands to its child in the private mount namespace. */
export interface ReplayRunPlan {
  kind: "lab" | "command";
  replayDir: string;
  durationMs: number;
  sensors: string[];
  /** bubblewrap's argv, ending in `--`: the target's argv follows. */
  sandbox: string[];
  /** The compiled seccomp filter, handed to bubblewrap at SECCOMP_FD. */
  bpf: string;
  profileDir: string;
  tier: string;
  argv?: string[];
  root?: string;
  benign: boolean;
}

/** Runs the replay session: the same target, inside the sandbox, observed like the original. */
export async function runReplayPlan(file: string): Promise<void> {
  const plan = JSON.parse(readFileSync(file, "utf8")) as ReplayRunPlan;
  const selection = await selectSensors(plan.sensors.join(",") || "auto");
  const outDir = createOwnDir(plan.replayDir);
  const fd = openSync(plan.bpf, "r");
  const sandbox = {
    argv: plan.sandbox,
    passFd: { at: SECCOMP_FD, fd },
    info: {
      program: resolveProgram(plan.sandbox[0]!) ?? plan.sandbox[0]!,
      profile: plan.profileDir,
      tier: plan.tier,
    },
  };
  try {
    if (plan.kind === "lab") {
      await runLab({
        durationMs: plan.durationMs,
        durationLabel: `${Math.round(plan.durationMs / 1000)}s`,
        benign: plan.benign,
        selection,
        outDir,
        root: plan.root ?? "/",
        keepRaw: false,
        sandbox,
      });
      return;
    }
    const argv = plan.argv ?? [];
    // The session recorded its command line redacted: a secret in it cannot be replayed.
    if (argv.some((a) => REDACTED_ANYWHERE.test(a)))
      throw new ShadowError(
        "the session's command line held a secret (recorded redacted): it cannot be run again",
      );
    const program = resolveProgram(argv[0] ?? "");
    if (!program) throw new ShadowError(`${argv[0]}: command not found in PATH`);
    const signals = new StopSignals((m) => process.stderr.write(`\nshadow-signals: ${m}\n`));
    try {
      await observe({
        outDir,
        durationMs: plan.durationMs,
        selection,
        target: { argv: [...plan.sandbox, program, ...argv.slice(1)] },
        info: {
          kind: "command",
          label: shellQuote(argv),
          argv,
          ...(plan.root ? { root: plan.root } : {}),
          sandbox: sandbox.info,
        },
        progress: process.stderr.isTTY === true,
        signals,
        passFd: sandbox.passFd,
      });
      await writeReports(outDir, { quiet: true });
    } finally {
      signals.dispose();
    }
  } finally {
    closeSync(fd);
  }
}
