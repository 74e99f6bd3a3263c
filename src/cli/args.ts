import { parseArgs } from "node:util";
import { UsageError } from "../util/result.js";

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

export interface ParsedArgs<S extends OptionSpec> {
  values: {
    [K in keyof S]?: S[K]["type"] extends "boolean"
      ? boolean
      : S[K]["multiple"] extends true
        ? string[]
        : string;
  };
  positionals: string[];
  /** Everything after a literal `--`, untouched (the command to observe). */
  rest: string[];
}

/** Strict option parsing: an unknown option or a missing value is a usage error (exit 2). */
export function parseCommandArgs<S extends OptionSpec>(argv: string[], spec: S): ParsedArgs<S> {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  const rest = dash === -1 ? [] : argv.slice(dash + 1);
  try {
    const { values, positionals } = parseArgs({
      args: own,
      options: { ...spec, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    });
    return { values: values as ParsedArgs<S>["values"], positionals, rest };
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/\. To specify.*$/s, ""));
  }
}

export function wantsHelp(argv: string[]): boolean {
  const dash = argv.indexOf("--");
  const own = dash === -1 ? argv : argv.slice(0, dash);
  return own.includes("--help") || own.includes("-h");
}
