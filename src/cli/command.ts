/** One CLI command: its name, a one-line summary for the index, its help text, and its body. */
export interface Command {
  name: string;
  summary: string;
  help: string;
  /** Runs as an observed target (imd): keeps the user's umask instead of our private 077. */
  isTarget?: boolean;
  /** The exit code of a runtime error, when not 1 (diff: 2, as diff(1) has it). */
  errorExit?: number;
  /** Internal plumbing, left out of the command index. */
  hidden?: boolean;
  /** Returns the exit code. Throws UsageError (2) or ShadowError (1) for the dispatcher to print. */
  run(argv: string[]): Promise<number>;
}
