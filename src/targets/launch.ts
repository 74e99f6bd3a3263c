import { redactArgv } from "../secrets/redact.js";
import { UsageError } from "../util/result.js";
import { shellQuote } from "../util/shell-quote.js";
import { resolveProgram } from "../util/which.js";

/**
 * `observe -- CMD`: a command we start ourselves, behind the launch gate (session/launcher.ts), so
 * its pid is known only once it runs. The one target that is ours: we stop it, and everything it
 * started, at the end.
 */
export interface LaunchTarget {
  kind: "launch";
  /** The command line as the report shows it (secrets redacted). */
  label: string;
  /** The program resolved in PATH, then its arguments. */
  argv: string[];
  follows: "descendants";
  ownedByUs: true;
}

export function launchTarget(given: readonly string[]): LaunchTarget {
  if (given.length === 0) throw new UsageError("give a command after --");
  const program = resolveProgram(given[0]!);
  if (!program) throw new UsageError(`${given[0]}: command not found in PATH`);
  return {
    kind: "launch",
    label: shellQuote(redactArgv(given)),
    argv: [program, ...given.slice(1)],
    follows: "descendants",
    ownedByUs: true,
  };
}
