/** One CLI command: its name, a one-line summary for the index, its help text, and its body. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Returns the exit code. Throws UsageError (2) or ShadowError (1) for the dispatcher to print. */
  run(argv: string[]): Promise<number>;
}
