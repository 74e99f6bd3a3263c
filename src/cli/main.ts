import { ShadowError, UsageError } from "../util/result.js";
import { restrictUmask } from "../util/umask.js";
import { wantsHelp } from "./args.js";
import type { Command } from "./command.js";
import { analyzeCommand } from "./analyze.js";
import { collectCommand } from "./collect.js";
import { diffCommand } from "./diff.js";
import { fleetCommand } from "./fleet.js";
import { hardenCommand } from "./harden.js";
import { serveCommand } from "./serve.js";
import { replayRunCommand } from "./replay-run.js";
import { imdCommand } from "./imd.js";
import { labCommand } from "./lab.js";
import { observeCommand } from "./observe.js";
import { sensorsCommand } from "./sensors.js";
import { surveyCommand } from "./survey.js";
import { watchCommand } from "./watch.js";

const COMMANDS: Command[] = [
  labCommand,
  observeCommand,
  surveyCommand,
  watchCommand,
  analyzeCommand,
  hardenCommand,
  diffCommand,
  serveCommand,
  collectCommand,
  fleetCommand,
  sensorsCommand,
  imdCommand,
  replayRunCommand,
];

const USAGE = `shadow-signals - watch a Linux daemon from the outside and write a security report

Usage: shadow-signals <command> [options]

Commands:
${COMMANDS.filter((c) => !c.hidden)
  .map((c) => `  ${c.name.padEnd(9)} ${c.summary}`)
  .join("\n")}

Run 'shadow-signals <command> --help' for a command's options and examples.
Exit codes: 0 done; 1 runtime error (one-line reason on stderr); 2 usage error.`;

/** Dispatches argv to a command and maps errors to exit codes; returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(USAGE + "\n");
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`shadow-signals: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  if (wantsHelp(rest)) {
    process.stdout.write(command.help + "\n");
    return 0;
  }
  if (!command.isTarget) restrictUmask();
  try {
    return await command.run(rest);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(
        `shadow-signals ${name}: ${err.message}\nRun 'shadow-signals ${name} --help' for usage.\n`,
      );
      return 2;
    }
    if (process.env.SHADOW_SIGNALS_DEBUG) process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    const message =
      err instanceof ShadowError ? err.message : err instanceof Error ? err.message : String(err);
    process.stderr.write(`shadow-signals ${name}: ${message.split("\n")[0]}\n`);
    return command.errorExit ?? 1;
  }
}
