import { redactText } from "../secrets/redact.js";

/** Data, not exceptions, at the edges: parsers return one of these (zod's shape). */
export type Result<T, E = Issue> = { success: true; data: T } | { success: false; error: E };

/** A problem found in input, with where it is: `file:line` plus a field path when there is one. */
export interface Issue {
  code: string;
  message: string;
  file?: string;
  line?: number;
  path?: string[];
}

export const ok = <T>(data: T): Result<T, never> => ({ success: true, data });
export const fail = (error: Issue): Result<never> => ({ success: false, error });

/** Renders an issue as the one-line message the CLI prints. */
export function formatIssue(issue: Issue): string {
  const where = issue.file ? `${issue.file}${issue.line !== undefined ? `:${issue.line}` : ""}: ` : "";
  const field = issue.path && issue.path.length > 0 ? ` (at ${issue.path.join(".")})` : "";
  // Parsers' messages can quote the input (V8's JSON errors do): secrets in it are redacted.
  return `${where}${redactText(issue.message)}${field}`;
}

/** A runtime error the CLI turns into exit code 1 with a one-line reason. */
export class ShadowError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ShadowError";
  }
}

/** A usage error: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
